"""Management API answers → ``gui.models`` values: safe JSON narrowing and the account merge.

Pure functions (the clock is a parameter); ``gui.client`` calls them, tests feed them recorded answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import yaml

from gui.models import Account, ModelCooldown

__all__ = [
    "account_status",
    "accounts_from",
    "epoch",
    "flatten",
    "obj",
    "readable_error",
    "text",
    "whole",
    "yaml_text_with",
]


def obj(value: object) -> dict[str, object]:
    """``value`` if it is a JSON object, else an empty one."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def text(value: object) -> str:
    return value if isinstance(value, str) else ""


def whole(value: object) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value)
    return 0


def epoch(value: object) -> float | None:
    """Unix seconds from a number or an RFC 3339 text (None when unknown or zero)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def readable_error(status: int, body: dict[str, object]) -> str:
    """What to tell a person about a refused management call (the server's words where it has some)."""
    message = text(body.get("error")) or text(body.get("message"))
    if status == 401:
        return "The proxy did not accept the app's management key."
    if status == 403:
        return f"The proxy refused the request: {message or 'forbidden'}."
    if status == 404 and not message:
        return "The proxy has no management API here (is remote management enabled?)."
    if not message:
        return f"The proxy answered with an error ({status})."
    return message[:1].upper() + message[1:]


def flatten(document: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Nested sections as ``a/b`` keys (lists stay values): the shape ``Settings.values`` uses."""
    out: dict[str, object] = {}
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
            out.update(flatten(obj(value), path + "/"))
        else:
            out[path] = value
    return out


def yaml_text_with(current: str, key: str, value: object) -> str:
    """The whole document re-rendered with ``key`` (an ``a/b`` path) set: the fallback when a text edit
    cannot be made safely (comments are lost, every key is kept)."""
    document = yaml.safe_load(current) if current.strip() else {}
    if not isinstance(document, dict):
        document = {}
    node = document
    parts = key.split("/")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _cooldowns(models: object) -> tuple[ModelCooldown, ...]:
    out: list[ModelCooldown] = []
    for raw in models if isinstance(models, list) else []:
        m = obj(raw)
        status = m.get("last_status")
        out.append(
            ModelCooldown(
                model=text(m.get("model")),
                cooling_until=epoch(m.get("cooling_until")),
                last_status=status if isinstance(status, int) and not isinstance(status, bool) else None,
                quota=m.get("quota") is True,
                reason=text(m.get("reason")),
            )
        )
    return tuple(out)


def account_status(
    *,
    disabled: bool,
    loaded: bool,
    file_error: bool,
    refresh_error: str,
    expires_at: float | None,
    cooling: bool,
    now: float,
) -> str:
    """One word for a person: disabled, invalid, refresh_failed, expired, cooling or ready (in that order)."""
    if disabled:
        return "disabled"
    if not loaded or (file_error and not refresh_error):
        return "invalid"
    if refresh_error:
        return "refresh_failed"
    if expires_at is not None and expires_at <= now:
        return "expired"
    if cooling:
        return "cooling"
    return "ready"


def _file_of(credential_id: str, names: set[str]) -> str:
    if credential_id in names:
        return credential_id
    base = credential_id.split("::", 1)[0]  # one Google file serves a credential per project
    return base if base in names else ""


def accounts_from(files: Mapping[str, object], state: Mapping[str, object], *, now: float) -> list[Account]:
    """Merge ``GET /auth-files`` and ``GET /accounts/state`` into one list: every loaded credential, plus
    the account files that failed to load (shown as invalid), sorted by provider then label."""
    by_name = {text(obj(f).get("name")): obj(f) for f in files.get("files") or [] if text(obj(f).get("name"))}  # type: ignore[attr-defined]
    names = set(by_name)
    out: list[Account] = []
    used: set[str] = set()
    for raw in state.get("accounts") or []:  # type: ignore[attr-defined]
        entry = obj(raw)
        credential_id = text(entry.get("id"))
        kind = text(entry.get("kind")) or "apikey"
        file_name = _file_of(credential_id, names) if kind == "oauth" else ""
        used.add(file_name)
        info = by_name.get(file_name, {})
        refresh = obj(entry.get("refresh"))
        refresh_error = text(refresh.get("error"))
        expires_at = epoch(refresh.get("expires_at")) or epoch(info.get("expires_at"))
        disabled = entry.get("disabled") is True or info.get("disabled") is True
        models = _cooldowns(entry.get("models"))
        out.append(
            Account(
                id=credential_id,
                file_name=file_name,
                provider=text(entry.get("provider")) or text(info.get("provider")),
                label=text(entry.get("label")) or text(info.get("label")),
                email=text(info.get("email")),
                status=account_status(
                    disabled=disabled,
                    loaded=True,
                    file_error=text(info.get("status")) == "error",
                    refresh_error=refresh_error,
                    expires_at=expires_at if not refresh.get("refreshing") else None,
                    cooling=entry.get("cooling") is True,
                    now=now,
                ),
                disabled=disabled,
                cooling_until=epoch(entry.get("cooling_until")),
                expires_at=expires_at,
                last_error=refresh_error or text(info.get("status_message")),
                priority=whole(entry.get("priority")),
                kind=kind,
                prefix=text(entry.get("prefix")),
                last_refresh=epoch(refresh.get("last_refresh")),
                models=models,
            )
        )
    for name, info in by_name.items():
        if name in used:
            continue
        disabled = info.get("disabled") is True
        status = account_status(
            disabled=disabled, loaded=False, file_error=True, refresh_error="", expires_at=None,
            cooling=False, now=now,
        )  # fmt: skip
        out.append(
            Account(
                id=name,
                file_name=name,
                provider=text(info.get("provider")) or text(info.get("type")),
                label=text(info.get("label")) or text(info.get("email")) or name,
                email=text(info.get("email")),
                status=status,
                disabled=disabled,
                cooling_until=None,
                expires_at=epoch(info.get("expires_at")),
                last_error=text(info.get("status_message")),
                priority=0,
            )
        )
    out.sort(key=lambda a: (a.provider, a.label.lower(), a.id))
    return out
