"""The Gemini tool-schema cleaner: JSON Schema keywords Gemini rejects are rewritten or dropped."""

from __future__ import annotations

import copy

import pytest

from server.formats.gemini_schema import clean_schema, lower_types
from server.jsontypes import JSONObject

OBJ: JSONObject = {"type": "object", "properties": {}}

# Shapes of Claude Code's real tool schemas (clients.md: $schema, additionalProperties, anyOf,
# const, default, exclusiveMinimum, propertyNames, format, pattern, maxItems, maxLength, minLength,
# minimum, maximum, enum, items, required).
BASH: JSONObject = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "command": {"type": "string", "description": "The command to execute"},
        "timeout": {"type": "number", "description": "Timeout in ms", "maximum": 600000},
        "run_in_background": {"type": "boolean", "default": False},
    },
    "required": ["command"],
    "additionalProperties": False,
}
BASH_CLEAN: JSONObject = {
    "type": "object",
    "properties": {
        "command": {"type": "string", "description": "The command to execute"},
        "timeout": {"type": "number", "description": "Timeout in ms", "maximum": 600000},
        "run_in_background": {"type": "boolean", "description": "default: false"},
    },
    "required": ["command"],
}
READ: JSONObject = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "file_path": {"type": "string", "description": "Absolute path"},
        "offset": {"type": "integer", "exclusiveMinimum": 0, "description": "Line to start"},
        "limit": {"type": "integer", "exclusiveMinimum": 0, "maximum": 2000},
    },
    "required": ["file_path"],
    "additionalProperties": False,
}
READ_CLEAN: JSONObject = {
    "type": "object",
    "properties": {
        "file_path": {"type": "string", "description": "Absolute path"},
        "offset": {"type": "integer", "description": "Line to start (exclusiveMinimum: 0)"},
        "limit": {"type": "integer", "description": "exclusiveMinimum: 0", "maximum": 2000},
    },
    "required": ["file_path"],
}
WEB_FETCH: JSONObject = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "format": "uri", "description": "The URL"},
        "prompt": {"type": "string", "minLength": 1, "maxLength": 10000},
    },
    "required": ["url", "prompt"],
    "additionalProperties": False,
}
WEB_FETCH_CLEAN: JSONObject = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "description": "The URL (format: uri)"},
        "prompt": {"type": "string", "description": "minLength: 1, maxLength: 10000"},
    },
    "required": ["url", "prompt"],
}
TASK_UPDATE: JSONObject = {
    "type": "object",
    "properties": {
        "taskId": {"type": "string", "pattern": "^[0-9]+$"},
        "status": {
            "anyOf": [
                {"type": "string", "enum": ["pending", "in_progress", "completed"]},
                {"type": "string", "const": "deleted"},
            ],
            "description": "New status",
        },
        "metadata": {
            "type": "object",
            "propertyNames": {"type": "string"},
            "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "owners": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
    },
    "required": ["taskId"],
    "additionalProperties": False,
}
TASK_UPDATE_CLEAN: JSONObject = {
    "type": "object",
    "properties": {
        "taskId": {"type": "string", "description": "pattern: ^[0-9]+$"},
        "status": {
            "enum": ["pending", "in_progress", "completed", "deleted"],
            "type": "string",
            "description": "New status",
        },
        "metadata": {"type": "object"},
        "owners": {"type": "array", "description": "maxItems: 4", "items": {"type": "string"}},
    },
    "required": ["taskId"],
}

CASES: list[tuple[str, JSONObject, JSONObject]] = [
    ("empty-schema-becomes-object", {}, OBJ),
    ("claude-code-bash", BASH, BASH_CLEAN),
    ("claude-code-read-exclusive-minimum", READ, READ_CLEAN),
    ("claude-code-webfetch-format-uri", WEB_FETCH, WEB_FETCH_CLEAN),
    ("claude-code-task-update-anyof-const-propertynames", TASK_UPDATE, TASK_UPDATE_CLEAN),
    (
        "type-array-with-null-flattened",
        {"type": "object", "properties": {"a": {"type": ["string", "null"]}}},
        {"type": "object", "properties": {"a": {"type": "string"}}},
    ),
    (
        "type-array-two-types-hinted",
        {"type": "object", "properties": {"a": {"type": ["string", "array"], "items": {"type": "string"}}}},
        {
            "type": "object",
            "properties": {
                "a": {"type": "array", "description": "accepts: string | array", "items": {"type": "string"}}
            },
        },
    ),
    (
        "anyof-null-branch-dropped",
        {"type": "object", "properties": {"a": {"anyOf": [{"type": "integer"}, {"type": "null"}]}}},
        {"type": "object", "properties": {"a": {"type": "integer"}}},
    ),
    (
        "oneof-prefers-object-branch",
        {
            "type": "object",
            "properties": {
                "a": {
                    "oneOf": [
                        {"type": "string"},
                        {"type": "object", "properties": {"x": {"type": "number"}}},
                    ],
                    "description": "A",
                }
            },
        },
        {
            "type": "object",
            "properties": {
                "a": {
                    "type": "object",
                    "description": "A (accepts: string | object)",
                    "properties": {"x": {"type": "number"}},
                }
            },
        },
    ),
    (
        "allof-merged",
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "integer"}}, "required": ["b"]},
            ]
        },
        {
            "type": "object",
            "properties": {"b": {"type": "integer"}, "a": {"type": "string"}},
            "required": ["a", "b"],
        },
    ),
    (
        "local-ref-inlined-defs-removed",
        {
            "type": "object",
            "properties": {"item": {"$ref": "#/$defs/Item", "description": "the item"}},
            "$defs": {"Item": {"type": "object", "properties": {"id": {"type": "string"}}, "title": "Item"}},
        },
        {
            "type": "object",
            "properties": {
                "item": {
                    "type": "object",
                    "description": "the item",
                    "properties": {"id": {"type": "string"}},
                }
            },
        },
    ),
    (
        "definitions-ref-inlined",
        {
            "type": "object",
            "properties": {"n": {"$ref": "#/definitions/N"}},
            "definitions": {"N": {"type": "integer", "minimum": 1}},
        },
        {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}},
    ),
    (
        "recursive-ref-becomes-hint",
        {
            "type": "object",
            "properties": {"node": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}},
        },
        {
            "type": "object",
            "properties": {
                "node": {
                    "type": "object",
                    "properties": {"child": {"type": "object", "description": "see #/$defs/Node"}},
                }
            },
        },
    ),
    (
        "foreign-ref-becomes-hint",
        {"type": "object", "properties": {"x": {"$ref": "https://example.com/x.json"}}},
        {
            "type": "object",
            "properties": {"x": {"type": "object", "description": "see https://example.com/x.json"}},
        },
    ),
    (
        "const-becomes-enum",
        {"type": "object", "properties": {"kind": {"const": "fixed"}}},
        {"type": "object", "properties": {"kind": {"enum": ["fixed"], "type": "string"}}},
    ),
    (
        "enum-values-become-strings",
        {"type": "object", "properties": {"n": {"type": "integer", "enum": [1, 2, None]}}},
        {"type": "object", "properties": {"n": {"enum": ["1", "2"], "type": "string"}}},
    ),
    (
        "property-names-that-look-like-keywords-survive",
        {
            "type": "object",
            "properties": {
                "format": {"type": "string"},
                "title": {"type": "string", "title": "Title"},
                "default": {"type": "boolean"},
                "$ref": {"type": "string"},
            },
            "required": ["format", "title", "default", "$ref"],
        },
        {
            "type": "object",
            "properties": {
                "format": {"type": "string"},
                "title": {"type": "string"},
                "default": {"type": "boolean"},
                "$ref": {"type": "string"},
            },
            "required": ["format", "title", "default", "$ref"],
        },
    ),
    (
        "required-pruned-to-existing-properties",
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "missing", "a"]},
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
    ),
    (
        "unsupported-keywords-removed",
        {
            "type": "object",
            "properties": {"a": {"type": "string", "x-google-enum-descriptions": ["x"], "deprecated": True}},
            "patternProperties": {"^x": {"type": "string"}},
            "if": {"properties": {}},
            "then": {},
            "else": {},
            "$comment": "c",
            "$id": "id",
            "x-extension": 1,
            "nullable": True,
            "title": "T",
        },
        {"type": "object", "properties": {"a": {"type": "string"}}},
    ),
    (
        "examples-and-unique-items-hinted",
        {
            "type": "object",
            "properties": {"tags": {"type": "array", "uniqueItems": True, "examples": [["a"]], "items": {}}},
        },
        {
            "type": "object",
            "properties": {
                "tags": {"type": "array", "description": 'uniqueItems: true, examples: [["a"]]', "items": {}}
            },
        },
    ),
    (
        "mcp-bare-property-map-normalised",
        {"path": {"type": "string"}, "depth": {"type": "integer"}},
        {"type": "object", "properties": {"path": {"type": "string"}, "depth": {"type": "integer"}}},
    ),
    (
        "mcp-boolean-required-normalised",
        {
            "type": "object",
            "properties": {
                "a": {"type": "string", "required": True},
                "b": {"type": "string", "required": False},
            },
            "required": True,
        },
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "required": ["a"],
        },
    ),
    (
        "missing-types-inferred",
        {"properties": {"list": {"items": {"type": "string"}}, "obj": {"properties": {}}}},
        {
            "type": "object",
            "properties": {
                "list": {"type": "array", "items": {"type": "string"}},
                "obj": {"type": "object", "properties": {}},
            },
        },
    ),
    (
        "tuple-items-take-first",
        {
            "type": "object",
            "properties": {"pair": {"type": "array", "items": [{"type": "string"}, {"type": "number"}]}},
        },
        {"type": "object", "properties": {"pair": {"type": "array", "items": {"type": "string"}}}},
    ),
    (
        "upper-case-openapi-types-lowered",
        {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}},
        {"type": "object", "properties": {"a": {"type": "string"}}},
    ),
]


