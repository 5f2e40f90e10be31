"""Responses API answers: ``response`` objects ↔ IR, SDK validation, token counts."""

from __future__ import annotations

import copy
import itertools
import json

import pytest
from openai.types.responses import InputTokenCountResponse, Response

from server.errors import UpstreamError
from server.formats import ir
from server.formats.openai_responses import (
    build_response,
    count_response,
    parse_count_response,
    parse_request,
    parse_response,
)
from server.jsontypes import JSONObject

P = "openai-responses:"
USAGE = {
    "input_tokens": 120,
    "input_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 0},
    "output_tokens": 40,
    "output_tokens_details": {"reasoning_tokens": 12},
    "total_tokens": 160,
}
CODEX_RESPONSE: JSONObject = {
    "id": "resp_abc",
    "object": "response",
    "created_at": 1760000000,
    "status": "completed",
    "model": "gpt-5-codex",
    "output": [
        {
            "id": "rs_1",
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "Plan"}],
            "encrypted_content": "gAAAAAenc",
        },
        {
            "id": "msg_1",
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": "Listing."}],
        },
        {
            "id": "fc_1",
            "type": "function_call",
            "status": "completed",
            "arguments": '{"cmd":"ls"}',
            "call_id": "call_1",
            "name": "exec_command",
        },
    ],
    "usage": USAGE,
}
CODEX_IR = ir.Response(
    id="resp_abc",
    model="gpt-5-codex",
    parts=[
        ir.ThinkingPart(
            "Plan",
            redacted="gAAAAAenc",
            extras={P + "item": {"id": "rs_1", "type": "reasoning"}, P + "summary": ["Plan"]},
        ),
        ir.TextPart(
            "Listing.",
            {
                P + "fields": {"annotations": [], "logprobs": []},
                P + "item": {"id": "msg_1", "type": "message", "status": "completed"},
            },
        ),
        ir.ToolCallPart(
            "call_1",
            "exec_command",
            '{"cmd":"ls"}',
            {P + "item": {"id": "fc_1", "type": "function_call", "status": "completed"}},
        ),
    ],
    finish_reason="tool_calls",
    usage=ir.Usage(
        input_tokens=120, output_tokens=40, cached_tokens=100, reasoning_tokens=12, total_tokens=160
    ),
    created=1760000000,
)


def _with(**fields: object) -> JSONObject:
    body = copy.deepcopy(CODEX_RESPONSE)
    body.update(fields)
    return body


PARSE_CASES: list[tuple[str, JSONObject, ir.Response]] = [
    ("response-object", CODEX_RESPONSE, CODEX_IR),
    (
        "completed-event",
        {"type": "response.completed", "sequence_number": 9, "response": CODEX_RESPONSE},
        CODEX_IR,
    ),
    (
        "incomplete-max-output-tokens",
        _with(status="incomplete", incomplete_details={"reason": "max_output_tokens"}, output=[]),
        ir.Response("resp_abc", "gpt-5-codex", [], "length", usage=CODEX_IR.usage, created=1760000000),
    ),
    (
        "incomplete-content-filter",
        _with(status="incomplete", incomplete_details={"reason": "content_filter"}, output=[], usage=None),
        ir.Response("resp_abc", "gpt-5-codex", [], "content_filter", created=1760000000),
    ),
    (
        "hosted-tool-items-ride-along",
        _with(
            output=[
                {"type": "web_search_call", "id": "ws_1", "status": "completed"},
                CODEX_RESPONSE["output"][1],
            ]
        ),
        ir.Response(
            "resp_abc",
            "gpt-5-codex",
            [
                ir.TextPart(
                    "Listing.",
                    {
                        **CODEX_IR.parts[1].extras,
                        P + "before": [{"type": "web_search_call", "id": "ws_1", "status": "completed"}],
                    },
                )
            ],
            usage=CODEX_IR.usage,
            created=1760000000,
        ),
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES])
def test_parse_response(body: JSONObject, expected: ir.Response) -> None:
    assert parse_response(body) == expected


FAILED: list[tuple[str, JSONObject, int]] = [
    ("rate-limited", {"code": "rate_limit_exceeded", "message": "slow down"}, 429),
    ("usage-limit", {"type": "usage_limit_reached", "message": "limit"}, 429),
    ("context-length", {"code": "context_length_exceeded", "message": "too long"}, 400),
    ("explicit-status", {"message": "nope", "status": 403}, 403),
    ("server-error", {"code": "server_error", "message": "oops"}, 502),
]


@pytest.mark.parametrize(("error", "status"), [c[1:] for c in FAILED], ids=[c[0] for c in FAILED])
def test_failed_response_raises_upstream_error(error: JSONObject, status: int) -> None:
    with pytest.raises(UpstreamError) as caught:
        parse_response(
            {"type": "response.failed", "response": _with(status="failed", error=error, output=[])}
        )
    assert caught.value.status == status
    assert json.loads(caught.value.body) == {"error": error}


