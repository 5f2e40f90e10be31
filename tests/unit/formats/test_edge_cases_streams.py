"""translation.md §8 edge cases on answers and streams — thinking (32–33), streams, usage and
termination (34–43) — from upstream events through the IR to each client's bytes."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest

from server.formats import claude, ir, openai_chat
from server.formats.assemble import StreamAssembler
from server.formats.sse import SSEParser
from server.jsontypes import JSONObject
from tests.unit.formats.edge_support import (
    CODEX_RESPONSE,
    CODEX_USAGE,
    FORMATS,
    chat_chunk,
    chat_chunks,
    claude_blocks,
    codex,
    ctx,
    decode,
    events,
    gemini_chunk,
    names,
    pipe,
)

# -- thinking --------------------------------------------------------------------------------------


def test_case_32_codex_summary_parts_become_one_signed_claude_thinking_block() -> None:
    where = {"item_id": "rs_1", "output_index": 0}
    frames = [
        codex("response.created", response=CODEX_RESPONSE),
        codex(
            "response.output_item.added",
            output_index=0,
            item={"id": "rs_1", "type": "reasoning", "summary": []},
        ),
        codex("response.reasoning_summary_part.added", **where, summary_index=0),
        codex("response.reasoning_summary_text.delta", **where, summary_index=0, delta="Plan"),
        codex("response.reasoning_summary_part.done", **where, summary_index=0),
        codex("response.reasoning_summary_part.added", **where, summary_index=1),
        codex("response.reasoning_summary_text.delta", **where, summary_index=1, delta="More"),
        codex("response.reasoning_summary_part.done", **where, summary_index=1),
        codex(
            "response.output_item.done",
            output_index=0,
            item={
                "id": "rs_1",
                "type": "reasoning",
                "summary": [
                    {"type": "summary_text", "text": "Plan"},
                    {"type": "summary_text", "text": "More"},
                ],
                "encrypted_content": "gAAAAAenc",
            },
        ),
        codex("response.completed", response={**CODEX_RESPONSE, "status": "completed", "usage": CODEX_USAGE}),
    ]
    blocks, reason = claude_blocks(pipe("responses", frames, "claude"))
    assert blocks == [{"type": "thinking", "thinking": "Plan\n\nMore", "signature": "gAAAAAenc"}]
    assert reason == "end_turn"


def test_case_33_bare_gemini_signature_signs_the_thinking_block_and_is_invisible_to_openai() -> None:
    frames = [
        gemini_chunk([{"text": "think", "thought": True}]),
        gemini_chunk([{"text": "", "thoughtSignature": "c2lnMQ=="}]),
        gemini_chunk([{"text": "Answer"}], "STOP", usage=True),
    ]
    blocks, reason = claude_blocks(pipe("gemini", frames, "claude"))
    assert blocks == [
        {"type": "thinking", "thinking": "think", "signature": "c2lnMQ=="},
        {"type": "text", "text": "Answer"},
    ]
    deltas = [c["choices"][0]["delta"] for c in chat_chunks(pipe("gemini", frames, "chat"))]
    assert deltas == [{"role": "assistant"}, {"reasoning_content": "think"}, {"content": "Answer"}, {}]


# -- streams, usage, termination -------------------------------------------------------------------


def test_case_34_usage_after_the_finish_chunk_reaches_claude_and_responses() -> None:
    frames = [
        chat_chunk({"role": "assistant", "content": ""}),
        chat_chunk({"content": "Hi"}),
        chat_chunk({}, "stop"),
        chat_chunk(usage={"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}),
        "[DONE]",
    ]
    (delta,) = [d for name, d in events(pipe("chat", frames, "claude")) if name == "message_delta"]
    assert delta["usage"] == {
        "input_tokens": 10,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 2,
    }
    (completed,) = [
        d for name, d in events(pipe("chat", frames, "responses")) if name == "response.completed"
    ]
    assert completed["response"]["usage"] == {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": 2,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 12,
    }


@pytest.mark.parametrize(
    "ending", [["[DONE]"], []], ids=["case-35-done-without-finish", "case-35-connection-closed"]
)
def test_case_35_terminal_sequence_exactly_once_without_a_finish_reason(ending: list[str]) -> None:
    frames = [chat_chunk({"role": "assistant"}), chat_chunk({"content": "Hi"}), *ending]
    claude_names = names(pipe("chat", frames, "claude"))
    assert claude_names.count("message_delta") == claude_names.count("message_stop") == 1
    assert claude_names[-1] == "message_stop"
    responses_names = names(pipe("chat", frames, "responses"))
    assert responses_names.count("response.completed") == 1 and responses_names[-1] == "response.completed"
    raw = pipe("chat", frames, "chat")
    assert raw.count(b"data: [DONE]") == 1 and raw.endswith(b"data: [DONE]\n\n")
    gemini_chunks = chat_chunks(pipe("chat", frames, "gemini"))
    assert [c["candidates"][0].get("finishReason") for c in gemini_chunks] == [None, "STOP"]


def _codex_tool_turn() -> list[tuple[str, JSONObject]]:
    message = {"id": "msg_1", "type": "message", "role": "assistant"}
    call = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "ls"}
    return [
        codex("response.created", response=CODEX_RESPONSE),
        codex(
            "response.output_item.added",
            output_index=0,
            item={**message, "status": "in_progress", "content": []},
        ),
        codex("response.output_text.delta", item_id="msg_1", output_index=0, content_index=0, delta="Hi"),
        codex(
            "response.output_item.done",
            output_index=0,
            item={**message, "status": "completed", "content": [{"type": "output_text", "text": "Hi"}]},
        ),
        codex(
            "response.output_item.added",
            output_index=1,
            item={**call, "status": "in_progress", "arguments": ""},
        ),
        codex("response.function_call_arguments.delta", item_id="fc_1", output_index=1, delta="{}"),
        codex(
            "response.output_item.done",
            output_index=1,
            item={**call, "status": "completed", "arguments": "{}"},
        ),
    ]


def test_case_39_empty_completed_output_is_rebuilt_from_the_items() -> None:
    assembler = StreamAssembler()
    done = codex(
        "response.completed",
        response={**CODEX_RESPONSE, "status": "completed", "output": [], "usage": CODEX_USAGE},
    )
    for event in decode("responses", [*_codex_tool_turn(), done]):
        assembler.feed(event)
    assert assembler.completed and assembler.error is None
    out: Any = openai_chat.build_response(assembler.response(), ctx())
    assert out["choices"][0]["message"] == {
        "role": "assistant",
        "content": "Hi",
        "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}],
    }
    assert out["choices"][0]["finish_reason"] == "tool_calls"
    assert out["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


def test_case_39_codex_stream_closing_early_is_a_408() -> None:
    assembler = StreamAssembler()
    for event in decode("responses", _codex_tool_turn()):
        assembler.feed(event)
    assert not assembler.completed
    assert assembler.error is not None and assembler.error.status == 408
    assert assembler.error.message == (
        "stream error: stream disconnected before completion: stream closed before response.completed"
    )


TRUNCATED = [
    pytest.param(
        "gemini", [gemini_chunk([{"text": "partial"}], "MAX_TOKENS", usage=True)], id="case-40-gemini"
    ),
    pytest.param(
        "chat",
        [chat_chunk({"role": "assistant", "content": "partial"}), chat_chunk({}, "length"), "[DONE]"],
        id="case-40-openai",
    ),
    pytest.param(
        "responses",
        [
            codex("response.created", response=CODEX_RESPONSE),
            codex(
                "response.output_text.delta", item_id="m", output_index=0, content_index=0, delta="partial"
            ),
            codex(
                "response.incomplete",
                response={
                    **CODEX_RESPONSE,
                    "status": "incomplete",
                    "incomplete_details": {"reason": "max_output_tokens"},
                },
            ),
        ],
        id="case-40-codex",
    ),
]


@pytest.mark.parametrize(("upstream", "frames"), TRUNCATED)
def test_case_40_truncation_in_every_client_vocabulary(upstream: str, frames: list[Any]) -> None:
    _, reason = claude_blocks(pipe(upstream, frames, "claude"))
    assert reason == "max_tokens"
    finishes = [c["choices"][0]["finish_reason"] for c in chat_chunks(pipe(upstream, frames, "chat"))]
    assert finishes[-1] == "length"
    name, last = events(pipe(upstream, frames, "responses"))[-1]
    assert name == "response.incomplete"
    assert last["response"]["status"] == "incomplete"
    assert last["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    gemini_chunks = chat_chunks(pipe(upstream, frames, "gemini"))
    assert gemini_chunks[-1]["candidates"][0]["finishReason"] == "MAX_TOKENS"


@pytest.mark.parametrize(
    ("client", "path"),
    [
        ("chat", ("model",)),
        ("responses", ("model",)),
        ("claude", ("model",)),
        ("gemini", ("modelVersion",)),
    ],
    ids=["case-42-chat", "case-42-responses", "case-42-claude", "case-42-gemini"],
)
def test_case_42_answers_echo_the_model_the_client_asked_for(client: str, path: tuple[str]) -> None:
    answer = ir.Response(id="up-1", model="gemini-2.5-flash-001", parts=[ir.TextPart("hi")])
    context = ctx("gemini-2.5-flash(high)")
    assert FORMATS[client].build_response(answer, context)[path[0]] == "gemini-2.5-flash(high)"
    stream = pipe("gemini", [gemini_chunk([{"text": "hi"}], "STOP", usage=True)], client, context)
    models = {_model_of(data) for _, data in events(stream) if data != "[DONE]"}
    assert models - {None} == {"gemini-2.5-flash(high)"}


def _model_of(data: JSONObject) -> str | None:
    for holder in (data, data.get("message"), data.get("response")):
        if isinstance(holder, dict):
            for key in ("model", "modelVersion"):
                if isinstance(holder.get(key), str):
                    return str(holder[key])
    return None


async def test_case_43_compressed_claude_answers_are_decoded_before_parsing() -> None:
    events = [
        (
            "message_start",
            {"type": "message_start", "message": {"id": "msg_1", "model": "claude", "usage": {}}},
        ),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    sse = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()
    asked: list[str] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers.get("accept-encoding", ""))
        return httpx.Response(200, headers={"content-encoding": "gzip"}, content=gzip.compress(sse))

    async with httpx.AsyncClient(transport=httpx.MockTransport(upstream)) as client:
        request = client.build_request("POST", "https://api.anthropic.test/v1/messages")
        response = await client.send(request, stream=True)
        parser, decoder = SSEParser(), claude.new_decoder()
        texts = []
        async for chunk in response.aiter_bytes():
            for event in parser.feed(chunk):
                texts += [e.text for e in decoder.feed(event) if isinstance(e, ir.StreamText)]
        await response.aclose()
    assert texts == ["Hi"]
    # only encodings httpx decodes are ever asked for, so br / zstd bodies cannot arrive
    assert set(asked[0].replace(" ", "").split(",")) <= {"gzip", "deflate", "br", "zstd"}
    assert (
        httpx.Response(200, headers={"content-encoding": "gzip"}, content=gzip.compress(b"{}")).json() == {}
    )
