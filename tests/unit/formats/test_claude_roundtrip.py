"""Properties: valid Claude requests survive parse → build; any IR event sequence encodes to a
well-formed Claude stream."""

from __future__ import annotations

import base64
import json
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.formats import claude, ir
from server.formats.sse import SSEParser
from server.jsontypes import JSONObject

CACHE = st.sampled_from([None, {"type": "ephemeral"}, {"type": "ephemeral", "ttl": "1h"}])
TEXT = st.text(min_size=1, max_size=12)
IDS = st.text(string.ascii_letters + string.digits, min_size=1, max_size=24).map(lambda s: "toolu_" + s)
SCALARS = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=6)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def _signature(tail: bytes) -> str:
    inner = b"\x0a" + bytes([len(tail)]) + tail
    return base64.b64encode(b"\x12" + bytes([len(inner)]) + inner).decode()


SIGNATURES = st.binary(min_size=1, max_size=40).map(_signature)


def _with_cache(block: JSONObject, cache: JSONObject | None) -> JSONObject:
    return block if cache is None else {**block, "cache_control": cache}


TEXT_BLOCKS = st.builds(lambda t, c: _with_cache({"type": "text", "text": t}, c), TEXT, CACHE)
IMAGE_BLOCKS = st.one_of(
    st.builds(
        lambda m, d: {"type": "image", "source": {"type": "base64", "media_type": m, "data": d}},
        st.sampled_from(["image/png", "image/jpeg", "image/webp"]),
        st.text(string.ascii_letters, min_size=1, max_size=8),
    ),
    st.builds(
        lambda u: {"type": "image", "source": {"type": "url", "url": "https://img.example/" + u}},
        st.text(string.ascii_lowercase, max_size=6),
    ),
)
DOCUMENT_SOURCES = st.one_of(
    st.builds(
        lambda d: {"type": "base64", "media_type": "application/pdf", "data": d},
        st.text(string.ascii_letters, min_size=1, max_size=8),
    ),
    st.builds(lambda t: {"type": "text", "media_type": "text/plain", "data": t}, st.text(max_size=12)),
    st.just({"type": "url", "url": "https://doc.example/a.pdf"}),
)


@st.composite
def documents(draw: st.DrawFn) -> JSONObject:
    block: JSONObject = {"type": "document", "source": draw(DOCUMENT_SOURCES)}
    if draw(st.booleans()):
        block["title"] = draw(TEXT)
    if draw(st.booleans()):
        block["citations"] = {"enabled": True}
    return _with_cache(block, draw(CACHE))


@st.composite
def tool_results(draw: st.DrawFn, call_id: str) -> JSONObject:
    block: JSONObject = {"type": "tool_result", "tool_use_id": call_id}
    kind = draw(st.sampled_from(["string", "blocks", "absent"]))
    if kind == "string":
        block["content"] = draw(st.text(max_size=12))
    elif kind == "blocks":
        block["content"] = draw(st.lists(TEXT_BLOCKS | IMAGE_BLOCKS, max_size=3))
    if draw(st.booleans()):
        block["is_error"] = True
    return _with_cache(block, draw(CACHE))


