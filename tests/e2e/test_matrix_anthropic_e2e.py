"""Anthropic clients on foreign upstreams beyond the matrix: a thinking suffix on the model name,
tool names the upstream cannot take, and a request shaped like Claude Code's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import pytest

from tests.e2e.conftest import CLIENT_KEY, Proxy, Upstream
from tests.e2e.edge_support import SSEEvent, parse_sse
from tests.e2e.matrix_clients import AnthropicDriver
from tests.e2e.matrix_support import UPSTREAMS, Turn, matrix_proxy
from tests.fakes import Recorded, signature_for
from tests.fakes import received as rx

pytestmark = pytest.mark.timeout(20)

STREAM = pytest.mark.parametrize("stream", [True, False], ids=["stream", "non-stream"])


@pytest.fixture(scope="module")
def matrix(upstream_server: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    with matrix_proxy(upstream_server.url, tmp_path_factory.mktemp("matrix-anthropic")) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def sdk(matrix: Proxy) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=matrix.url, api_key=CLIENT_KEY, max_retries=0) as client:
        yield client


def _only(upstream: Upstream, up: str) -> Recorded:
    (sent,) = upstream.fake.requests_for(UPSTREAMS[up].key)
    assert upstream.fake.requests == [sent]
    return sent


def _ask(sdk: anthropic.Anthropic, stream: bool, **request: Any) -> anthropic.types.Message:
    if not stream:
        message: anthropic.types.Message = sdk.messages.create(**request)
        return message
    with sdk.messages.stream(**request) as events:
        return events.get_final_message()


# -- a thinking suffix on the model name --------------------------------------------------------


@STREAM
def test_effort_suffix_becomes_the_gemini_thinking_budget(
    sdk: anthropic.Anthropic, upstream: Upstream, stream: bool
) -> None:
    message = _ask(
        sdk,
        stream,
        model="gemini-2.5-flash(high)",
        max_tokens=16000,
        messages=[{"role": "user", "content": "hi"}],
    )
    sent = _only(upstream, "gemini")
    method = "streamGenerateContent" if stream else "generateContent"
    assert sent.path == f"/v1beta/models/gemini-2.5-flash:{method}"  # the suffix never goes upstream
    asked = rx.thinking(sent)
    assert (asked.budget, asked.include_thoughts) == (24576, True)  # high = 24576, flash's maximum
    assert message.model == "gemini-2.5-flash(high)"  # the name the client asked for
    thinking, text = message.content
    assert thinking.type == "thinking" and thinking.thinking == "Thinking it over (gemini fake)"
    assert thinking.signature == signature_for("gemini")
    assert text.type == "text" and text.text == "Hello from gemini fake"


@STREAM
def test_a_client_thinking_budget_is_clamped_to_the_gemini_model(
    sdk: anthropic.Anthropic, upstream: Upstream, stream: bool
) -> None:
    """The client's own budget arrives, clamped into the model's range (flash: at most 24576)."""
    _ask(
        sdk,
        stream,
        model="gemini-2.5-flash",
        max_tokens=16000,
        thinking={"type": "enabled", "budget_tokens": 30000},
        messages=[{"role": "user", "content": "hi"}],
    )
    asked = rx.thinking(_only(upstream, "gemini"))
    assert (asked.budget, asked.include_thoughts) == (24576, True)


# -- tool names the upstream format cannot take ---------------------------------------------------

LONG_NAME = "mcp__a_server_with_a_rather_long_name__do_something_with_an_even_longer_tool_name_here"
NAMES = [
    pytest.param(
        "gemini", "mcp__server__tool.with/slash", r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}", id="gemini-charset"
    ),
    pytest.param("codex", LONG_NAME, r"mcp__.{1,59}", id="codex-64-chars"),
]


@pytest.mark.parametrize(("up", "name", "allowed"), NAMES)
@STREAM
def test_tool_names_are_restored_for_the_client(
    matrix: Proxy, upstream: Upstream, up: str, name: str, allowed: str, stream: bool
) -> None:
    driver = AnthropicDriver(matrix)
    model = UPSTREAMS[up].model
    try:
        got = driver.run(model, Turn("tool", stream, tool_name=name))
        ((sent_name, _),) = rx.declared_tools(_only(upstream, up))
        upstream.fake.clear()
        (call,) = got.calls
        again = driver.run(model, Turn("tool", stream, answer=call, tool_name=name))
    finally:
        driver.close()
    assert sent_name != name and re.fullmatch(allowed, sent_name), sent_name
    assert call.name == name  # the client sees its own name again
    assert again.text == f"Hello from {UPSTREAMS[up].fake} fake"
    sent = _only(upstream, up)
    (replayed,) = rx.tool_calls(sent)
    (result,) = rx.tool_results(sent)
    assert replayed.name == sent_name  # the history uses the upstream's name too
    if up == "gemini":
        assert result.name == sent_name
    else:
        assert result.id == replayed.id == call.id


# -- a request shaped like Claude Code's ----------------------------------------------------------

CC_SCHEMA = "http://json-schema.org/draft-07/schema#"
CC_TOOLS: list[dict[str, Any]] = [
    {
        "name": "Bash",
        "description": "Run a shell command.",
        "input_schema": {
            "$schema": CC_SCHEMA,
            "type": "object",
            "properties": {
                "command": {"type": "string", "description": "The command to run"},
                "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 600000},
                "run_in_background": {"type": "boolean", "default": False},
            },
            "required": ["command"],
            "additionalProperties": False,
        },
    },
    {
        "name": "TaskUpdate",
        "description": "Update a task.",
        "input_schema": {
            "$schema": CC_SCHEMA,
            "type": "object",
            "properties": {
                "status": {
                    "anyOf": [{"type": "string", "const": "pending"}, {"type": "string", "const": "done"}]
                },
                "labels": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[a-z]+$"},
                    "additionalProperties": {"type": "string"},
                },
                "url": {"type": "string", "format": "uri"},
                "notes": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 10},
            },
            "required": ["status"],
            "additionalProperties": False,
        },
    },
]
CC_BILLING = "x-anthropic-billing-header: cc_version=2.1.197.abc; cc_entrypoint=sdk-cli"
CC_IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude."
CC_PROMPT = "You are an interactive agent that helps users with software engineering tasks."
CC_REMINDER = "<system-reminder>Plan mode is not active.</system-reminder>"
CC_HEADERS = {
    "x-api-key": CLIENT_KEY,
    "anthropic-version": "2023-06-01",
    "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,"
    "prompt-caching-scope-2026-01-05,mid-conversation-system-2026-04-07,effort-2025-11-24",
    "user-agent": "claude-cli/2.1.197 (external, sdk-cli)",
    "x-app": "cli",
    "anthropic-dangerous-direct-browser-access": "true",
}
EPHEMERAL = {"type": "ephemeral"}
FORBIDDEN_SCHEMA_KEYS = {"$schema", "const", "propertyNames", "exclusiveMinimum"}


def _claude_code_body(model: str, history: list[dict[str, Any]]) -> dict[str, Any]:
    first = {
        "role": "user",
        "content": [
            {"type": "text", "text": "<system-reminder>Today is 2026-12-01.</system-reminder>"},
            {"type": "text", "text": "list the files", "cache_control": EPHEMERAL},
        ],
    }
    return {
        "model": model,
        "messages": [first, *history, {"role": "system", "content": CC_REMINDER}],
        "system": [
            {"type": "text", "text": CC_BILLING},
            {"type": "text", "text": CC_IDENTITY, "cache_control": EPHEMERAL},
            {"type": "text", "text": CC_PROMPT, "cache_control": EPHEMERAL},
        ],
        "tools": CC_TOOLS,
        "metadata": {"user_id": json.dumps({"device_id": "d0", "account_uuid": "", "session_id": "s0"})},
        "max_tokens": 32000,
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high"},
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        "stream": True,
    }


def _blocks(events: list[SSEEvent]) -> tuple[list[dict[str, Any]], str]:
    """The content blocks a Claude stream built, and its stop reason; checks the event frame."""
    names = [event.event for event in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"], names
    blocks: list[dict[str, Any]] = []
    partial: dict[int, str] = {}
    stop = ""
    for event in events:
        data = event.json()
        assert data["type"] == event.event
        if event.event == "content_block_start":
            assert data["index"] == len(blocks)
            blocks.append(dict(data["content_block"]))
        elif event.event == "content_block_delta":
            block, delta = blocks[data["index"]], data["delta"]
            if delta["type"] == "input_json_delta":
                partial[data["index"]] = partial.get(data["index"], "") + delta["partial_json"]
            else:
                key = {"text_delta": "text", "thinking_delta": "thinking", "signature_delta": "signature"}
                field = key[delta["type"]]
                block[field] = block.get(field, "") + delta[field]
        elif event.event == "message_delta":
            stop = data["delta"]["stop_reason"]
    for index, text in partial.items():
        blocks[index]["input"] = json.loads(text)
    return blocks, stop


def _schema_keys(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "properties":
                found.add(key)
            _schema_keys(value if key != "properties" else list(value.values()), found)
    elif isinstance(node, list):
        for item in node:
            _schema_keys(item, found)
    return found


@pytest.mark.parametrize("up", ["gemini", "openai"], ids=["gemini-up", "openai-up"])
def test_claude_code_request_gets_a_claude_stream_and_a_sane_upstream_body(
    matrix: Proxy, upstream: Upstream, up: str
) -> None:
    model = UPSTREAMS[up].model
    with httpx.Client(base_url=matrix.url, timeout=10) as http:
        reply = http.post("/v1/messages?beta=true", json=_claude_code_body(model, []), headers=CC_HEADERS)
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"].startswith("text/event-stream")
        blocks, stop = _blocks(parse_sse(reply.content))
        sent = _only(upstream, up)
        _check_first_turn(up, sent)
        assert stop == "tool_use"
        use = blocks[-1]
        assert (use["type"], use["name"]) == ("tool_use", "Bash")
        assert use["input"] == {"command": "fake", "timeout": 1, "run_in_background": True}

        # turn 2, as Claude Code sends it: the assistant turn replayed, the result with cache_control
        result = {
            "type": "tool_result",
            "tool_use_id": use["id"],
            "content": "a.txt\nb.txt",
            "cache_control": EPHEMERAL,
        }
        history = [{"role": "assistant", "content": blocks}, {"role": "user", "content": [result]}]
        upstream.fake.clear()
        reply = http.post(
            "/v1/messages?beta=true", json=_claude_code_body(model, history), headers=CC_HEADERS
        )
        assert reply.status_code == 200, reply.text
    blocks, stop = _blocks(parse_sse(reply.content))
    assert stop == "end_turn"
    assert blocks[-1] == {"type": "text", "text": f"Hello from {UPSTREAMS[up].fake} fake"}
    sent = _only(upstream, up)
    assert "cache_control" not in sent.body.decode()
    (call,) = rx.tool_calls(sent)
    (answer,) = rx.tool_results(sent)
    assert (call.name, call.arguments) == ("Bash", use["input"])
    assert "a.txt" in answer.text
    if up == "gemini":
        assert answer.name == "Bash"
    else:
        assert answer.id == call.id == use["id"]


def _check_first_turn(up: str, sent: Recorded) -> None:
    text = sent.body.decode()
    assert "cache_control" not in text
    assert CC_BILLING not in text  # the attribution line is for Anthropic only
    assert CC_REMINDER in text  # the mid-conversation system message is kept, folded in
    assert rx.max_tokens(sent) == 32000
    declared = dict(rx.declared_tools(sent))
    assert list(declared) == ["Bash", "TaskUpdate"]
    body = rx.body_of(sent)
    if up == "gemini":
        assert set(body) <= {
            "contents",
            "systemInstruction",
            "tools",
            "toolConfig",
            "generationConfig",
            "safetySettings",
        }
        system = [part["text"] for part in body["systemInstruction"]["parts"]]
        assert system[:2] == [CC_IDENTITY, CC_PROMPT]
        assert {content["role"] for content in body["contents"]} <= {"user", "model"}
        for schema in declared.values():
            assert not _schema_keys(schema, set()) & FORBIDDEN_SCHEMA_KEYS, schema
        asked = rx.thinking(sent)
        assert asked.include_thoughts is True and (asked.budget or asked.effort)
    else:
        assert not {"thinking", "output_config", "context_management", "system", "metadata"} & set(body)
        system = body["messages"][0]
        assert system["role"] == "system"
        assert CC_IDENTITY in json.dumps(system) and CC_PROMPT in json.dumps(system)
        assert all(message.get("content") or message.get("tool_calls") for message in body["messages"])
        assert declared["Bash"]["properties"] == CC_TOOLS[0]["input_schema"]["properties"]
        assert rx.thinking(sent).effort == "high"