@pytest.mark.parametrize(("schema", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_clean_schema(schema: JSONObject, expected: JSONObject) -> None:
    assert clean_schema(schema) == expected


@pytest.mark.parametrize("schema", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_clean_schema_never_mutates_its_input(schema: JSONObject) -> None:
    before = copy.deepcopy(schema)
    clean_schema(schema)
    assert schema == before


@pytest.mark.parametrize("schema", [c[2] for c in CASES], ids=[c[0] for c in CASES])
def test_clean_schema_is_idempotent(schema: JSONObject) -> None:
    assert clean_schema(schema) == schema


def test_deeply_nested_schema_is_cut_not_crashed() -> None:
    schema: JSONObject = {"type": "string"}
    for _ in range(100):
        schema = {"type": "object", "properties": {"x": schema}}
    cleaned = clean_schema(schema)
    assert cleaned["type"] == "object"


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            {"type": "OBJECT", "properties": {"TYPE": {"type": "STRING"}}, "required": ["TYPE"]},
            {"type": "object", "properties": {"TYPE": {"type": "string"}}, "required": ["TYPE"]},
        ),
        (
            {"type": "ARRAY", "items": {"type": "INTEGER"}, "description": "KEEP"},
            {"type": "array", "items": {"type": "integer"}, "description": "KEEP"},
        ),
        (
            {"anyOf": [{"type": "NUMBER"}, {"type": "NULL"}]},
            {"anyOf": [{"type": "number"}, {"type": "null"}]},
        ),
    ],
    ids=["object-with-property-named-TYPE", "array-items", "any-of"],
)
def test_lower_types(schema: JSONObject, expected: JSONObject) -> None:
    assert lower_types(schema) == expected
