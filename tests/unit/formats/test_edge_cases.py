"""translation.md §8 edge cases 1–15 (tool calls and ids), end to end through the format modules.

Each test chains the module functions the pipeline chains — the client format's ``parse_request``
into the upstream format's ``build_request``, an upstream decoder into a client encoder, an upstream
``parse_response`` into a client ``build_response`` — so a case passes only when both sides agree.
The other cases are in ``test_edge_cases_requests.py`` (16–31, 46–50) and
``test_edge_cases_streams.py`` (32–45); docs/translation-edge-cases.md maps every case to its tests.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.formats import claude, gemini, ir, openai_chat
from server.formats.gemini_parts import derived_call_id
from server.jsontypes import JSONObject
from server.providers.antigravity_body import antigravity_body
from server.providers.gemini_cli import code_assist_envelope
from tests.unit.formats.edge_support import (
    CODEX_RESPONSE,
    CODEX_USAGE,
    SKIP,
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
    tool_delta,
    up,
)

# -- tool calls and ids --------------------------------------------------------------------------


def test_case_1_gemini_call_then_stop_is_still_a_tool_turn() -> None:
    frames = [
        gemini_chunk([{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]),
        gemini_chunk([], "STOP", usage=True),
    ]
    chunks = chat_chunks(pipe("gemini", frames, "chat"))
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "tool_calls"
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]].count(None) == len(chunks) - 1
    blocks, reason = claude_blocks(pipe("gemini", frames, "claude"))
    assert reason == "tool_use"
    assert [(b["type"], b.get("name"), b.get("input")) for b in blocks] == [
        ("tool_use", "get_weather", {"city": "Paris"})
    ]


def test_case_2_replayed_calls_carry_the_bypass_signature_in_every_google_envelope() -> None:
    body = {
        "model": "gpt",
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "a.txt"},
        ],
    }
    sent = up("chat", body, "gemini", model="gemini-3-pro-preview")
    call = {"functionCall": {"id": "call_1", "name": "ls", "args": {}}, **SKIP}
    assert sent["contents"][1] == {"role": "model", "parts": [call]}
    cli = code_assist_envelope(sent, "gemini-3-pro-preview", "proj")
    assert cli["request"]["contents"][1]["parts"] == [call]
    agy = antigravity_body(sent, "gemini-3-pro-high", project="p", request_id="r", session_id="s")
    assert agy["request"]["contents"][1]["parts"] == [call]


def _gemini_history(with_ids: bool) -> JSONObject:
    def call(n: int, name: str, arg: str) -> JSONObject:
        inner: JSONObject = {"name": name, "args": {"q": arg}}
        return {"functionCall": {"id": f"c{n}", **inner} if with_ids else inner}

    def result(n: int, name: str, text: str) -> JSONObject:
        inner: JSONObject = {"name": name, "response": {"result": text}}
        return {"functionResponse": {"id": f"c{n}", **inner} if with_ids else inner}

    return {
        "contents": [
            {"role": "user", "parts": [{"text": "weather in Paris and Rome, and the time"}]},
            {
                "role": "model",
                "parts": [call(1, "weather", "Paris"), call(2, "clock", "UTC"), call(3, "weather", "Rome")],
            },
            {
                "role": "user",
                "parts": [
                    result(3, "weather", "rain"),
                    result(2, "clock", "noon"),
                    result(1, "weather", "sun"),
                ]
                if with_ids
                else [result(2, "clock", "noon"), result(1, "weather", "sun"), result(3, "weather", "rain")],
            },
        ]
    }


@pytest.mark.parametrize("with_ids", [True, False], ids=["case-3-paired-by-id", "case-3-per-name-fifo"])
def test_case_3_same_name_parallel_calls_pair_with_their_results(with_ids: bool) -> None:
    if with_ids:
        ids = {1: "c1", 2: "c2", 3: "c3"}
    else:  # derived from the name and the call's ordinal in the conversation
        ids = {
            1: derived_call_id("weather", 0),
            2: derived_call_id("clock", 1),
            3: derived_call_id("weather", 2),
        }
    body = _gemini_history(with_ids)
    chat = up("gemini", body, "chat")["messages"]
    assert [c["id"] for c in chat[1]["tool_calls"]] == [ids[1], ids[2], ids[3]]
    results = {m["tool_call_id"]: m["content"] for m in chat[2:]}
    assert results == {ids[1]: "sun", ids[2]: "noon", ids[3]: "rain"}
    codex = up("gemini", body, "responses")["input"]
    calls = {i["call_id"]: json.loads(i["arguments"]) for i in codex if i["type"] == "function_call"}
    outputs = {i["call_id"]: i["output"] for i in codex if i["type"] == "function_call_output"}
    assert calls == {ids[1]: {"q": "Paris"}, ids[2]: {"q": "UTC"}, ids[3]: {"q": "Rome"}}
    assert outputs == {ids[1]: "sun", ids[2]: "noon", ids[3]: "rain"}


def test_case_3_ids_of_an_openai_answer_reach_the_gemini_client() -> None:
    answer = {
        "id": "chatcmpl-1",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_a",
                            "type": "function",
                            "function": {"name": "weather", "arguments": '{"q":"Paris"}'},
                        },
                        {
                            "id": "call_b",
                            "type": "function",
                            "function": {"name": "weather", "arguments": '{"q":"Rome"}'},
                        },
                    ],
                },
            }
        ],
    }
    out: Any = gemini.build_response(openai_chat.parse_response(answer), ctx())
    assert out["candidates"][0]["content"]["parts"] == [
        {"functionCall": {"id": "call_a", "name": "weather", "args": {"q": "Paris"}}},
        {"functionCall": {"id": "call_b", "name": "weather", "args": {"q": "Rome"}}},
    ]


def test_case_7_first_chunk_is_a_tool_call_without_role() -> None:
    frames = [
        tool_delta(0, "call_1", "ls", ""),
        tool_delta(0, args='{"p":"."}'),
        chat_chunk({}, "tool_calls"),
        "[DONE]",
    ]
    raw = pipe("chat", frames, "claude")
    assert names(raw) == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    blocks, reason = claude_blocks(raw)
    assert (blocks, reason) == (
        [{"type": "tool_use", "id": "call_1", "name": "ls", "input": {"p": "."}}],
        "tool_use",
    )


def test_case_8_nameless_call_is_tool_index_and_empty_fragment_is_ignored() -> None:
    frames = [
        chat_chunk({"role": "assistant"}),
        tool_delta(0, "call_x", args='{"a":1}'),
        tool_delta(1),
        chat_chunk({}, "tool_calls"),
        "[DONE]",
    ]
    blocks, reason = claude_blocks(pipe("chat", frames, "claude"))
    assert (blocks, reason) == (
        [{"type": "tool_use", "id": "call_x", "name": "tool_0", "input": {"a": 1}}],
        "tool_use",
    )


def test_case_9_codex_arguments_reach_the_client_exactly_once() -> None:
    added = codex(
        "response.output_item.added",
        output_index=0,
        item={"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "ls", "arguments": ""},
    )
    done_item = {
        "id": "fc_1",
        "type": "function_call",
        "call_id": "call_1",
        "name": "ls",
        "arguments": '{"p":1}',
    }
    head = [codex("response.created", response=CODEX_RESPONSE), added]
    delta = codex("response.function_call_arguments.delta", item_id="fc_1", output_index=0, delta='{"p":1}')
    args_done = codex(
        "response.function_call_arguments.done", item_id="fc_1", output_index=0, arguments='{"p":1}'
    )
    item_done = codex("response.output_item.done", output_index=0, item=done_item)
    end = codex(
        "response.completed", response={**CODEX_RESPONSE, "status": "completed", "usage": CODEX_USAGE}
    )
    for middle in ([delta, args_done, item_done], [args_done, item_done], [item_done]):
        raw = pipe("responses", [*head, *middle, end], "chat")
        pieces = [
            call["function"]["arguments"]
            for chunk in chat_chunks(raw)
            for choice in chunk["choices"]
            for call in choice["delta"].get("tool_calls", [])
        ]
        assert "".join(pieces) == '{"p":1}'


def test_case_10_text_and_tool_calls_make_one_gemini_model_turn() -> None:
    body = {
        "model": "gpt",
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": "Let me check.",
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": '{"p":"."}'}}
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "a.txt"},
        ],
    }
    assert up("chat", body, "gemini")["contents"] == [
        {"role": "user", "parts": [{"text": "hi"}]},
        {
            "role": "model",
            "parts": [
                {"text": "Let me check."},
                {"functionCall": {"id": "call_1", "name": "ls", "args": {"p": "."}}, **SKIP},
            ],
        },
        {
            "role": "user",
            "parts": [{"functionResponse": {"id": "call_1", "name": "ls", "response": {"result": "a.txt"}}}],
        },
    ]


@pytest.mark.parametrize("content", [None, ""], ids=["case-11-content-null", "case-11-content-empty"])
def test_case_11_tool_call_turn_to_codex_has_no_empty_message(content: str | None) -> None:
    body = {
        "model": "gpt",
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": content,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "a.txt"},
        ],
    }
    assert up("chat", body, "responses")["input"] == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        {"type": "function_call", "call_id": "call_1", "name": "ls", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "a.txt"},
    ]


def test_case_12_consecutive_function_calls_become_one_assistant_message() -> None:
    body = {
        "model": "gpt-5",
        "input": [
            {"role": "user", "content": "two files"},
            {"type": "function_call", "call_id": "c1", "name": "read", "arguments": '{"p":"a"}'},
            {"type": "function_call", "call_id": "c2", "name": "read", "arguments": '{"p":"b"}'},
            {"type": "function_call_output", "call_id": "c1", "output": "A"},
            {"type": "function_call_output", "call_id": "c2", "output": "B"},
        ],
    }
    assert up("responses", body, "chat")["messages"] == [
        {"role": "user", "content": "two files"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "read", "arguments": '{"p":"a"}'}},
                {"id": "c2", "type": "function", "function": {"name": "read", "arguments": '{"p":"b"}'}},
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "A"},
        {"role": "tool", "tool_call_id": "c2", "content": "B"},
    ]


def test_case_13_claude_gets_alternating_turns_deduplicated_results_and_tool_use_last() -> None:
    body = {
        "model": "gpt",
        "messages": [
            {"role": "user", "content": "a"},
            {"role": "user", "content": "b"},
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "first"},
            {"role": "tool", "tool_call_id": "call_1", "content": "second"},
            {"role": "user", "content": "thanks"},
        ],
    }
    assert up("chat", body, "claude")["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "call_1", "name": "ls", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "second"},
                {"type": "text", "text": "thanks"},
            ],
        },
    ]
    responses = {
        "model": "gpt-5",
        "input": [
            {"role": "user", "content": "go"},
            {"type": "function_call", "call_id": "c1", "name": "ls", "arguments": "{}"},
            {"role": "assistant", "content": [{"type": "output_text", "text": "Listing."}]},
        ],
    }
    assert up("responses", responses, "claude")["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Listing."},
            {"type": "tool_use", "id": "c1", "name": "ls", "input": {}},
        ],
    }


def test_case_14_tool_messages_come_before_the_user_text_of_their_turn() -> None:
    body = {
        "model": "claude",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": "list"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Sure."},
                    {"type": "tool_use", "id": "toolu_01", "name": "ls", "input": {}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "now read it"},
                    {"type": "tool_result", "tool_use_id": "toolu_01", "content": "a.txt"},
                ],
            },
        ],
    }
    assert up("claude", body, "chat")["messages"] == [
        {"role": "user", "content": "list"},
        {
            "role": "assistant",
            "content": "Sure.",
            "tool_calls": [
                {"id": "toolu_01", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_01", "content": "a.txt"},
        {"role": "user", "content": "now read it"},
    ]


BROKEN_ARGUMENTS = [
    pytest.param(
        "{'path': 'a.txt', 'all': True}", {"path": "a.txt", "all": True}, None, id="case-15-single-quotes"
    ),
    pytest.param('{"path": "it\'s"}', {"path": "it's"}, None, id="case-15-apostrophe-inside-double-quotes"),
    pytest.param('{"code": "a\nb"}', {"code": "a\nb"}, None, id="case-15-raw-newline-in-a-string"),
    pytest.param('{"path":"a.txt"} trailing', {"path": "a.txt"}, None, id="case-15-trailing-garbage"),
    # streamed, '{"a": 1, "b":' was passed on before the fault showed: it is closed instead
    pytest.param(
        '{"a": 1, "b": oops, "c": 2}', {"a": 1}, {"a": 1, "b": None}, id="case-15-salvaged-key-by-key"
    ),
    pytest.param("not json at all", {}, None, id="case-15-nothing-to-salvage"),
]


@pytest.mark.parametrize(("arguments", "expected", "streamed"), BROKEN_ARGUMENTS)
def test_case_15_invalid_tool_arguments_are_repaired_never_fatal(
    arguments: str, expected: JSONObject, streamed: JSONObject | None
) -> None:
    half = len(arguments) // 2
    frames = [
        tool_delta(0, "call_1", "read", arguments[:half]),
        tool_delta(0, args=arguments[half:]),
        chat_chunk({}, "tool_calls"),
        "[DONE]",
    ]
    blocks, _ = claude_blocks(pipe("chat", frames, "claude"))
    assert blocks == [{"type": "tool_use", "id": "call_1", "name": "read", "input": streamed or expected}]
    chunks = chat_chunks(pipe("chat", frames, "gemini"))
    calls = [
        p["functionCall"]
        for c in chunks
        for p in c["candidates"][0]["content"]["parts"]
        if "functionCall" in p
    ]
    assert calls == [{"id": "call_1", "name": "read", "args": streamed or expected}]
    seen = events(pipe("chat", frames, "responses"))
    (done,) = [d for name, d in seen if name == "response.function_call_arguments.done"]
    assert json.loads(done["arguments"]) == (streamed or expected)
    answer = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "read", "arguments": arguments},
                        }
                    ],
                },
            }
        ]
    }
    message: Any = claude.build_response(openai_chat.parse_response(answer), ctx())
    assert message["content"] == [{"type": "tool_use", "id": "call_1", "name": "read", "input": expected}]


def test_case_15_valid_arguments_still_stream_piece_by_piece() -> None:
    frames = [
        tool_delta(0, "call_1", "read", '{"path":'),
        tool_delta(0, args=' "a.txt"}'),
        chat_chunk({}, "tool_calls"),
        "[DONE]",
    ]
    deltas = [e.delta for e in decode("chat", frames) if isinstance(e, ir.StreamToolCallArgs)]
    assert deltas == ['{"path":', ' "a.txt"}']
