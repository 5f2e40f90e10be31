"""Scalar settings: ``GET`` → ``{"<key>": value}``, ``PUT``/``PATCH`` ``{"value": …}``, some ``DELETE``.

Each path is the setting's YAML key path (``quota-exceeded/switch-project``); its type comes from the
schema, and the JSON type of ``value`` must match exactly (``"true"`` is not a boolean).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, get_type_hints

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server.api.management.common import ApiError, Management, json_body, ok, route, value_of
from server.config.schema import Config

__all__ = ["SETTINGS", "Setting", "setting_routes"]

_STRATEGIES = {
    **dict.fromkeys(("round-robin", "roundrobin", "rr"), "round-robin"),
    **dict.fromkeys(("fill-first", "fillfirst", "ff"), "fill-first"),
}


def _strategy(value: object) -> object:
    strategy = _STRATEGIES.get(str(value).strip().lower())
    if strategy is None:
        raise ApiError(400, "invalid strategy: routing/strategy must be round-robin or fill-first")
    return strategy


def _not_negative(value: object) -> object:
    return max(0, value) if isinstance(value, int) else value


def _error_files(value: object) -> object:
    return 10 if isinstance(value, int) and value < 0 else value


def _trimmed(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class Setting:
    """One scalar setting: its YAML ``path``, whether DELETE clears it, and a value normaliser."""

    path: str
    deletable: bool = False
    normalise: Callable[[object], object] | None = None
    get_key: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))

    @property
    def response_key(self) -> str:
        return self.get_key or self.keys[-1]


SETTINGS: tuple[Setting, ...] = (
    Setting("debug"),
    Setting("logging-to-file"),
    Setting("usage-statistics-enabled"),
    Setting("request-log"),
    Setting("ws-auth"),
    Setting("request-retry", normalise=_not_negative),
    Setting("max-retry-interval", normalise=_not_negative),
    Setting("proxy-url", deletable=True, normalise=_trimmed),
    Setting("quota-exceeded/switch-project"),
    Setting("quota-exceeded/switch-preview-model"),
    Setting("ampcode/upstream-url", deletable=True, normalise=_trimmed),
    Setting("ampcode/upstream-api-key", deletable=True, normalise=_trimmed),
    Setting("ampcode/restrict-management-to-localhost"),
    Setting("ampcode/force-model-mappings"),
    Setting("logs-max-total-size-mb", normalise=_not_negative),
    Setting("error-logs-max-files", normalise=_error_files),
    Setting("force-model-prefix"),
    Setting("routing/strategy", normalise=_strategy),
    # Settings of this port that the original has no endpoint for:
    Setting("disable-cooling"),
    Setting("passthrough-headers"),
    Setting("nonstream-keepalive-interval", normalise=_not_negative),
    Setting("streaming/keepalive-seconds", normalise=_not_negative),
    Setting("streaming/bootstrap-retries", normalise=_not_negative),
    Setting("usage-retention-days", normalise=_not_negative),
)


@cache
def _field(cls: type, key: str) -> tuple[str, type]:
    """(attribute name, type) of the field of ``cls`` stored under YAML ``key``."""
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("key") == key:
            return f.name, hints[f.name]
    raise LookupError(f"{cls.__name__} has no setting {key!r}")


def _kind(setting: Setting) -> type:
    cls: type = Config
    for key in setting.keys[:-1]:
        cls = _field(cls, key)[1]
    return _field(cls, setting.keys[-1])[1]


def _read(record: object, keys: tuple[str, ...]) -> object:
    for key in keys:
        cls: type = type(record)
        record = getattr(record, _field(cls, key)[0])
    return record


def _write(record: Any, keys: tuple[str, ...], value: object) -> Any:
    """``record`` (a schema dataclass) with the field at YAML ``keys`` set to ``value``."""
    cls: type = type(record)
    name = _field(cls, keys[0])[0]
    inner = value if len(keys) == 1 else _write(getattr(record, name), keys[1:], value)
    changes: dict[str, Any] = {name: inner}
    return dataclasses.replace(record, **changes)


def _setter(setting: Setting, value: object) -> Callable[[Config], Config]:
    def change(config: Config) -> Config:
        updated = _write(config, setting.keys, value)
        assert isinstance(updated, Config)
        return updated

    return change


def _handlers(setting: Setting) -> list[BaseRoute]:
    kind = _kind(setting)

    async def get(request: Request, m: Management) -> Response:
        return JSONResponse({setting.response_key: _read(m.service.config, setting.keys)})

    async def put(request: Request, m: Management) -> Response:
        value: object = value_of(await json_body(request), kind, setting.path)
        if setting.normalise is not None:
            value = setting.normalise(value)
        await m.editor.edit(_setter(setting, value))
        return ok()

    async def delete(request: Request, m: Management) -> Response:
        await m.editor.edit(_setter(setting, kind()))
        return ok()

    name = setting.path.replace("/", "_").replace("-", "_")
    get.__name__, put.__name__, delete.__name__ = f"get_{name}", f"put_{name}", f"delete_{name}"
    path = "/" + setting.path
    routes: list[BaseRoute] = [route(path, get, ["GET"]), route(path, put, ["PUT", "PATCH"])]
    if setting.deletable:
        routes.append(route(path, delete, ["DELETE"]))
    return routes


def setting_routes() -> list[BaseRoute]:
    return [r for setting in SETTINGS for r in _handlers(setting)]
