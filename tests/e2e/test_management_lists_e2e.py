"""Key lists and model rules over the management API (server.md §3.3-3.4, §8 items 22-24)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import CLIENT_KEY, Upstream
from tests.e2e.management_support import Launcher, Managed, launcher


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


@pytest.fixture
def server(launch: Launcher) -> Managed:
    return launch.start()


def _client_status(server: Managed, key: str) -> int:
    return httpx.get(server.url + "/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code


# -- api-keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [["a", "b"], {"items": ["a", "b"]}], ids=["array", "items"])
def test_put_api_keys_takes_both_forms(server: Managed, body: object) -> None:
    with server.client() as client:
        assert client.put("/api-keys", json=body).json() == {"status": "ok"}
        assert client.get("/api-keys").json() == {"api-keys": ["a", "b"]}
    assert server.config()["api-keys"] == ["a", "b"]


@pytest.mark.parametrize(
    "body",
    [{"items": []}, {"items": "a"}, {"other": 1}, ["a", 1], "a"],
    ids=["empty-items", "str", "no", "mixed", "s"],
)
def test_put_api_keys_rejects_bad_bodies(server: Managed, body: object) -> None:
    before = server.text()
    with server.client() as client:
        answer = client.put("/api-keys", json=body)
    assert answer.status_code == 400 and "api-keys" in answer.json()["error"]
    assert server.text() == before


def test_put_empty_array_clears_the_keys_and_opens_the_proxy(server: Managed) -> None:
    with server.client() as client:
        assert client.put("/api-keys", json=[]).status_code == 200
        assert client.get("/api-keys").json() == {"api-keys": None}
    assert httpx.get(server.url + "/v1/models").status_code == 200


def test_patch_and_delete_api_keys(server: Managed) -> None:
    with server.client() as client:
        client.put("/api-keys", json=["a", "b", "a", " a "])
        assert client.patch("/api-keys", json={"old": "zz", "new": "c"}).status_code == 200
        assert client.patch("/api-keys", json={"old": "b", "new": "B"}).status_code == 200
        assert client.patch("/api-keys", json={"index": 0, "value": "A0"}).status_code == 200
        assert client.get("/api-keys").json() == {"api-keys": ["A0", "B", "a", " a ", "c"]}
        assert client.delete("/api-keys", params={"value": "a"}).status_code == 200
        assert client.get("/api-keys").json() == {"api-keys": ["A0", "B", "c"]}
        assert client.delete("/api-keys", params={"index": 1}).status_code == 200
        assert client.get("/api-keys").json() == {"api-keys": ["A0", "c"]}
        missing = client.delete("/api-keys")
        bad_patch = client.patch("/api-keys", json={"value": "x"})
        out_of_range = client.patch("/api-keys", json={"index": 9, "value": "x"})
        not_int = client.delete("/api-keys", params={"index": "x"})
    assert (missing.status_code, missing.json()) == (400, {"error": "missing index or value"})
    assert bad_patch.status_code == 400 and bad_patch.json()["error"].startswith("missing fields")
    assert out_of_range.status_code == 400 and "index" in out_of_range.json()["error"]
    assert not_int.status_code == 400 and "index" in not_int.json()["error"]


def test_a_key_added_by_put_works_at_once_and_a_removed_one_stops(server: Managed) -> None:
    assert _client_status(server, "brand-new") == 401
    with server.client() as client:
        client.put("/api-keys", json=[CLIENT_KEY, "brand-new"])
        assert _client_status(server, "brand-new") == 200
        client.delete("/api-keys", params={"value": "brand-new"})
    assert _client_status(server, "brand-new") == 401
    assert _client_status(server, CLIENT_KEY) == 200


# -- provider lists --------------------------------------------------------------------------------


def test_gemini_list_put_patch_delete(server: Managed) -> None:
    with server.client() as client:
        body = [
            {"api-key": "g1", "base-url": "http://g"},
            {"api-key": "g1"},
            {"api-key": " "},
            {"api-key": "g2"},
        ]
        assert client.put("/gemini-api-key", json=body).status_code == 200
        assert client.get("/gemini-api-key").json() == {
            "gemini-api-key": [{"api-key": "g1", "base-url": "http://g"}, {"api-key": "g2", "base-url": ""}]
        }
        merged = client.patch("/gemini-api-key", json={"match": "g2", "value": {"prefix": "team"}})
        assert merged.status_code == 200
        assert client.get("/gemini-api-key").json()["gemini-api-key"][1] == {
            "api-key": "g2",
            "base-url": "",
            "prefix": "team",
        }
        assert client.patch("/gemini-api-key", json={"index": 0, "value": {"api-key": ""}}).status_code == 200
        assert [e["api-key"] for e in client.get("/gemini-api-key").json()["gemini-api-key"]] == ["g2"]
        not_found = client.patch("/gemini-api-key", json={"match": "nope", "value": {"prefix": "x"}})
        absent = client.delete("/gemini-api-key", params={"api-key": "nope"})
        neither = client.delete("/gemini-api-key")
        assert client.delete("/gemini-api-key", params={"api-key": "g2"}).status_code == 200
        assert client.get("/gemini-api-key").json() == {"gemini-api-key": None}
    assert (not_found.status_code, not_found.json()) == (404, {"error": "item not found"})
    assert absent.status_code == 404
    assert (neither.status_code, neither.json()) == (400, {"error": "missing api-key or index"})
    assert "gemini-api-key" in server.config() and not server.config()["gemini-api-key"]


def test_codex_put_drops_entries_without_base_url(server: Managed) -> None:
    with server.client() as client:
        body = {"items": [{"api-key": "c1"}, {"api-key": "c2", "base-url": "http://codex"}]}
        assert client.put("/codex-api-key", json=body).status_code == 200
        assert client.get("/codex-api-key").json() == {
            "codex-api-key": [{"api-key": "c2", "base-url": "http://codex"}]
        }
        assert (
            client.patch("/codex-api-key", json={"match": "c2", "value": {"base-url": ""}}).status_code == 200
        )
        assert client.get("/codex-api-key").json() == {"codex-api-key": None}


def test_claude_list_and_its_models(server: Managed, upstream: Upstream) -> None:
    with server.client() as client:
        entry = {
            "api-key": "sk-ant-m",
            "base-url": upstream.url,
            "models": [{"name": "real-1", "alias": "nick"}],
        }
        assert client.put("/claude-api-key", json=[entry]).status_code == 200
        listed = httpx.get(
            server.url + "/v1/models", headers={"Authorization": f"Bearer {CLIENT_KEY}"}
        ).json()
        assert [m["id"] for m in listed["data"]] == ["nick"]
        assert client.patch("/claude-api-key", json={"index": 0, "value": {"prefix": "p"}}).status_code == 200
        assert client.get("/claude-api-key").json()["claude-api-key"][0]["models"] == [
            {"name": "real-1", "alias": "nick"}
        ]
        assert client.delete("/claude-api-key", params={"api-key": "absent"}).status_code == 200
        assert client.delete("/claude-api-key", params={"index": 0}).status_code == 200
        assert client.delete("/claude-api-key", params={"index": 0}).status_code == 404


def test_vertex_and_openai_compatibility_lists(server: Managed) -> None:
    with server.client() as client:
        vertex = [{"api-key": "v1", "base-url": "http://v"}, {"api-key": "v2"}]
        assert client.put("/vertex-api-key", json=vertex).status_code == 200
        assert client.get("/vertex-api-key").json() == {
            "vertex-api-key": [{"api-key": "v1", "base-url": "http://v"}]
        }
        compat = [
            {"name": "router", "base-url": "http://r/v1", "api-key-entries": [{"api-key": "r1"}]},
            {"name": "nobase"},
        ]
        assert client.put("/openai-compatibility", json=compat).status_code == 200
        listed = client.get("/openai-compatibility").json()["openai-compatibility"]
        assert [e["name"] for e in listed] == ["router"]
        patch = {"name": "router", "value": {"models": [{"name": "vendor/m", "alias": "m"}]}}
        assert client.patch("/openai-compatibility", json=patch).status_code == 200
        entry = client.get("/openai-compatibility").json()["openai-compatibility"][0]
        assert entry["api-key-entries"] == [{"api-key": "r1"}] and entry["models"] == [
            {"name": "vendor/m", "alias": "m"}
        ]
        neither = client.delete("/openai-compatibility")
        assert client.delete("/openai-compatibility", params={"name": "router"}).status_code == 200
        assert client.get("/openai-compatibility").json() == {"openai-compatibility": None}
    assert (neither.status_code, neither.json()) == (400, {"error": "missing name or index"})


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [
        ("/gemini-api-key", [{"api-key": ["x"]}], "gemini-api-key[0].api-key"),
        ("/claude-api-key", [{"api-key": "k", "models": "m"}], "claude-api-key[0].models"),
        ("/codex-api-key", [{"api-key": "k", "priority": "high"}], "codex-api-key[0].priority"),
        ("/openai-compatibility", [{"name": "x", "headers": []}], "openai-compatibility[0].headers"),
        ("/vertex-api-key", ["just-a-string"], "vertex-api-key[0]"),
        ("/gemini-api-key", {"index": 0}, "gemini-api-key"),
    ],
    ids=["gemini-key-list", "claude-models", "codex-priority", "compat-headers", "vertex-string", "no-items"],
)
def test_invalid_entries_are_400_naming_the_field_and_nothing_is_written(
    server: Managed, path: str, body: object, named: str
) -> None:
    before = server.text()
    with server.client() as client:
        answer = client.put(path, json=body)
    assert answer.status_code == 400
    assert named in answer.json()["error"]
    assert server.text() == before


# -- model rules ----------------------------------------------------------------------------------


def test_oauth_excluded_models(server: Managed) -> None:
    with server.client() as client:
        assert (
            client.put("/oauth-excluded-models", json={"Claude": [" GPT-X ", "a*", "a*"]}).status_code == 200
        )
        assert client.get("/oauth-excluded-models").json() == {
            "oauth-excluded-models": {"claude": ["gpt-x", "a*"]}
        }
        assert (
            client.patch("/oauth-excluded-models", json={"provider": "codex", "models": ["o1"]}).status_code
            == 200
        )
        assert (
            client.patch("/oauth-excluded-models", json={"provider": "claude", "models": []}).status_code
            == 200
        )
        gone = client.patch("/oauth-excluded-models", json={"provider": "qwen", "models": []})
        no_provider = client.patch("/oauth-excluded-models", json={"models": ["x"]})
        assert client.get("/oauth-excluded-models").json() == {"oauth-excluded-models": {"codex": ["o1"]}}
        missing = client.delete("/oauth-excluded-models")
        unknown = client.delete("/oauth-excluded-models", params={"provider": "iflow"})
        assert client.delete("/oauth-excluded-models", params={"provider": "codex"}).status_code == 200
        assert client.put("/oauth-excluded-models", json={"items": {"qwen": ["m"]}}).status_code == 200
        bad = client.put("/oauth-excluded-models", json={"qwen": "m"})
    assert (gone.status_code, gone.json()) == (404, {"error": "provider not found"})
    assert no_provider.status_code == 400 and "provider" in no_provider.json()["error"]
    assert (missing.status_code, missing.json()) == (400, {"error": "missing provider"})
    assert unknown.status_code == 404
    assert bad.status_code == 400 and "oauth-excluded-models.qwen" in bad.json()["error"]
    assert server.config()["oauth-excluded-models"] == {"qwen": ["m"]}


def test_oauth_model_alias(server: Managed) -> None:
    aliases = [
        {"name": "gemini-2.5-pro", "alias": "g-pro"},
        {"name": "gemini-2.5-flash", "alias": "g-f", "fork": True},
    ]
    with server.client() as client:
        assert client.put("/oauth-model-alias", json={"gemini-cli": aliases}).status_code == 200
        assert client.get("/oauth-model-alias").json() == {"oauth-model-alias": {"gemini-cli": aliases}}
        assert (
            client.patch("/oauth-model-alias", json={"channel": "claude", "aliases": aliases[:1]}).status_code
            == 200
        )
        assert (
            client.patch("/oauth-model-alias", json={"provider": "claude", "aliases": []}).status_code == 200
        )
        missing = client.delete("/oauth-model-alias")
        unknown = client.delete("/oauth-model-alias", params={"channel": "codex"})
        assert client.delete("/oauth-model-alias", params={"channel": "gemini-cli"}).status_code == 200
        assert client.get("/oauth-model-alias").json() == {"oauth-model-alias": {}}
    assert (missing.status_code, missing.json()) == (400, {"error": "missing channel"})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "channel not found"})


def test_ampcode_and_its_model_mappings(server: Managed) -> None:
    with server.client() as client:
        amp = client.get("/ampcode").json()["ampcode"]
        assert amp["restrict-management-to-localhost"] is True and amp["upstream-url"] == ""
        put = {"value": [{"from": "claude-x", "to": "gpt-5"}, {"from": "a", "to": "b"}]}
        assert client.put("/ampcode/model-mappings", json=put).status_code == 200
        assert (
            client.patch("/ampcode/model-mappings", json={"value": [{"from": "a", "to": "c"}]}).status_code
            == 200
        )
        mappings: list[Any] = client.get("/ampcode/model-mappings").json()["model-mappings"]
        assert mappings == [{"from": "claude-x", "to": "gpt-5"}, {"from": "a", "to": "c"}]
        assert client.request("DELETE", "/ampcode/model-mappings", json={"value": ["a"]}).status_code == 200
        assert client.get("/ampcode/model-mappings").json() == {
            "model-mappings": [{"from": "claude-x", "to": "gpt-5"}]
        }
        bad = client.put("/ampcode/model-mappings", json={"value": [{"from": "x"}]})
        assert client.request("DELETE", "/ampcode/model-mappings").status_code == 200
        assert client.get("/ampcode/model-mappings").json() == {"model-mappings": []}
    assert bad.status_code == 400 and "model-mappings[0]" in bad.json()["error"]
