"""The whole stack once per family: official SDK → proxy → fake upstream, stream and non-stream."""

from __future__ import annotations

import anthropic
import openai
from google import genai

from tests.e2e.conftest import Proxy, ProxyFactory, Upstream


def _claude(proxy: Proxy) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy.url, api_key=proxy.key, max_retries=0)


def test_claude_key_non_stream_and_stream(start_proxy: ProxyFactory, upstream: Upstream) -> None:
    proxy = start_proxy({"claude-api-key": [{"api-key": "sk-ant-A", "base-url": upstream.url}]})
    client = _claude(proxy)
    message = client.messages.create(
        model="claude-sonnet-4-5-20250929", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
    )
    assert message.content[0].type == "text"
    assert "Hello from claude fake" in message.content[0].text
    with client.messages.stream(
        model="claude-sonnet-4-5-20250929", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
    assert "Hello from claude fake" in text
    sent = upstream.fake.requests_for("sk-ant-A")
    assert len(sent) == 2
    assert sent[0].path == "/v1/messages"
    assert sent[0].headers.get("authorization") == "Bearer sk-ant-A"


def test_openai_compat_chat(start_proxy: ProxyFactory, upstream: Upstream) -> None:
    proxy = start_proxy(
        {
            "openai-compatibility": [
                {
                    "name": "openrouter",
                    "base-url": upstream.url + "/v1",
                    "api-key-entries": [{"api-key": "sk-or-1"}],
                    "models": [{"name": "moonshotai/kimi-k2:free", "alias": "kimi-k2"}],
                }
            ]
        }
    )
    client = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    reply = client.chat.completions.create(model="kimi-k2", messages=[{"role": "user", "content": "hi"}])
    assert "Hello from openai fake" in (reply.choices[0].message.content or "")
    chunks = client.chat.completions.create(
        model="kimi-k2", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "Hello from openai fake" in streamed
    assert upstream.fake.requests[0].json["model"] == "moonshotai/kimi-k2:free"


def test_codex_key_responses(start_proxy: ProxyFactory, upstream: Upstream) -> None:
    proxy = start_proxy({"codex-api-key": [{"api-key": "sk-cx", "base-url": upstream.url}]})
    client = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    response = client.responses.create(model="gpt-5", input="hi")
    assert "Hello from responses fake" in response.output_text
    events = list(client.responses.create(model="gpt-5", input="hi", stream=True))
    assert events[-1].type == "response.completed"


def test_gemini_key(start_proxy: ProxyFactory, upstream: Upstream) -> None:
    proxy = start_proxy({"gemini-api-key": [{"api-key": "AIza-1", "base-url": upstream.url}]})
    client = genai.Client(api_key=proxy.key, http_options={"base_url": proxy.url})
    reply = client.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert "Hello from gemini fake" in (reply.text or "")
    streamed = "".join(
        c.text or "" for c in client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi")
    )
    assert "Hello from gemini fake" in streamed
    assert upstream.fake.requests[0].headers["x-goog-api-key"] == "AIza-1"
