"""The management API's part of the OpenAPI document: every route under ``/v0/management``.

Scalar settings and provider key lists are generated from the same tables that register their routes
(``SETTINGS``, ``KEY_LISTS``), so a new setting or list is described as soon as it exists.
"""

from __future__ import annotations

import dataclasses
import types
from typing import get_args, get_type_hints

from server.api.management.key_lists import KEY_LISTS
from server.api.management.oauth_routes import STARTERS
from server.api.management.routes import PREFIX
from server.api.management.settings import SETTINGS, Setting
from server.api.openapi_schemas import body, operation, path_param, query_param
from server.config.schema import Config
from server.jsontypes import JSONObject

__all__ = ["management_paths"]

_SECURITY: list[JSONObject] = [{"bearer": []}, {"managementKey": []}]
_ANY: JSONObject = {}
_OBJECT: JSONObject = {"type": "object"}
_ARRAY: JSONObject = {"type": "array", "items": _ANY}
_LIST_BODY: JSONObject = {"oneOf": [_ARRAY, {"type": "object", "properties": {"items": _ARRAY}}]}
_JSON_KINDS: dict[type, str] = {bool: "boolean", int: "integer", str: "string", float: "number"}
_INDEX = query_param("index", {"type": "integer"})
_SINCE_UNTIL = [query_param("since", {"type": "number"}), query_param("until", {"type": "number"})]


def _op(
    summary: str, *, request_body: JSONObject | None = None, parameters: list[JSONObject] | None = None
) -> JSONObject:
    op = operation(summary, "ManagementError", request_body=request_body, parameters=parameters)
    op["security"] = _SECURITY
    op["tags"] = ["management"]
    return op


def _json(schema: JSONObject) -> JSONObject:
    return body(schema)


def _value_type(setting: Setting) -> str:
    """The JSON type of a setting's ``value``, read from the config schema like the route does."""
    cls: type = Config
    kind: object = None
    for key in setting.keys:
        hints = get_type_hints(cls)
        found = next(f for f in dataclasses.fields(cls) if f.metadata.get("key") == key)
        kind = hints[found.name]
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            cls = kind
    if isinstance(kind, types.UnionType):
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    return _JSON_KINDS.get(kind, "string") if isinstance(kind, type) else "string"


def _setting_paths() -> JSONObject:
    paths: JSONObject = {}
    for setting in SETTINGS:
        value: JSONObject = {
            "type": "object",
            "required": ["value"],
            "properties": {"value": {"type": _value_type(setting)}},
        }
        item: JSONObject = {
            "get": _op(f"Read {setting.path} → {{{setting.response_key!r}: value}}"),
            "put": _op(f"Set {setting.path}", request_body=_json(value)),
            "patch": _op(f"Set {setting.path}", request_body=_json(value)),
        }
        if setting.deletable:
            item["delete"] = _op(f"Clear {setting.path}")
        paths[f"/{setting.path}"] = item
    return paths


def _list_paths() -> JSONObject:
    paths: JSONObject = {
        "/api-keys": {
            "get": _op("The client API keys"),
            "put": _op("Replace the client API keys", request_body=_json(_LIST_BODY)),
            "patch": _op(
                "Edit one client key ({index, value} or {old, new})",
                request_body=_json(
                    {"type": "object", "properties": {k: _ANY for k in ("index", "value", "old", "new")}}
                ),
            ),
            "delete": _op("Remove a client key", parameters=[_INDEX, query_param("value")]),
        }
    }
    for spec in KEY_LISTS:
        patch_props = {"index": {"type": "integer"}, "value": _OBJECT, spec.patch_param: {"type": "string"}}
        paths[f"/{spec.key}"] = {
            "get": _op(f"The {spec.key} list"),
            "put": _op(f"Replace the {spec.key} list", request_body=_json(_LIST_BODY)),
            "patch": _op(
                f"Edit one {spec.key} entry",
                request_body=_json({"type": "object", "properties": patch_props}),
            ),
            "delete": _op(f"Remove a {spec.key} entry", parameters=[_INDEX, query_param(spec.match_field)]),
        }
    return paths


def _rule_paths() -> JSONObject:
    mapping: JSONObject = {"type": "object", "additionalProperties": {"type": "array"}}
    paths: JSONObject = {}
    for key, field, param in (
        ("oauth-excluded-models", {"provider": {"type": "string"}, "models": _ARRAY}, "provider"),
        ("oauth-model-alias", {"channel": {"type": "string"}, "aliases": _ARRAY}, "channel"),
    ):
        paths[f"/{key}"] = {
            "get": _op(f"The {key} map"),
            "put": _op(f"Replace the {key} map", request_body=_json(mapping)),
            "patch": _op(
                f"Edit one {param} of {key}", request_body=_json({"type": "object", "properties": field})
            ),
            "delete": _op(f"Remove one {param} of {key}", parameters=[query_param(param)]),
        }
    pairs: JSONObject = {
        "type": "array",
        "items": {"type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}}},
    }
    paths["/ampcode"] = {"get": _op("The ampcode section")}
    paths["/ampcode/model-mappings"] = {
        "get": _op("The ampcode model mappings"),
        "put": _op(
            "Replace the mappings", request_body=_json({"type": "object", "properties": {"value": pairs}})
        ),
        "patch": _op(
            "Add or change mappings", request_body=_json({"type": "object", "properties": {"value": pairs}})
        ),
        "delete": _op("Remove mappings by source", request_body=body(_OBJECT, required=False)),
    }
    return paths


def _file_paths() -> JSONObject:
    name = query_param("name")
    upload = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
            "application/json": {"schema": _OBJECT},
        },
    }
    return {
        "/auth-files": {
            "get": _op("List the credential files"),
            "post": _op(
                "Upload a credential file (multipart 'file', or a raw body with ?name=)",
                request_body=upload,
                parameters=[name],
            ),
            "delete": _op(
                "Delete a credential file (?name= or ?all=true)", parameters=[name, query_param("all")]
            ),
        },
        "/auth-files/download": {"get": _op("Download a credential file", parameters=[name])},
        "/auth-files/models": {"get": _op("The models a credential file serves", parameters=[name])},
        "/auth-files/status": {
            "patch": _op(
                "Enable or disable a credential file",
                request_body=_json(
                    {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "disabled": {"type": "boolean"}},
                    }
                ),
            )
        },
        "/auth-files/priority": {
            "patch": _op(
                "Set a credential file's routing priority (higher is preferred)",
                request_body=_json(
                    {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "priority": {"type": "integer"}},
                    }
                ),
            )
        },
        "/vertex/import": {
            "post": _op(
                "Import a Vertex service-account key (multipart 'file', 'location')", request_body=upload
            )
        },
    }


