"""The fake upstream speaks each provider's wire format over real loopback HTTP and obeys its script."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import types

from tests.fakes import (
    CutStream,
    Fail,
    FakeUpstream,
    Hang,
    HtmlError,
    Malformed,
    Reply,
    ServerThread,
    Slow,
    start_fake_upstream,
)

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}
ARGS = {"city": "fake", "days": 1}
CHAT, RESPONSES, MESSAGES = "/v1/chat/completions", "/v1/responses", "/v1/messages?beta=true"
GEMINI = "/v1beta/models/gemini-2.5-flash:generateContent"
GEMINI_STREAM = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
HI = [{"role": "user", "content": "hi"}]


def chat(**extra: object) -> dict[str, object]:
    return {"model": "gpt-test", "messages": HI, **extra}


def resp(**extra: object) -> dict[str, object]:
    return {"model": "gpt-5", "input": "hi", **extra}


def claude(**extra: object) -> dict[str, object]:
    return {"model": "claude-test", "max_tokens": 64, "messages": HI, **extra}


def gemini(**extra: object) -> dict[str, object]:
    return {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], **extra}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeUpstream, ServerThread]]:
    fake, server = start_fake_upstream()
    yield fake, server
    server.stop()


@pytest.fixture
def fake(served: tuple[FakeUpstream, ServerThread]) -> FakeUpstream:
    served[0].reset()
    return served[0]


@pytest.fixture
def client(served: tuple[FakeUpstream, ServerThread]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served[1].url, timeout=10) as http:
        yield http


def sse_events(raw: str) -> list[tuple[str | None, str]]:
    """(event name, data text) per SSE event, CRLF tolerant."""
    events = []
    for block in filter(str.strip, raw.replace("\r\n", "\n").split("\n\n")):
        lines = block.split("\n")
        name = next((line[7:] for line in lines if line.startswith("event: ")), None)
        data = [line[6:] for line in lines if line.startswith("data: ")]
        if data:
            events.append((name, "\n".join(data)))
    return events


def payloads(client: httpx.Client, path: str, body: object) -> list[dict]:
    return [json.loads(data) for _, data in sse_events(client.post(path, json=body).text) if data != "[DONE]"]


# --- answers -------------------------------------------------------------------------------------


def text_of_gemini(r: dict) -> str:
    return r["candidates"][0]["content"]["parts"][0]["text"]


@pytest.mark.parametrize(
    ("path", "body", "model", "read"),
    [
        (CHAT, chat(), "gpt-test", lambda r: r["choices"][0]["message"]["content"]),
        (RESPONSES, resp(), "gpt-5", lambda r: r["output"][0]["content"][0]["text"]),
        (MESSAGES, claude(), "claude-test", lambda r: r["content"][0]["text"]),
        (GEMINI, gemini(), "gemini-2.5-flash", text_of_gemini),
        ("/v1/publishers/google/models/g-pro:generateContent", gemini(), "g-pro", text_of_gemini),
        ("/v1internal:generateContent", {"model": "cli-m", "request": gemini()}, "cli-m", lambda r: None),
    ],
    ids=["chat", "responses", "claude", "gemini", "vertex", "gemini-cli"],
)
def test_non_stream_answer_echoes_model_and_text(fake, client, path, body, model, read):
    fake.configure(text="configured reply")
    response = client.post(path, json=body)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    data = response.json()
    inner = data.get("response", data)
    assert (read(data) or text_of_gemini(inner)) == "configured reply"
    assert (inner.get("model") or inner.get("modelVersion")) == model


def test_non_stream_ids_usage_and_stop_fields(fake, client):
    data = client.post(CHAT, json=chat()).json()
    assert data["object"] == "chat.completion" and data["id"].startswith("chatcmpl-")
    assert data["choices"][0]["finish_reason"] == "stop"
    assert data["choices"][0]["message"]["content"] == "Hello from openai fake"
    assert (
        data["usage"]["prompt_tokens"],
        data["usage"]["completion_tokens"],
        data["usage"]["total_tokens"],
    ) == (
        11,
        7,
        18,
    )
    data = client.post(MESSAGES, json=claude()).json()
    assert data["id"].startswith("msg_") and data["stop_reason"] == "end_turn"
    assert (data["usage"]["input_tokens"], data["usage"]["output_tokens"]) == (11, 7)
    data = client.post(RESPONSES, json=resp(instructions="be brief")).json()
    assert (data["object"], data["status"], data["instructions"]) == ("response", "completed", "be brief")
    assert data["usage"]["total_tokens"] == 18
    data = client.post(GEMINI, json=gemini()).json()
    assert data["candidates"][0]["finishReason"] == "STOP"
    assert (data["usageMetadata"]["candidatesTokenCount"], data["usageMetadata"]["totalTokenCount"]) == (
        7,
        18,
    )


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/v1/messages/count_tokens?beta=true", claude(), {"input_tokens": 11}),
        (
            "/v1beta/models/g:countTokens",
            gemini(),
            {"totalTokens": 11, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 11}]},
        ),
    ],
    ids=["claude", "gemini"],
)
def test_count_tokens(fake, client, path, body, expected):
    assert client.post(path, json=body).json() == expected


# --- streams -------------------------------------------------------------------------------------


@pytest.mark.parametrize("include_usage", [True, False], ids=["include-usage", "no-usage"])
def test_chat_stream_order_ends_with_done(fake, client, include_usage):
    body = chat(stream=True, stream_options={"include_usage": include_usage})
    response = client.post(CHAT, json=body)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == (None, "[DONE]") and all(name is None for name, _ in events)
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert {(c["object"], c["model"]) for c in chunks} == {("chat.completion.chunk", "gpt-test")}
    choices = [c["choices"][0] for c in chunks if c["choices"]]
    assert choices[0]["delta"]["role"] == "assistant"
    assert "".join(c["delta"].get("content") or "" for c in choices) == "Hello from openai fake"
    assert [c["finish_reason"] for c in choices] == [None, None, None, None, "stop"]
    usage = [c["usage"] for c in chunks if c.get("usage")]
    assert usage == ([chunks[-1]["usage"]] if include_usage else [])
    assert not include_usage or (chunks[-1]["choices"] == [] and usage[0]["total_tokens"] == 18)


def test_responses_stream_order(fake, client):
    events = payloads(client, RESPONSES, resp(stream=True))
    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * 3,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e["sequence_number"] for e in events] == list(range(11))
    names = [name for name, _ in sse_events(client.post(RESPONSES, json=resp(stream=True)).text)]
    assert names == [e["type"] for e in events]
    assert (
        events[7]["text"]
        == events[-1]["response"]["output"][0]["content"][0]["text"]
        == "Hello from responses fake"
    )
    assert events[-1]["response"]["usage"]["output_tokens"] == 7


def test_claude_stream_order(fake, client):
    events = payloads(client, MESSAGES, claude(stream=True))
    assert [e["type"] for e in events] == [
        "message_start",
        "ping",
        "content_block_start",
        *["content_block_delta"] * 3,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[0]["message"]["model"] == "claude-test"
    assert "".join(e["delta"]["text"] for e in events[3:6]) == "Hello from claude fake"
    assert events[7]["delta"]["stop_reason"] == "end_turn" and events[7]["usage"] == {"output_tokens": 7}


def test_gemini_stream_uses_crlf_and_finishes_on_the_last_chunk(fake, client):
    raw = client.post(GEMINI_STREAM, json=gemini()).text
    assert raw.endswith("\r\n\r\n") and "\n\n" not in raw.replace("\r\n", "")
    chunks = [json.loads(data) for _, data in sse_events(raw)]
    assert "".join(text_of_gemini(c) for c in chunks) == "Hello from gemini fake"
    assert [c["candidates"][0].get("finishReason") for c in chunks] == [None, None, "STOP"]
    assert [c["usageMetadata"].get("candidatesTokenCount") for c in chunks] == [None, None, 7]
    alt_json = client.post("/v1beta/models/g:streamGenerateContent?$alt=json", json=gemini()).json()
    assert isinstance(alt_json, list) and len(alt_json) == 3


@pytest.mark.parametrize(
    ("path", "body", "piece"),
    [
        (CHAT, chat(stream=True), lambda e: e["choices"][0]["delta"].get("content") or ""),
        (MESSAGES, claude(stream=True), lambda e: e.get("delta", {}).get("text", "")),
        (
            RESPONSES,
            resp(stream=True),
            lambda e: e["delta"] if e["type"] == "response.output_text.delta" else "",
        ),
        (GEMINI_STREAM, gemini(), text_of_gemini),
    ],
    ids=["chat", "claude", "responses", "gemini"],
)
def test_thousand_chunk_stream_arrives_complete(fake, client, path, body, piece):
    fake.configure(payload_size=2000, chunks=1000)
    pieces = [piece(event) for event in payloads(client, path, body)]
    text = "".join(pieces)
    assert sum(1 for p in pieces if p) == 1000 and len(text) == 2000 and text.startswith("Hello from")


# --- tool calls ----------------------------------------------------------------------------------


def test_chat_tool_call(fake, client):
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": SCHEMA}}]
    choice = client.post(CHAT, json=chat(tools=tools)).json()["choices"][0]
    call = choice["message"]["tool_calls"][0]
    assert choice["finish_reason"] == "tool_calls" and call["id"].startswith("call_")
    assert (call["function"]["name"], json.loads(call["function"]["arguments"])) == ("get_weather", ARGS)
    chunks = payloads(client, CHAT, chat(tools=tools, stream=True))
    parts = [f for c in chunks for f in c["choices"][0]["delta"].get("tool_calls") or []]
    assert parts[0]["id"].startswith("call_") and parts[0]["function"]["name"] == "get_weather"
    assert len(parts) > 2 and json.loads("".join(f["function"]["arguments"] for f in parts)) == ARGS
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_responses_function_call(fake, client):
    fake.configure(tool_arguments={"city": "Paris"})
    tools = [{"type": "function", "name": "get_weather", "parameters": SCHEMA}]
    events = payloads(client, RESPONSES, resp(tools=tools, stream=True))
    item = events[2]["item"]
    assert item["type"] == "function_call" and item["call_id"].startswith("call_")
    deltas = [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"]
    assert json.loads("".join(deltas)) == {"city": "Paris"}
    assert events[-1]["response"]["output"][0]["arguments"] == '{"city":"Paris"}'
    assert client.post(RESPONSES, json=resp(tools=tools)).json()["output"][0]["name"] == "get_weather"


def test_claude_tool_use(fake, client):
    tools = [{"name": "get_weather", "input_schema": SCHEMA}]
    data = client.post(MESSAGES, json=claude(tools=tools)).json()
    block = data["content"][0]
    assert data["stop_reason"] == "tool_use" and block["id"].startswith("toolu_") and block["input"] == ARGS
    events = payloads(client, MESSAGES, claude(tools=tools, stream=True))
    assert events[2]["content_block"]["type"] == "tool_use"
    partial = "".join(e["delta"]["partial_json"] for e in events if e["type"] == "content_block_delta")
    assert json.loads(partial) == ARGS and events[-2]["delta"]["stop_reason"] == "tool_use"


def test_gemini_function_call(fake, client):
    tools = [{"functionDeclarations": [{"name": "get_weather", "parametersJsonSchema": SCHEMA}]}]
    candidate = client.post(GEMINI, json=gemini(tools=tools)).json()["candidates"][0]
    assert candidate["content"]["parts"] == [{"functionCall": {"name": "get_weather", "args": ARGS}}]
    assert candidate["finishReason"] == "STOP"
    last = payloads(client, GEMINI_STREAM, gemini(tools=tools))[-1]
    assert last["candidates"][0]["content"]["parts"][0]["functionCall"]["name"] == "get_weather"


TOOL = [{"type": "function", "function": {"name": "f"}}]
RESULT = [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (CHAT, chat(tools=TOOL, messages=[{"role": "tool", "tool_call_id": "call_1", "content": "x"}])),
        (CHAT, chat(tools=TOOL, tool_choice="none")),
        (MESSAGES, claude(tools=[{"name": "f"}], messages=[{"role": "user", "content": RESULT}])),
    ],
    ids=["chat-after-tool-result", "chat-tool-choice-none", "claude-after-tool-result"],
)
def test_text_answer_after_a_tool_result_or_tool_choice_none(fake, client, path, body):
    text = client.post(path, json=body).text
    assert "Hello from" in text and "tool_calls" not in text and "tool_use" not in text


# --- recording -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({"Authorization": "Bearer sk-chat"}, "", "sk-chat"),
        ({"X-Api-Key": "sk-ant"}, "", "sk-ant"),
        ({"x-goog-api-key": "AIza-goog"}, "", "AIza-goog"),
        ({}, "?key=AIza-query", "AIza-query"),
        ({}, "", ""),
    ],
    ids=["bearer", "x-api-key", "x-goog-api-key", "query-key", "none"],
)
def test_records_request_and_api_key(fake, client, headers, query, expected):
    client.post(GEMINI + query, json=gemini(), headers={**headers, "X-Custom": "v"})
    (record,) = fake.wait_for_requests(1)
    assert (record.method, record.path, record.api_key) == ("POST", GEMINI, expected)
    assert record.headers["x-custom"] == "v" and record.json == json.loads(record.body) == gemini()
    assert record.query == ({"key": "AIza-query"} if query else {})
    assert fake.requests_for(expected) == [record]
    fake.clear()
    assert fake.requests == []


def test_unknown_path_is_404_and_invalid_json_is_a_family_400(fake, client):
    assert client.post("/v1/unknown", json={}).status_code == 404
    response = client.post(MESSAGES, content=b"not json")
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"
    assert len(fake.requests) == 2


# --- scripted behaviours -------------------------------------------------------------------------


def test_per_key_script_a_gets_429_with_retry_info_b_succeeds(fake, client):
    fake.script("key-A", Fail(429, retry_after=12.5))
    a = client.post(GEMINI, json=gemini(), headers={"x-goog-api-key": "key-A"})
    b = client.post(GEMINI, json=gemini(), headers={"x-goog-api-key": "key-B"})
    error = a.json()["error"]
    assert (a.status_code, error["code"], error["status"]) == (429, 429, "RESOURCE_EXHAUSTED")
    assert error["details"] == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12.5s"}]
    assert b.status_code == 200
    assert client.post(GEMINI, json=gemini(), headers={"x-goog-api-key": "key-A"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "header", "error"),
    [
        (CHAT, chat(), "30", {"type": "rate_limit_error", "code": "rate_limit_exceeded"}),
        (MESSAGES, claude(), "30", {"type": "rate_limit_error"}),
        (RESPONSES, resp(stream=True), None, {"type": "usage_limit_reached", "resets_in_seconds": 30}),
        (GEMINI_STREAM, gemini(), None, {"status": "RESOURCE_EXHAUSTED", "details": [{"retryDelay": "30s"}]}),
    ],
    ids=["chat", "claude", "codex", "gemini"],
)
def test_429_carries_the_family_retry_hint(fake, client, path, body, header, error):
    fake.script(None, Fail(429, retry_after=30))
    response = client.post(path, json=body)
    assert response.status_code == 429 and response.headers.get("retry-after") == header
    got = response.json()["error"]
    for key, value in error.items():
        expected = [{**got[key][0], **value[0]}] if key == "details" else value
        assert got[key] == expected


@pytest.mark.parametrize(
    ("status", "path", "body", "field", "expected"),
    [
        (401, CHAT, chat(), "code", "invalid_api_key"),
        (500, CHAT, chat(), "type", "server_error"),
        (529, MESSAGES, claude(), "type", "overloaded_error"),
        (403, GEMINI, gemini(), "status", "PERMISSION_DENIED"),
    ],
    ids=["chat-401", "chat-500", "claude-529", "gemini-403"],
)
def test_fail_default_bodies_follow_the_family_shape(fake, client, status, path, body, field, expected):
    fake.script(None, Fail(status))
    response = client.post(path, json=body)
    assert response.status_code == status and response.json()["error"][field] == expected


def test_fail_with_custom_body_and_headers(fake, client):
    fake.script(None, Fail(503, body="no", headers={"Content-Type": "text/plain", "X-Why": "1"}))
    response = client.post(CHAT, json=chat())
    assert (response.status_code, response.text, response.headers["x-why"]) == (503, "no", "1")
    assert response.headers["content-type"].startswith("text/plain")


def test_queues_run_in_order_before_always_behaviours(fake, client):
    fake.always("bad", Fail(401))
    fake.script("bad", Reply(text="queued first"))
    fake.script(None, Fail(500), Fail(502))
    statuses = [
        client.post(MESSAGES, json=claude(), headers={"x-api-key": "bad"}).status_code for _ in range(3)
    ]
    assert statuses == [200, 500, 502] and fake.requests_for("bad")
    assert client.post(MESSAGES, json=claude(), headers={"x-api-key": "bad"}).status_code == 401
    assert client.post(MESSAGES, json=claude(), headers={"x-api-key": "good"}).status_code == 200
    fake.always("bad", None)
    assert client.post(MESSAGES, json=claude(), headers={"x-api-key": "bad"}).status_code == 200


def test_html_error_page(fake, client):
    fake.script(None, HtmlError(502))
    response = client.post(CHAT, json=chat())
    assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [(CHAT, chat(stream=True)), (MESSAGES, claude(stream=True)), (GEMINI_STREAM, gemini()), (CHAT, chat())],
    ids=["chat", "claude", "gemini", "non-stream"],
)
def test_malformed_answers_do_not_parse(fake, client, path, body):
    fake.script(None, Malformed())
    response = client.post(path, json=body)
    if "stream" in body or path == GEMINI_STREAM:
        good, broken = sse_events(response.text)
        json.loads(good[1])
        response = httpx.Response(200, content=broken[1])
    with pytest.raises(ValueError):
        response.json()


@pytest.mark.parametrize(
    ("path", "body", "events"),
    [
        (CHAT, chat(stream=True), 2),
        (RESPONSES, resp(stream=True), 2),
        (GEMINI_STREAM, gemini(), 2),
        (CHAT, chat(), 0),
    ],
    ids=["chat", "responses", "gemini", "non-stream"],
)
def test_cut_stream_drops_the_connection(fake, client, path, body, events):
    fake.configure(chunks=10)
    fake.script(None, CutStream(after_chunks=2))
    received = []
    with pytest.raises(httpx.RemoteProtocolError), client.stream("POST", path, json=body) as response:
        assert response.status_code == 200
        received.extend(response.iter_text())
    assert len(sse_events("".join(received))) == events


def test_slow_spaces_events_and_reply_overrides_text(fake, client):
    fake.script(None, Slow(delay_per_chunk=0.05), Reply(text="from B", chunks=1))
    started = time.monotonic()
    events = sse_events(client.post(CHAT, json=chat(stream=True)).text)
    assert time.monotonic() - started >= 0.045 * (len(events) - 1) and events[-1][1] == "[DONE]"
    chunks = payloads(client, CHAT, chat(stream=True))
    assert [c["choices"][0]["delta"].get("content") for c in chunks] == ["", "from B", None]


def test_hang_does_not_block_stop():
    fake = FakeUpstream()
    fake.always(None, Hang())
    server = ServerThread(fake.app, grace=0.2).start()
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(httpx.post(server.url + CHAT, json=chat(), timeout=10).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    fake.wait_for_requests(1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    caller.join(5)
    assert not caller.is_alive() and outcome and outcome[0] != 200


def test_server_thread_binds_a_free_port_and_stops():
    with ServerThread(FakeUpstream()) as server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
        assert httpx.post(server.url + CHAT, json=chat()).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.post(server.url + CHAT, json=chat())
    server.stop()  # idempotent


# --- official SDKs pointed directly at the fake --------------------------------------------------


def test_anthropic_sdk_parses_the_fake(fake, served):
    sdk = anthropic.Anthropic(api_key="sk-ant-test", base_url=served[1].url, max_retries=0)
    message = sdk.messages.create(model="claude-x", max_tokens=64, messages=HI)
    assert (message.content[0].text, message.model, message.usage.output_tokens) == (
        "Hello from claude fake",
        "claude-x",
        7,
    )
    with sdk.messages.stream(model="claude-x", max_tokens=64, messages=HI) as stream:
        assert "".join(stream.text_stream) == "Hello from claude fake"
    assert stream.get_final_message().stop_reason == "end_turn"
    tools = [{"name": "get_weather", "input_schema": SCHEMA}]
    with sdk.messages.stream(model="claude-x", max_tokens=64, messages=HI, tools=tools) as stream:
        assert stream.get_final_message().content[0].input == ARGS
    assert sdk.messages.count_tokens(model="claude-x", messages=HI).input_tokens == 11
    assert {record.api_key for record in fake.requests} == {"sk-ant-test"}


def test_openai_sdk_parses_chat_and_responses(fake, served):
    sdk = openai.OpenAI(api_key="sk-test", base_url=served[1].url + "/v1", max_retries=0)
    completion = sdk.chat.completions.create(model="gpt-4o", messages=HI)
    assert completion.choices[0].message.content == "Hello from openai fake"
    chunks = list(
        sdk.chat.completions.create(
            model="gpt-4o", messages=HI, stream=True, stream_options={"include_usage": True}
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello from openai fake"
    assert chunks[-1].usage.completion_tokens == 7
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": SCHEMA}}]
    with sdk.chat.completions.stream(model="gpt-4o", messages=HI, tools=tools) as stream:
        assert stream.get_final_completion().choices[0].message.tool_calls[0].function.name == "lookup"
    assert sdk.responses.create(model="gpt-5", input="hi").output_text == "Hello from responses fake"
    with sdk.responses.stream(model="gpt-5", input="hi") as stream:
        final = stream.get_final_response()
    assert final.output_text == "Hello from responses fake" and final.usage.output_tokens == 7


def test_google_genai_sdk_parses_the_fake(fake, served):
    sdk = genai.Client(api_key="AIza-test", http_options=types.HttpOptions(base_url=served[1].url))
    response = sdk.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert response.text == "Hello from gemini fake" and response.usage_metadata.total_token_count == 18
    streamed = list(sdk.models.generate_content_stream(model="gemini-2.5-flash", contents="hi"))
    assert "".join(chunk.text or "" for chunk in streamed) == "Hello from gemini fake"
    assert streamed[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert sdk.models.count_tokens(model="gemini-2.5-flash", contents="hi").total_tokens == 11
    assert fake.requests[-1].api_key == "AIza-test"
