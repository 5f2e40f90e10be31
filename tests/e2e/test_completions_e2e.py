"""The legacy ``/v1/completions`` API (translation.md §1.6) with the openai SDK, against the real proxy.

The proxy answers it as a chat request: the fake upstream must receive a chat body (one user message
holding the prompt, the copied sampling fields), and the SDK must get ``text_completion`` objects,
streamed or not, from an OpenAI-compatible upstream (chat passthrough) and from translated ones.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.e2e.conftest import CLIENT_KEY, Proxy, ProxyFactory, Upstream
from tests.e2e.edge_support import (
    AUTH,
    CLAUDE_KEY,
    CLAUDE_MODEL,
    COMPAT_KEY,
    GEMINI_KEY,
    all_families,
    client,
    parse_sse,
)
from tests.fakes import Recorded

pytestmark = pytest.mark.timeout(20)

# model the client asks for → (the fake's key for that upstream, the text the fake answers with)
UPSTREAMS = {
    "kimi-k2": (COMPAT_KEY, "Hello from openai fake"),
    CLAUDE_MODEL: (CLAUDE_KEY, "Hello from claude fake"),
    "gemini-2.5-flash": (GEMINI_KEY, "Hello from gemini fake"),
}
MODELS = [
    pytest.param("kimi-k2", id="openai-compatible-up"),
    pytest.param(CLAUDE_MODEL, id="claude-up"),
    pytest.param("gemini-2.5-flash", id="gemini-up"),
]
STREAM = pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])


@pytest.fixture
def proxy(start_proxy: ProxyFactory, upstream: Upstream) -> Proxy:
    return start_proxy(all_families(upstream.url))


@pytest.fixture
def sdk(proxy: Proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)


def _sent(upstream: Upstream, model: str) -> Recorded:
    (sent,) = upstream.fake.requests_for(UPSTREAMS[model][0])
    assert upstream.fake.requests == [sent]
    return sent


def _complete(sdk: openai.OpenAI, stream: bool, **request: Any) -> tuple[str, str | None, list[Any]]:
    """(the whole text, the last finish reason, every Completion object the SDK returned)."""
    if not stream:
        completion = sdk.completions.create(**request)
        return completion.choices[0].text, completion.choices[0].finish_reason, [completion]
    chunks = list(sdk.completions.create(stream=True, **request))
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    reasons = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    return text, reasons[-1] if reasons else None, chunks


@pytest.mark.parametrize("model", MODELS)
@STREAM
def test_completion_through_every_upstream_family(
    sdk: openai.OpenAI, upstream: Upstream, model: str, stream: bool
) -> None:
    text, reason, objects = _complete(sdk, stream, model=model, prompt="Say hi", max_tokens=64, stop=["END"])
    assert text == UPSTREAMS[model][1]
    assert reason == "stop"
    for completion in objects:
        assert completion.object == "text_completion"
        assert completion.model == model  # the name the client asked for
        assert all(choice.index == 0 for choice in completion.choices)
    if not stream:
        assert objects[0].usage is not None and objects[0].usage.total_tokens > 0
    sent = _sent(upstream, model)
    assert "prompt" not in sent.json
    if model == "kimi-k2":  # chat passthrough: the chat body the proxy made is what arrives
        assert sent.json["messages"] == [{"role": "user", "content": "Say hi"}]
        assert sent.json["max_tokens"] == 64
        assert sent.json["stop"] == ["END"]
        assert sent.json.get("stream") is (True if stream else None)


def test_copied_fields_reach_a_chat_upstream(sdk: openai.OpenAI, upstream: Upstream) -> None:
    sdk.completions.create(
        model="kimi-k2",
        prompt=["first line", "second line"],
        max_tokens=10,
        temperature=0.25,
        top_p=0.5,
        frequency_penalty=0.1,
        presence_penalty=0.2,
        stop="END",
        logprobs=2,
        user="someone",
        suffix="ignored",
    )
    body = _sent(upstream, "kimi-k2").json
    assert body == {
        "model": "moonshotai/kimi-k2:free",
        "messages": [{"role": "user", "content": "first line\nsecond line"}],
        "max_tokens": 10,
        "temperature": 0.25,
        "top_p": 0.5,
        "frequency_penalty": 0.1,
        "presence_penalty": 0.2,
        "stop": "END",
        "logprobs": True,
        "top_logprobs": 2,
    }


def test_missing_prompt_is_complete_this(proxy: Proxy, upstream: Upstream) -> None:
    with client(proxy) as http:
        reply = http.post("/v1/completions", json={"model": "kimi-k2"}, headers=AUTH)
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["text"] == "Hello from openai fake"
    assert _sent(upstream, "kimi-k2").json["messages"] == [{"role": "user", "content": "Complete this:"}]


@STREAM
def test_echo_puts_the_prompt_in_front(sdk: openai.OpenAI, upstream: Upstream, stream: bool) -> None:
    text, _, _ = _complete(sdk, stream, model=CLAUDE_MODEL, prompt="Q: hi\nA:", echo=True, max_tokens=32)
    assert text == "Q: hi\nA:Hello from claude fake"
    assert "echo" not in _sent(upstream, CLAUDE_MODEL).json


def test_stream_is_text_completion_chunks_ending_with_done(proxy: Proxy, upstream: Upstream) -> None:
    upstream.fake.configure(chunks=3)
    body = {"model": "gemini-2.5-flash", "prompt": "hi", "stream": True}
    with client(proxy) as http:
        reply = http.post("/v1/completions", json=body, headers=AUTH)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(reply.content)
    assert events[-1].data == "[DONE]"
    chunks = [event.json() for event in events[:-1]]
    assert len(chunks) >= 2
    for chunk in chunks:
        assert chunk["object"] == "text_completion"
        assert set(chunk) >= {"id", "object", "created", "model", "choices"}
        (choice,) = chunk["choices"]
        assert set(choice) == {"index", "text", "finish_reason", "logprobs"}
        assert choice["text"] or choice["finish_reason"]  # empty chunks are dropped
    assert "".join(c["choices"][0]["text"] for c in chunks) == "Hello from gemini fake"
    assert [c["choices"][0]["finish_reason"] for c in chunks][-1] == "stop"


def test_errors_are_openai_errors(sdk: openai.OpenAI, upstream: Upstream) -> None:
    with pytest.raises(openai.NotFoundError):
        sdk.completions.create(model="no-such-model", prompt="hi")
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.completions.create(model="kimi-k2", prompt=[[1, 2, 3]])
    assert "prompt" in str(bad.value)
    assert upstream.fake.requests == []
