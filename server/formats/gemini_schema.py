"""The Gemini tool-schema cleaner: any client's JSON Schema in, the subset Gemini accepts out.

Rules (translation.md §4.0, the [HEAD] cleaner): malformed roots are normalised (a bare property
map becomes an object schema, draft-3 ``"required": true`` on a property joins the parent's
``required``); local ``$ref`` pointers are inlined (cycles and foreign refs become a description
hint); ``allOf`` is merged; ``anyOf``/``oneOf`` lose their ``null`` branches and collapse to the
best remaining branch; type arrays collapse to one type; ``const`` becomes a one-value ``enum``;
enum values become strings; constraint keywords Gemini rejects (``format``, ``pattern``,
``minLength`` …) move into the description as hints; every other keyword outside a small allowlist
is dropped. Property *names* are never touched, ``required`` only names existing properties, and
the input is never mutated. Give it a schema only, never a whole request.
"""

from __future__ import annotations

import json

from server.jsontypes import JSON, JSONObject

__all__ = ["clean_schema", "lower_types"]

_HINT_KEYS = (
    "minLength",
    "maxLength",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "format",
    "default",
    "examples",
    "multipleOf",
)
"""Constraints Gemini rejects or half-supports: kept for the model as description text."""

_KEYWORDS = frozenset(
    {
        "type", "properties", "items", "$ref", "$defs", "definitions", "anyOf", "oneOf", "allOf",
        "enum", "const", "description", "required", "additionalProperties", "$schema", "title",
        "$id", "nullable", "not", "patternProperties", "propertyNames", "default", "examples",
        "format", "pattern", "minimum", "maximum",
    }
)  # fmt: skip
"""Enough schema keywords to tell a schema from a bare ``{name: schema}`` property map."""

_TYPE_RANK = {"object": 3, "array": 2}
_MAX_DEPTH = 32


def clean_schema(schema: JSONObject) -> JSONObject:
    """A copy of ``schema`` that Gemini function declarations accept; the root is always an object."""
    root: JSON = schema
    if isinstance(root, dict) and _is_bare_property_map(root):
        root = {"type": "object", "properties": root}
    defs: JSONObject = {}
    if isinstance(root, dict):
        for key in ("definitions", "$defs"):
            if isinstance(root.get(key), dict):
                defs[key] = root[key]
    out = _clean(root, defs, (), 0)
    if "type" not in out:
        out = {"type": "object", **out}
    if out["type"] == "object" and "properties" not in out:
        out["properties"] = {}
    return out


