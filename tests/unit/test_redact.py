"""Secret masking: the display form, headers, query strings, free text and the known-secret registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.redact import (
    SecretSet,
    mask_secret,
    redact_headers,
    redact_known,
    redact_query,
    redact_text,
    redact_url,
    register_secrets,
    secret_strings,
    unregister_secrets,
)

KEY = "sk-live-0123456789abcdef"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("sk-test-client-key", "sk-t...-key"),
        ("abcdefghi", "abcd...fghi"),
        ("abcdefgh", "ab...gh"),
        ("abcde", "ab...de"),
        ("abcd", "a...d"),
        ("abc", "a...c"),
        ("ab", "***"),
        ("", "***"),
        ("sk-t...-key", "sk-t...-key"),
    ],
    ids=["long", "nine", "eight", "five", "four", "three", "two", "empty", "already-masked"],
)
def test_mask_keeps_only_the_ends(value: str, masked: str) -> None:
    assert mask_secret(value) == masked


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Authorization", f"Bearer {KEY}", "Bearer sk-l...cdef"),
        ("authorization", KEY, "sk-l...cdef"),
        ("Proxy-Authorization", "Basic dXNlcjpwYXNzd29yZA==", "Basic dXNl...ZA=="),
        ("x-api-key", KEY, "sk-l...cdef"),
        ("x-goog-api-key", "AIzaSyA-1234567890", "AIza...7890"),
        ("X-Management-Key", "management-secret", "mana...cret"),
        ("cookie", "session=abcdefghijkl; theme=dark", "session=abcd...ijkl; theme=d...k"),
        ("x-refresh-token", "1//refresh-value", "1//r...alue"),
        ("content-type", "application/json", "application/json"),
        ("user-agent", "claude-cli/1.0", "claude-cli/1.0"),
        ("x-custom", f"has {KEY} inside", "has sk-l...cdef inside"),
    ],
    ids=[
        "bearer",
        "bare-authorization",
        "basic",
        "x-api-key",
        "x-goog-api-key",
        "management-key",
        "cookie-per-pair",
        "token-header",
        "content-type",
        "user-agent",
        "key-shape-in-any-header",
    ],
)
def test_headers(name: str, value: str, shown: str) -> None:
    assert redact_headers([(name, value)]) == [(name, shown)]


def test_headers_from_a_mapping_keep_their_order() -> None:
    shown = redact_headers({"b": "1", "x-api-key": KEY, "a": "2"})
    assert [name for name, _ in shown] == ["b", "x-api-key", "a"]


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("key=AIzaSyA-1234567890&alt=sse", "key=AIza...7890&alt=sse"),
        ("alt=sse&auth_token=abcdefghijk", "alt=sse&auth_token=abcd...hijk"),
        ("x_api_key=abcdefghijk", "x_api_key=abcd...hijk"),
        ("access_token=abcdefghijk&beta=true", "access_token=abcd...hijk&beta=true"),
        ("beta=true&monkey=banana", "beta=true&monkey=banana"),
        ("", ""),
    ],
    ids=["key", "auth-token", "api-key-name", "token-name", "harmless", "empty"],
)
def test_query(query: str, shown: str) -> None:
    assert redact_query(query) == shown


def test_url_keeps_path_and_masks_query() -> None:
    url = "https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=AIzaSyA-1234567890"
    assert redact_url(url).endswith(":generateContent?key=AIza...7890")
    assert redact_url("https://api.anthropic.com/v1/messages") == "https://api.anthropic.com/v1/messages"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('{"api_key": "abcdefghijkl"}', '{"api_key": "abcd...ijkl"}'),
        (
            '{"access_token":"abcdefghijkl","token_type":"Bearer"}',
            '{"access_token":"abcd...ijkl","token_type":"Bearer"}',
        ),
        ('{"max_tokens": 16, "input_tokens": 3}', '{"max_tokens": 16, "input_tokens": 3}'),
        ('{"model": "claude", "refresh_token": ""}', '{"model": "claude", "refresh_token": ""}'),
        (f"Authorization: Bearer {KEY}", "Authorization: Bearer sk-l...cdef"),
        ("x-api-key: abcdefghijkl", "x-api-key: abcd...ijkl"),
        ("GET /v1beta/models?key=abcdefghijkl&alt=sse", "GET /v1beta/models?key=abcd...ijkl&alt=sse"),
        (f"upstream said: invalid key {KEY}", "upstream said: invalid key sk-l...cdef"),
        ("AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe is wrong", "AIza...ewQe is wrong"),
        ("Status: 200", "Status: 200"),
        ("token refresh failed for account a@b.c", "token refresh failed for account a@b.c"),
    ],
    ids=[
        "json-api-key",
        "json-token-not-its-type",
        "token-counts",
        "empty-value",
        "auth-header-line",
        "api-key-header-line",
        "query-in-text",
        "openai-key-shape",
        "google-key-shape",
        "plain-header-line",
        "prose",
    ],
)
def test_text(text: str, shown: str) -> None:
    assert redact_text(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "200 |     0.508ms |       127.0.0.1 | POST /v1/messages",  # an access line: no rule applies
        f"bearer {KEY}",
        f"BASIC {KEY}",
        "Ba\u017fic abcdefghijkl",  # long s: IGNORECASE matches it as "s", lower() does not
        "bearer abcdefghijkl",
        f"POST /x?alt=sse&Api-Key={KEY}",
        f'{{"session" : "{KEY}"}} and x-goog-api-key:{KEY}',
        "\n  Cookie: a=abcdefghijkl; b=mnopqrstuv",
        "1//0gabcdefghijklmnopqrstuvwxyz and ya29.abcdefghijklmnopqrstuv",
    ],
)
def test_the_pre_checks_skip_only_rules_that_cannot_match(text: str) -> None:
    """redact_text skips a rule when the text lacks its literal characters: same result as all five."""
    import server.redact as r

    full = r._JSON_FIELD.sub(r._json_field, text)
    full = r._BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{mask_secret(m.group(3))}", full)
    full = r._QUERY_VALUE.sub(lambda m: m.group(1) + mask_secret(r.unquote_plus(m.group(2))), full)
    full = r._HEADER_LINE.sub(r._header_line, full)
    full = r._KEY_SHAPES.sub(lambda m: mask_secret(m.group(1)), full)
    assert redact_text(text) == full


def test_a_secret_set_replaces_every_occurrence_longest_first() -> None:
    secrets = SecretSet(["client-key-123456", "client-key-123456-extended", "short"])
    text = "a client-key-123456 b client-key-123456-extended c short"
    assert secrets.redact(text) == "a clie...3456 b clie...nded c short"
    assert not SecretSet(["tiny", ""])


@pytest.fixture
def registered() -> Iterator[object]:
    owner = object()
    register_secrets(owner, lambda: SecretSet(["my-registered-secret"]))
    yield owner
    unregister_secrets(owner)


def test_registered_secrets_are_masked_until_unregistered(registered: object) -> None:
    assert redact_known("x my-registered-secret y") == "x my-r...cret y"
    assert redact_text('{"prompt": "my-registered-secret"}') == '{"prompt": "my-r...cret"}'
    unregister_secrets(registered)
    assert redact_known("x my-registered-secret y") == "x my-registered-secret y"


def test_secret_strings_walks_settings_by_name() -> None:
    document = {
        "api-keys": ["client-one", "client-two"],
        "gemini-api-key": [
            {"api-key": "AIza-one", "base-url": "https://example.test", "proxy-url": "direct"}
        ],
        "remote-management": {"secret-key": "manage-me", "allow-remote": False},
        "headers": {"Authorization": "Bearer tok-abc", "X-Trace": "visible"},
        "token": {"access_token": "at-1", "token_type": "Bearer", "expiry": "2030-01-01"},
        "port": 8317,
    }
    found = secret_strings(document)
    assert found == {
        "client-one",
        "client-two",
        "AIza-one",
        "manage-me",
        "Bearer tok-abc",
        "tok-abc",
        "at-1",
    }