def _login_paths() -> JSONObject:
    paths: JSONObject = {
        f"/{path}": {
            "get": _op(
                f"Start a {kind} login; answers its URL and state", parameters=[query_param("project_id")]
            )
        }
        for path, kind in STARTERS.items()
    }
    paths["/iflow-auth-url"]["post"] = _op(
        "Log in to iFlow with a browser cookie",
        request_body=_json({"type": "object", "properties": {"cookie": {"type": "string"}}}),
    )
    paths["/get-auth-status"] = {
        "get": _op("The state of a login started above", parameters=[query_param("state")])
    }
    fields = ("provider", "state", "code", "error", "error_description", "redirect_url")
    paths["/oauth-callback"] = {
        "post": _op(
            "Hand a login's redirect to the proxy",
            request_body=_json({"type": "object", "properties": {k: {"type": "string"} for k in fields}}),
        )
    }
    return paths


def _other_paths() -> JSONObject:
    series = [
        *_SINCE_UNTIL,
        query_param("bucket", {"type": "string", "enum": ["minute", "hour", "day"]}),
        query_param(
            "group_by", {"type": "string", "enum": ["model", "credential", "client_key", "provider"]}
        ),
        query_param("model"),
    ]
    credential: JSONObject = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}, "model": {"type": "string"}},
    }
    test = {**credential, "properties": {**credential["properties"], "timeout": {"type": "number"}}}
    api_call: JSONObject = {
        "type": "object",
        "required": ["auth_index", "method", "url"],
        "properties": {
            "auth_index": {"type": "string"},
            "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
            "url": {"type": "string"},
            "header": {"type": "object", "additionalProperties": {"type": "string"}},
            "data": {"oneOf": [{"type": "string"}, {"type": "object"}, {"type": "array"}]},
        },
    }
    return {
        "/config": {"get": _op("The effective config as JSON")},
        "/config.yaml": {
            "get": _op("The config file as YAML"),
            "put": _op("Replace the config file", request_body=body({"type": "string"}, "application/yaml")),
        },
        "/latest-version": {"get": _op("This build's version (no network call)")},
        "/usage": {"get": _op("The usage snapshot")},
        "/usage/export": {"get": _op("Export the usage snapshot")},
        "/usage/import": {"post": _op("Merge an exported usage snapshot", request_body=_json(_OBJECT))},
        "/usage/series": {"get": _op("Usage graph points", parameters=series)},
        "/usage/summary": {"get": _op("Usage totals", parameters=_SINCE_UNTIL)},
        "/logs": {
            "get": _op(
                "Main log lines",
                parameters=[
                    query_param("after", {"type": "number"}),
                    query_param("limit", {"type": "integer"}),
                ],
            ),
            "delete": _op("Clear the main logs"),
        },
        "/request-error-logs": {"get": _op("List the request error logs")},
        "/request-error-logs/{name}": {"get": _op("One request error log", parameters=[path_param("name")])},
        "/request-log-by-id/{id}": {
            "get": _op("One request log by request id", parameters=[path_param("id")])
        },
        "/accounts/state": {"get": _op("Every credential's state (cooling, refresh, quota)")},
        "/accounts/reset-cooldown": {
            "post": _op("Forget a credential's cooldowns", request_body=_json(credential))
        },
        "/accounts/test": {"post": _op("One tiny request through a credential", request_body=_json(test))},
        "/accounts/quota/refresh": {
            "post": _op(
                "Fetch account quotas where the provider allows it ({} = all accounts)",
                request_body=_json({"type": "object", "properties": {"id": {"type": "string"}}}),
            )
        },
        "/api-call": {
            "post": _op("An HTTP call with a credential's token and proxy", request_body=_json(api_call))
        },
        "/model-definitions/{channel}": {
            "get": _op("The built-in model catalogue of a channel", parameters=[path_param("channel")])
        },
        "/events": {
            "get": {
                **_op("Server-sent state events", parameters=[query_param("kinds")]),
                "responses": {
                    "200": {"description": "An event stream", "content": {"text/event-stream": {}}}
                },
            }
        },
    }


def management_paths() -> JSONObject:
    """Path items keyed by full path (``/v0/management/...``)."""
    relative: JSONObject = {
        **_setting_paths(),
        **_list_paths(),
        **_rule_paths(),
        **_file_paths(),
        **_login_paths(),
        **_other_paths(),
    }
    return {PREFIX + path: item for path, item in relative.items()}
