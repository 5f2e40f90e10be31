"""Reading a pasted OAuth callback: the redirect URL (or part of it) a person copies from the browser.

Accepted forms (providers.md §1.4, later versions): a full URL, ``?query``, ``host/path?query``, a bare
``code=…&state=…``, ``code``/``state`` in the URL fragment, and ``code#state`` (Claude shows the code
that way for copying). ``error`` (or, when it is empty, ``error_description``) reports a refusal.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from server.auth.base import CallbackResult

__all__ = ["parse_callback_params", "parse_pasted"]

_QUOTES = "\"'<> \t\r\n"


def parse_pasted(text: str) -> CallbackResult | None:
    """The callback in ``text``, or ``None`` when it carries neither a code nor an error."""
    value = text.strip().strip(_QUOTES)
    if not value:
        return None
    fragment = ""
    if "://" in value:
        parts = urlsplit(value)
        query, fragment = parts.query, parts.fragment
    elif "?" in value:
        query, _, fragment = value.split("?", 1)[1].partition("#")
    elif "=" in value:
        query, _, fragment = value.partition("#")
    else:  # Claude's "<code>#<state>"; a lone word is no callback (the state would be missing)
        code, _, state = value.partition("#")
        if not state or any(c.isspace() for c in value):
            return None
        return _result({"code": code, "state": state})
    params = dict(parse_qsl(query, keep_blank_values=True))
    if "=" in fragment:
        for key, item in parse_qsl(fragment, keep_blank_values=True):
            if not params.get(key):
                params[key] = item
    elif fragment and params.get("code") and not params.get("state"):
        params["state"] = fragment
    return _result(params)


def parse_callback_params(params: dict[str, str]) -> CallbackResult | None:
    """The callback in already-split query parameters (a redirect that reached a route)."""
    return _result(dict(params))


def _result(params: dict[str, str]) -> CallbackResult | None:
    code = params.get("code", "").strip()
    state = params.get("state", "").strip()
    if "#" in code and not state:
        code, _, state = code.partition("#")
    error = params.get("error", "").strip() or params.get("error_description", "").strip()
    if not code and not error:
        return None
    return CallbackResult(code=code, state=state, error=error, params=params)