@st.composite
def conversations(draw: st.DrawFn, thinking_on: bool) -> list[JSONObject]:
    messages: list[JSONObject] = []
    pending: list[str] = []
    for turn in range(draw(st.integers(1, 6))):
        if turn % 2 == 0:
            results = [draw(tool_results(i)) for i in pending]
            rest = draw(
                st.lists(TEXT_BLOCKS | IMAGE_BLOCKS | documents(), min_size=0 if results else 1, max_size=3)
            )
            content: Any = results + rest
            if not results and len(rest) == 1 and rest[0]["type"] == "text" and draw(st.booleans()):
                content = rest[0]["text"]
            messages.append({"role": "user", "content": content})
            pending = []
        else:
            blocks: list[JSONObject] = []
            if thinking_on or draw(st.booleans()):
                blocks.append(
                    {
                        "type": "thinking",
                        "thinking": draw(st.text(max_size=12)),
                        "signature": draw(SIGNATURES),
                    }
                )
            if draw(st.booleans()):
                blocks.append({"type": "redacted_thinking", "data": draw(SIGNATURES)})
            blocks += draw(st.lists(TEXT_BLOCKS, max_size=2))
            pending = draw(st.lists(IDS, max_size=2, unique=True))
            for call_id in pending:
                name = draw(st.sampled_from(["Read", "Bash", "mcp__srv__tool"]))
                tool_input = draw(st.dictionaries(st.text(max_size=4), JSON_VALUES, max_size=3))
                blocks.append({"type": "tool_use", "id": call_id, "name": name, "input": tool_input})
            messages.append({"role": "assistant", "content": blocks or draw(TEXT)})
        if draw(st.integers(0, 4)) == 0:  # Claude Code's mid-conversation system messages
            messages.append(
                {"role": "system", "content": draw(TEXT | st.lists(TEXT_BLOCKS, min_size=1, max_size=2))}
            )
    return messages


@st.composite
def claude_requests(draw: st.DrawFn) -> JSONObject:
    max_tokens = draw(st.integers(1, 128000))
    thinking_kind = draw(
        st.sampled_from(
            ["none", "disabled", "enabled", "adaptive"] if max_tokens > 1024 else ["none", "disabled"]
        )
    )
    thinking_on = thinking_kind in ("enabled", "adaptive")
    body: JSONObject = {
        "model": draw(st.sampled_from(["claude-sonnet-4-5", "claude-opus-4-6"])),
        "max_tokens": max_tokens,
    }
    body["messages"] = draw(conversations(thinking_on))
    system = draw(st.none() | TEXT | st.lists(TEXT_BLOCKS, min_size=1, max_size=3))
    if system is not None:
        body["system"] = system
    if thinking_kind == "enabled":
        body["thinking"] = {"type": "enabled", "budget_tokens": draw(st.integers(1024, max_tokens - 1))}
    elif thinking_kind == "adaptive":
        body["thinking"] = {"type": "adaptive"}
        if draw(st.booleans()):
            body["output_config"] = {"effort": draw(st.sampled_from(["low", "medium", "high", "max"]))}
    elif thinking_kind == "disabled":
        body["thinking"] = {"type": "disabled"}
    if thinking_on:
        if draw(st.booleans()):
            body["top_p"] = draw(st.floats(0.95, 1.0))
    else:
        sampling = draw(st.sampled_from(["none", "temperature", "top_p"]))
        if sampling != "none":
            body[sampling] = draw(st.floats(0.0, 1.0))
        if draw(st.booleans()):
            body["top_k"] = draw(st.integers(1, 500))
    if draw(st.booleans()):
        body["stop_sequences"] = draw(st.lists(TEXT, min_size=1, max_size=3))
    tools = []
    for name in draw(st.lists(st.sampled_from(["Read", "Bash", "Edit"]), max_size=3, unique=True)):
        tool: JSONObject = {
            "name": name,
            "input_schema": {
                "type": "object",
                "properties": {"p": {"type": draw(st.sampled_from(["string", "OBJECT"]))}},
            },
        }
        if draw(st.booleans()):
            tool["description"] = draw(TEXT)
        if draw(st.booleans()):
            tool["strict"] = draw(st.booleans())
        tools.append(_with_cache(tool, draw(CACHE)))
    if draw(st.booleans()):
        tools.append(
            {"type": "web_search_20250305", "name": "web_search", "max_uses": draw(st.integers(1, 5))}
        )
    if tools:
        body["tools"] = tools
        choice = draw(st.sampled_from([None, "auto", "any", "none", "tool"]))
        if choice is not None:
            body["tool_choice"] = (
                {"type": choice, "name": tools[0]["name"]} if choice == "tool" else {"type": choice}
            )
            if choice != "none" and draw(st.booleans()):
                body["tool_choice"]["disable_parallel_tool_use"] = draw(st.booleans())
    if draw(st.booleans()):
        body["metadata"] = {"user_id": draw(TEXT)}
    for key in draw(
        st.lists(
            st.sampled_from(["context_management", "service_tier", "betas", "mcp_servers", "container"]),
            unique=True,
        )
    ):
        body[key] = draw(JSON_VALUES)
    if draw(st.booleans()):
        body["stream"] = draw(st.booleans())
    return body