def _ctx(request: ir.Request | None = None, model: str = "my-alias") -> ir.ResponseContext:
    counter = itertools.count()
    return ir.ResponseContext("resp_1", 1700000000, model, request, new_id=lambda p: f"{p}{next(counter)}")


CLIENT_REQUEST = parse_request(
    {
        "model": "my-alias",
        "instructions": "Be brief.",
        "input": "hi",
        "tools": [
            {
                "type": "namespace",
                "name": "multi_agent_v1",
                "description": "Agents",
                "tools": [{"type": "function", "name": "spawn", "parameters": {"type": "object"}}],
            }
        ],
        "reasoning": {"effort": "low", "summary": "auto"},
        "store": False,
        "metadata": {"k": "v"},
    }
)


def test_build_response_from_another_format() -> None:
    response = ir.Response(
        id="msg_claude",
        model="claude-sonnet-4-5",
        parts=[
            ir.ThinkingPart("Think", signature="EqQB"),
            ir.ThinkingPart(signature="only-a-signature"),
            ir.TextPart("Hello"),
            ir.TextPart(" world"),
            ir.ToolCallPart("toolu_01", "spawn", '{"a":1}'),
        ],
        finish_reason="tool_calls",
        usage=ir.Usage(input_tokens=10, output_tokens=5, cached_tokens=4),
    )
    body = build_response(response, _ctx(CLIENT_REQUEST))
    assert body == {
        "id": "resp_1",
        "object": "response",
        "created_at": 1700000000,
        "status": "completed",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": "Be brief.",
        "max_output_tokens": None,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "low", "summary": "auto"},
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [
            {
                "type": "namespace",
                "name": "multi_agent_v1",
                "description": "Agents",
                "tools": [{"type": "function", "name": "spawn", "parameters": {"type": "object"}}],
            }
        ],
        "truncation": "disabled",
        "user": None,
        "metadata": {"k": "v"},
        "store": False,
        "model": "my-alias",
        "output": [
            {
                "id": "rs_0",
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "Think"}],
                "encrypted_content": "EqQB",
            },
            {"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "only-a-signature"},
            {
                "id": "msg_2",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [
                    {"type": "output_text", "annotations": [], "logprobs": [], "text": "Hello"},
                    {"type": "output_text", "annotations": [], "logprobs": [], "text": " world"},
                ],
            },
            {
                "id": "fc_3",
                "type": "function_call",
                "status": "completed",
                "arguments": '{"a":1}',
                "call_id": "toolu_01",
                "name": "spawn",
                "namespace": "multi_agent_v1",
            },
        ],
        "usage": {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15,
        },
    }
    Response.model_validate(body)


FINISHES: list[tuple[ir.FinishReason, str, JSONObject | None]] = [
    ("stop", "completed", None),
    ("length", "incomplete", {"reason": "max_output_tokens"}),
    ("content_filter", "incomplete", {"reason": "content_filter"}),
    ("error", "failed", None),
]


@pytest.mark.parametrize(("reason", "status", "details"), FINISHES, ids=[f[0] for f in FINISHES])
def test_build_response_status(reason: ir.FinishReason, status: str, details: JSONObject | None) -> None:
    body = build_response(ir.Response(parts=[ir.TextPart("cut")], finish_reason=reason), _ctx())
    assert (body["status"], body["incomplete_details"]) == (status, details)
    assert body["output"][0]["status"] == ("incomplete" if status == "incomplete" else "completed")
    assert (body["error"] is not None) == (status == "failed")
    Response.model_validate(body)


def test_same_format_answer_round_trips() -> None:
    rebuilt = build_response(parse_response(CODEX_RESPONSE), _ctx(model="gpt-5-codex"))
    assert rebuilt["output"] == CODEX_RESPONSE["output"]
    assert rebuilt["usage"] == USAGE
    Response.model_validate(rebuilt)


def test_long_tool_names_are_restored_for_the_client() -> None:
    long_name = "mcp__server__" + "x" * 60
    request = ir.Request("m", tools=[ir.Tool(long_name)])
    response = ir.Response(
        parts=[ir.ToolCallPart("c1", "mcp__" + "x" * 59, "{}")], finish_reason="tool_calls"
    )
    assert build_response(response, _ctx(request))["output"][0]["name"] == long_name


def test_count_tokens() -> None:
    body = count_response(42)
    assert body == {"object": "response.input_tokens", "input_tokens": 42}
    InputTokenCountResponse.model_validate(body)
    assert parse_count_response(body) == 42
    assert parse_count_response({}) == 0