def lower_types(schema: JSON) -> JSON:
    """A copy of an OpenAPI-style schema (``"type": "OBJECT"``) with lower-case JSON Schema types."""
    if isinstance(schema, list):
        return [lower_types(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: JSONObject = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            out[key] = value.lower()
        elif key == "type" and isinstance(value, list):
            out[key] = [v.lower() if isinstance(v, str) else v for v in value]
        elif key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: lower_types(sub) for name, sub in value.items()}
        elif key in ("items", "anyOf", "oneOf", "allOf", "not", "additionalProperties"):
            out[key] = lower_types(value)
        else:
            out[key] = value
    return out


def _is_bare_property_map(node: JSONObject) -> bool:
    return bool(node) and not (_KEYWORDS & node.keys()) and all(isinstance(v, dict) for v in node.values())


def _clean(node: JSON, defs: JSONObject, refs: tuple[str, ...], depth: int) -> JSONObject:
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return {}
    node, hints, refs = _flatten(dict(node), defs, refs)
    type_name = _type_of(node, hints)
    out: JSONObject = {}
    values = (
        node["enum"] if isinstance(node.get("enum"), list) else [node["const"]] if "const" in node else []
    )
    enum = [v if isinstance(v, str) else _show(v) for v in values if v is not None]
    if enum:
        out["enum"] = list(dict.fromkeys(enum))
        type_name = "string"
    if type_name:
        out["type"] = type_name
    for key in _HINT_KEYS:
        if key in node:
            hints.append(f"{key}: {_show(node[key])}")
    description = node.get("description") if isinstance(node.get("description"), str) else ""
    if hints:
        description = f"{description} ({', '.join(hints)})" if description else ", ".join(hints)
    if description:
        out["description"] = description
    properties = node.get("properties")
    if isinstance(properties, dict):
        listed = node.get("required")
        required = [r for r in listed if isinstance(r, str)] if isinstance(listed, list) else []
        cleaned: JSONObject = {}
        for name, sub in properties.items():
            if isinstance(sub, dict) and sub.get("required") is True and name not in required:
                required.append(name)  # draft-3 style
            cleaned[name] = _clean(sub, defs, refs, depth + 1)
        out["properties"] = cleaned
        required = list(dict.fromkeys(r for r in required if r in cleaned))
        if required:
            out["required"] = required
        ordering = node.get("propertyOrdering")
        if isinstance(ordering, list):
            out["propertyOrdering"] = [n for n in ordering if n in cleaned]
    items = node.get("items")
    if isinstance(items, list):
        items = items[0] if items else None
    if isinstance(items, dict):
        out["items"] = _clean(items, defs, refs, depth + 1)
    for key in ("minimum", "maximum", "minProperties", "maxProperties"):
        value = node.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = value
    return out


def _flatten(
    node: JSONObject, defs: JSONObject, refs: tuple[str, ...]
) -> tuple[JSONObject, list[str], tuple[str, ...]]:
    """Resolve ``$ref``, merge ``allOf`` and collapse ``anyOf``/``oneOf`` until none is left."""
    hints: list[str] = []
    for _ in range(_MAX_DEPTH):
        if "$ref" in node:
            ref = node.pop("$ref")
            target = _resolve(ref, defs) if isinstance(ref, str) and ref not in refs else None
            if target is None:
                hints.append(f"see {ref}" if isinstance(ref, str) else "see reference")
                node.setdefault("type", "object")
            else:
                refs = (*refs, ref)
                node = {**target, **node}
            continue
        if "allOf" in node:
            branches = node.pop("allOf")
            for branch in branches if isinstance(branches, list) else []:
                if isinstance(branch, dict):
                    node = _merge(node, branch)
            continue
        key = "anyOf" if "anyOf" in node else "oneOf" if "oneOf" in node else ""
        if key:
            branches = node.pop(key)
            options = [b for b in branches if isinstance(b, dict)] if isinstance(branches, list) else []
            options = [b for b in options if not _is_null(b)]
            if options and all("enum" in b or "const" in b for b in options):
                values = [
                    v
                    for b in options
                    for v in (b["enum"] if isinstance(b.get("enum"), list) else [b.get("const")])
                ]
                node = {**options[0], **node, "enum": values}
                node.pop("const", None)
            elif options:
                best = max(options, key=lambda b: _TYPE_RANK.get(_plain_type(b, defs), 1))
                kinds = list(dict.fromkeys(_plain_type(b, defs) or "any" for b in options))
                if len(kinds) > 1:
                    hints.append("accepts: " + " | ".join(kinds))
                node = {**best, **{k: v for k, v in node.items() if k != "type"}}
            continue
        break
    return node, hints, refs


def _merge(node: JSONObject, branch: JSONObject) -> JSONObject:
    """``allOf``: properties and required are unioned, other keys keep the first value seen."""
    out = dict(node)
    for key, value in branch.items():
        if key == "properties" and isinstance(value, dict):
            mine = out.get("properties")
            out["properties"] = {**value, **mine} if isinstance(mine, dict) else dict(value)
        elif key == "required" and isinstance(value, list):
            mine = out.get("required")
            out["required"] = [*mine, *value] if isinstance(mine, list) else list(value)
        else:
            out.setdefault(key, value)
    return out


def _resolve(ref: str, defs: JSONObject) -> JSONObject | None:
    for prefix, key in (("#/$defs/", "$defs"), ("#/definitions/", "definitions")):
        if ref.startswith(prefix):
            table = defs.get(key)
            target = table.get(ref[len(prefix) :]) if isinstance(table, dict) else None
            return target if isinstance(target, dict) else None
    return None


def _is_null(node: JSONObject) -> bool:
    kind = node.get("type")
    return kind == "null" or (isinstance(kind, list) and bool(kind) and all(k == "null" for k in kind))


def _plain_type(node: JSONObject, defs: JSONObject) -> str:
    ref = node.get("$ref")
    if isinstance(ref, str) and (target := _resolve(ref, defs)) is not None:
        node = target
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "")
    if isinstance(kind, str) and kind:
        return kind.lower()
    return "object" if "properties" in node else "array" if "items" in node else ""


def _type_of(node: JSONObject, hints: list[str]) -> str:
    kind = node.get("type")
    if isinstance(kind, list):
        names = [k.lower() for k in kind if isinstance(k, str) and k.lower() != "null"]
        if len(names) > 1:
            hints.append("accepts: " + " | ".join(names))
            names.sort(key=lambda k: -_TYPE_RANK.get(k, 1))
        kind = names[0] if names else ""
    if isinstance(kind, str) and kind:
        return kind.lower()
    if "properties" in node:
        return "object"
    if "items" in node:
        return "array"
    return ""


def _show(value: JSON) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