def _normal(body: JSONObject) -> JSONObject:
    """Equivalent spellings made equal: string content → one text block, no ``stream: false`` …"""
    out = {k: v for k, v in body.items() if not (k == "stream" and v is False)}
    if isinstance(out.get("system"), str):
        out["system"] = [{"type": "text", "text": out["system"]}]
    out["messages"] = [
        {**m, "content": [_normal_block(b) for b in _blocks(m["content"])]} for m in out["messages"]
    ]
    return out


def _blocks(content: Any) -> list[JSONObject]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def _normal_block(block: JSONObject) -> JSONObject:
    if block["type"] != "tool_result":
        return block
    out = {k: v for k, v in block.items() if k != "content"}
    if (content := _blocks(block.get("content", []))) != [{"type": "text", "text": ""}] or "content" in block:
        out["content"] = content
    if not out.get("content"):
        out.pop("content", None)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claude_requests())
def test_claude_requests_survive_parse_and_build(body: JSONObject) -> None:
    request = claude.parse_request(body)
    built = claude.build_request(request, ir.BuildContext(body["model"], stream=request.stream))
    assert _normal(built) == _normal(body)


# -- stream encoder invariants -----------------------------------------------------------------

EVENTS = st.one_of(
    st.builds(
        ir.StreamStart,
        st.just("up"),
        st.just("m"),
        st.none() | st.builds(ir.Usage, st.integers(0, 99), st.integers(0, 9)),
    ),
    st.builds(ir.StreamText, st.text(max_size=3)),
    st.builds(
        ir.StreamThinking, st.text(max_size=3), st.sampled_from(["", "sig"]), st.sampled_from(["", "red"])
    ),
    st.builds(ir.StreamToolCallStart, st.integers(0, 2), st.sampled_from(["", "call_1"]), st.just("f")),
    st.builds(ir.StreamToolCallArgs, st.integers(0, 2), st.sampled_from(["", "{", "}"])),
    st.builds(ir.StreamToolCallEnd, st.integers(0, 2)),
    st.builds(ir.StreamUsage, st.builds(ir.Usage, st.integers(0, 99), st.integers(0, 99), st.integers(0, 9))),
    st.builds(ir.StreamFinish, st.sampled_from(["stop", "length", "tool_calls", "refusal", "pause"])),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(EVENTS, max_size=25), st.booleans())
def test_encoder_always_writes_a_well_formed_stream(events: list[ir.StreamEvent], fail: bool) -> None:
    encoder = claude.new_encoder(ir.ResponseContext("msg_x", 0, "m", new_id=lambda p: p + "1"))
    raw = b"".join(encoder.encode(e) for e in events)
    if fail:
        raw += encoder.encode(ir.StreamError("boom"))
    raw += encoder.finish()
    frames = [(e.event, json.loads(e.data)) for e in SSEParser().feed(raw)]
    assert all(name == data["type"] for name, data in frames)
    names = [name for name, _ in frames]
    if fail:
        assert names[-1] == "error" and names.count("error") == 1
        names = names[:-1]
    else:
        assert names[-2:] == ["message_delta", "message_stop"]
        assert names.count("message_delta") == names.count("message_stop") == 1
    if names:
        assert names[0] == "message_start" and names.count("message_start") == 1
    open_index, next_index = None, 0
    for name, data in frames:
        if name == "content_block_start":
            assert open_index is None and data["index"] == next_index
            open_index, next_index = data["index"], next_index + 1
        elif name in ("content_block_delta", "content_block_stop"):
            assert data["index"] == open_index
            if name == "content_block_stop":
                open_index = None
        elif name == "message_delta":
            assert open_index is None
            after = [n for n, _ in frames][[n for n, _ in frames].index("message_delta") + 1 :]
            assert after in (["message_stop"], ["error"])  # nothing but the end follows
    if not fail:
        assert open_index is None
