"""Payload rules: default, default-raw, override, override-raw, filter."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from server.config.schema import Payload, PayloadFilter, PayloadModel, PayloadRule
from server.jsontypes import JSONObject
from server.payload import apply_payload_rules, glob_match


def rule(params: dict[str, Any], *names: str, protocol: str = "") -> PayloadRule:
    return PayloadRule(models=tuple(PayloadModel(name, protocol) for name in names or ("*",)), params=params)


def drop(*paths: str, names: tuple[str, ...] = ("*",)) -> PayloadFilter:
    return PayloadFilter(models=tuple(PayloadModel(name) for name in names), params=paths)


def apply(body: JSONObject, payload: Payload, models: tuple[str, ...] = ("gpt-5",), **kw: Any) -> JSONObject:
    kw.setdefault("protocol", "openai")
    return apply_payload_rules(body, payload, models=models, **kw)


GLOB_CASES = [
    ("gpt-*", "gpt-5", True),
    ("gpt-*", "GPT-5", False),
    ("*-5", "gpt-5", True),
    ("gemini-*-pro", "gemini-2.5-pro", True),
    ("*", "anything", True),
    ("gpt-5", "gpt-5-mini", False),
    ("gpt-?", "gpt-5", False),
    ("gpt-[5]", "gpt-5", False),
]


@pytest.mark.parametrize(
    ("pattern", "name", "expected"), GLOB_CASES, ids=[f"{p}|{n}" for p, n, _ in GLOB_CASES]
)
def test_glob_match(pattern: str, name: str, expected: bool) -> None:
    assert glob_match(pattern, name) is expected


APPLY_CASES: list[tuple[str, JSONObject, Payload, JSONObject]] = [
    (
        "default-sets-missing",
        {"a": 1},
        Payload(default=(rule({"b": 2, "a": 9}),)),
        {"a": 1, "b": 2},
    ),
    (
        "default-first-wins",
        {},
        Payload(default=(rule({"x": 1}), rule({"x": 2}))),
        {"x": 1},
    ),
    (
        "default-raw-after-default-loses",
        {},
        Payload(default=(rule({"x": 1}),), default_raw=(rule({"x": "2", "y": '{"k": [1, 2]}'}),)),
        {"x": 1, "y": {"k": [1, 2]}},
    ),
    (
        "default-checks-original-body-only",
        {"a": {"b": 1}},
        Payload(default=(rule({"a.c": 5}), rule({"a.b": 7}))),
        {"a": {"b": 1, "c": 5}},
    ),
    (
        "override-last-wins",
        {"x": 0},
        Payload(override=(rule({"x": 1}), rule({"x": 2}))),
        {"x": 2},
    ),
    (
        "override-beats-default",
        {},
        Payload(default=(rule({"x": 1}),), override=(rule({"x": 2}),)),
        {"x": 2},
    ),
    (
        "override-raw-after-override",
        {},
        Payload(override=(rule({"x": 1}),), override_raw=(rule({"x": "[true, null]"}),)),
        {"x": [True, None]},
    ),
    (
        "raw-invalid-json-skipped",
        {"x": 0},
        Payload(override_raw=(rule({"x": "{not json", "y": '"ok"'}),)),
        {"x": 0, "y": "ok"},
    ),
    (
        "raw-non-string-taken-as-is",
        {},
        Payload(override_raw=(rule({"x": {"a": 1}, "n": None}),)),
        {"x": {"a": 1}},
    ),
    (
        "creates-intermediate-objects",
        {},
        Payload(override=(rule({"generationConfig.thinkingConfig.thinkingBudget": 0}),)),
        {"generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}},
    ),
    (
        "array-index",
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant"}]},
        Payload(override=(rule({"messages.1.content": "ok", "messages.0.role": "system"}),)),
        {"messages": [{"role": "system", "content": "hi"}, {"role": "assistant", "content": "ok"}]},
    ),
    (
        "array-append",
        {"tags": ["a"]},
        Payload(override=(rule({"tags.-1": "b", "tags.2": "c"}),)),
        {"tags": ["a", "b", "c"]},
    ),
    (
        "default-on-array-index",
        {"items": [{"a": 1}]},
        Payload(default=(rule({"items.0.a": 5, "items.0.b": 6}),)),
        {"items": [{"a": 1, "b": 6}]},
    ),
    (
        "escaped-dot-is-a-key",
        {},
        Payload(override=(rule({"meta.a\\.b": 1}),)),
        {"meta": {"a.b": 1}},
    ),
    (
        "numeric-key-on-object",
        {"o": {}},
        Payload(override=(rule({"o.0": "x"}),)),
        {"o": {"0": "x"}},
    ),
    (
        "non-numeric-key-on-array-skipped",
        {"arr": [1]},
        Payload(override=(rule({"arr.x": 1}),)),
        {"arr": [1]},
    ),
    (
        "filter-deletes",
        {"a": 1, "b": {"c": 2, "d": 3}, "list": [0, 1, 2]},
        Payload(filter=(drop("a", "b.c", "list.1", "missing.path", "list.9"),)),
        {"b": {"d": 3}, "list": [0, 2]},
    ),
    (
        "filter-runs-last",
        {},
        Payload(override=(rule({"x": 1, "y": 2}),), filter=(drop("x"),)),
        {"y": 2},
    ),
    (
        "model-glob-mismatch",
        {},
        Payload(default=(rule({"x": 1}, "claude-*"),), filter=(drop("a", names=("claude-*",)),)),
        {},
    ),
    (
        "upstream-model-also-matches",
        {},
        Payload(override=(rule({"x": 1}, "upstream-*"),)),
        {"x": 1},
    ),
    (
        "case-sensitive-model",
        {},
        Payload(override=(rule({"x": 1}, "GPT-5"),)),
        {},
    ),
]


@pytest.mark.parametrize(
    ("body", "payload", "expected"), [case[1:] for case in APPLY_CASES], ids=[case[0] for case in APPLY_CASES]
)
def test_apply_payload_rules(body: JSONObject, payload: Payload, expected: JSONObject) -> None:
    original = copy.deepcopy(body)
    result = apply(body, payload, models=("gpt-5", "upstream-gpt"))
    assert result == expected
    assert body == original
    assert result is not body


PROTOCOL_CASES = [
    ("same-protocol", "openai", "openai", True),
    ("other-protocol", "claude", "openai", False),
    ("rule-without-protocol", "", "gemini", True),
    ("caller-without-protocol", "codex", "", True),
    ("case-insensitive", "Gemini", "gemini", True),
]


@pytest.mark.parametrize(
    ("rule_protocol", "protocol", "applies"),
    [case[1:] for case in PROTOCOL_CASES],
    ids=[case[0] for case in PROTOCOL_CASES],
)
def test_protocol_filter(rule_protocol: str, protocol: str, applies: bool) -> None:
    payload = Payload(override=(rule({"x": 1}, "gpt-5", protocol=rule_protocol),))
    assert apply({}, payload, protocol=protocol) == ({"x": 1} if applies else {})


def test_any_model_entry_may_match() -> None:
    payload = Payload(
        override=(
            PayloadRule(
                models=(PayloadModel("gpt-5", "claude"), PayloadModel("gpt-*", "openai")), params={"x": 1}
            ),
        )
    )
    assert apply({}, payload) == {"x": 1}


def test_root_prefixes_every_path() -> None:
    body = {"model": "m", "request": {"contents": [], "generationConfig": {"temperature": 1}}}
    payload = Payload(
        default=(rule({"generationConfig.temperature": 0.2, "generationConfig.topP": 0.9}),),
        override_raw=(rule({"safetySettings": "[]"}),),
        filter=(drop("contents"),),
    )
    result = apply(body, payload, protocol="gemini", root="request")
    assert result == {
        "model": "m",
        "request": {"generationConfig": {"temperature": 1, "topP": 0.9}, "safetySettings": []},
    }
    assert body["request"] == {"contents": [], "generationConfig": {"temperature": 1}}


def test_input_and_config_values_never_aliased() -> None:
    shared = {"nested": {"deep": [1]}}
    body: JSONObject = {"keep": {"untouched": [1, 2]}, "edit": {"list": [{"a": 1}]}}
    snapshot = copy.deepcopy(body)
    payload = Payload(
        override=(rule({"edit.list.0.a": 2, "value": shared}),), filter=(drop("keep.untouched.0"),)
    )
    result = apply(body, payload)
    assert body == snapshot
    result["value"]["nested"]["deep"].append(2)
    assert shared == {"nested": {"deep": [1]}}
    assert result == {
        "keep": {"untouched": [2]},
        "edit": {"list": [{"a": 2}]},
        "value": {"nested": {"deep": [1, 2]}},
    }


def test_no_matching_rule_returns_shallow_copy() -> None:
    body: JSONObject = {"a": {"b": 1}}
    result = apply(body, Payload(override=(rule({"x": 1}, "claude-*"),)))
    assert result == body and result is not body


def test_rule_entry_without_name_never_matches() -> None:
    payload = Payload(override=(rule({"x": 1}, ""),))
    assert apply({}, payload) == {}
