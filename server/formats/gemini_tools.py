"""Gemini tools ↔ IR tools: function declarations, built-ins, toolConfig and function-name sanitising.

Gemini function names must match ``^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$`` (§4.0 [HEAD]): other
characters become ``_``, a leading non-letter gets a ``_`` prefix, the name is cut to 64 and
collisions get ``_1``, ``_2`` …; ``restore_tool_name`` maps an answered name back. Schemas of other
families go through the cleaner into ``parametersJsonSchema`` (§4.3 [REC]); a Gemini client's own
declaration is replayed as sent (``Tool.extras["gemini:declaration"]``). Only Gemini's own
built-in tools (``googleSearch``, ``codeExecution``, ``urlContext`` …, kept raw under
``Tool.extras["builtin"]``) are sent; other families' server tools are dropped (§4.2).
"""

from __future__ import annotations

import re
from typing import Literal

from server.formats import gemini_parts as gp
from server.formats.gemini_schema import clean_schema, lower_types
from server.formats.ir import Request, Tool, ToolCallPart, ToolChoice, ToolResultPart
from server.jsontypes import JSON, JSONObject

__all__ = [
    "build_tool_config",
    "build_tools",
    "read_tool_choice",
    "read_tools",
    "restore_tool_name",
    "sanitize_name",
    "tool_name_map",
]

_BUILTINS = frozenset(
    {
        "googleSearch", "googleSearchRetrieval", "codeExecution", "urlContext", "computerUse",
        "fileSearch", "googleMaps", "retrieval", "enterpriseWebSearch",
    }
)  # fmt: skip
_MODES: dict[str, Literal["auto", "none", "required"]] = {
    "AUTO": "auto",
    "ANY": "required",
    "NONE": "none",
    "VALIDATED": "auto",
}
_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")


def read_tools(raw: JSON) -> list[Tool]:
    tools: list[Tool] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        for key, value in {gp.camel(k): v for k, v in entry.items()}.items():
            if key != "functionDeclarations":
                tools.append(Tool(name=key, extras={"builtin": {key: value}}))
                continue
            for decl in value if isinstance(value, list) else []:
                if not isinstance(decl, dict):
                    continue
                schema = gp.field(decl, "parametersJsonSchema", "parameters_json_schema")
                if schema is None:
                    schema = decl.get("parameters")
                tools.append(
                    Tool(
                        name=str(decl.get("name") or ""),
                        description=str(decl.get("description") or ""),
                        parameters=lower_types(schema) if isinstance(schema, dict) else {},
                        extras={"gemini:declaration": decl},
                    )
                )
    return tools


def read_tool_choice(tool_config: JSONObject) -> ToolChoice | None:
    fcc = gp.field(tool_config, "functionCallingConfig", "function_calling_config")
    if not isinstance(fcc, dict):
        return None
    mode = str(fcc.get("mode") or "AUTO").upper()
    names = gp.field(fcc, "allowedFunctionNames", "allowed_function_names")
    if mode == "ANY" and isinstance(names, list) and len(names) == 1 and isinstance(names[0], str):
        return ToolChoice("tool", names[0])
    return ToolChoice(_MODES.get(mode, "auto"))


def sanitize_name(name: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_.:-]", "_", name)
    if not out or not (out[0].isascii() and (out[0].isalpha() or out[0] == "_")):
        out = "_" + out
    return out[:64]


def tool_name_map(request: Request) -> dict[str, str]:
    """Original → Gemini-valid function names (``^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$``) of the
    request's tools and history; valid names map to themselves, collisions get ``_1``, ``_2`` …"""
    names = [t.name for t in request.tools if "builtin" not in t.extras]
    for message in request.messages:
        names += [p.name for p in message.parts if isinstance(p, ToolCallPart | ToolResultPart) and p.name]
    mapping = {n: n for n in names if _VALID_NAME.match(n)}
    used = set(mapping.values())
    for name in names:
        if name in mapping:
            continue
        base = candidate = sanitize_name(name)
        counter = 0
        while candidate in used:
            counter += 1
            suffix = f"_{counter}"
            candidate = base[: 64 - len(suffix)] + suffix
        mapping[name] = candidate
        used.add(candidate)
    return mapping


def restore_tool_name(request: Request, name: str) -> str:
    """The client's original name for a function name the Gemini upstream answered with."""
    for original, sent in tool_name_map(request).items():
        if sent == name:
            return original
    return name


def build_tools(request: Request, names: dict[str, str]) -> list[JSONObject]:
    declarations: list[JSONObject] = []
    builtins: list[JSONObject] = []
    for tool in request.tools:
        builtin = tool.extras.get("builtin")
        if builtin is not None:  # only Gemini's own built-ins; other families' are dropped (§4.2)
            if isinstance(builtin, dict) and len(builtin) == 1 and next(iter(builtin)) in _BUILTINS:
                builtins.append(dict(builtin))
            continue
        name = names.get(tool.name, tool.name)
        raw = tool.extras.get("gemini:declaration")
        if isinstance(raw, dict):
            declarations.append({**raw, "name": name})
            continue
        declaration: JSONObject = {"name": name}
        if tool.description:
            declaration["description"] = tool.description
        declaration["parametersJsonSchema"] = clean_schema(tool.parameters)
        declarations.append(declaration)
    return ([{"functionDeclarations": declarations}] if declarations else []) + builtins


def build_tool_config(request: Request, names: dict[str, str], has_tools: bool) -> JSONObject | None:
    raw = request.extras.get("gemini:toolConfig")
    raw = raw if isinstance(raw, dict) else None
    choice = request.tool_choice
    if raw is not None and read_tool_choice(raw) == choice:
        return dict(raw)  # as the client sent it (VALIDATED, several allowed names …)
    if choice is None or not has_tools:
        return None
    fcc: JSONObject = {"mode": {"auto": "AUTO", "none": "NONE"}.get(choice.mode, "ANY")}
    if choice.mode == "tool":
        fcc["allowedFunctionNames"] = [names.get(choice.name, choice.name)]
    rest = {
        k: v for k, v in (raw or {}).items() if k not in ("functionCallingConfig", "function_calling_config")
    }
    return {**rest, "functionCallingConfig": fcc}
