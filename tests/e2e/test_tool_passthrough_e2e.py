"""Tool calls through the proxy: each SDK sees the upstream's tool call untouched, its ids included."""

from __future__ import annotations

import json
import re
from typing import Any

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as genai_types

from tests.e2e.conftest import CLIENT_KEY, Proxy, ProxyFactory, Upstream
from tests.e2e.edge_support import (
    CLAUDE_KEY,
    CODEX_KEY,
    COMPAT_KEY,
    GEMINI_KEY,
    aliased_families,
)
from tests.fakes import Recorded

pytestmark = pytest.mark.timeout(20)

CITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city"],
}
ARGUMENTS = {"city": "fake", "days": 1}
"""What the fake derives from CITY_SCHEMA: one sample value per property."""


def _proxy(start_proxy: ProxyFactory, upstream: Upstream) -> Proxy:
    return start_proxy(aliased_families(upstream.url))


def _only(upstream: Upstream, key: str) -> Recorded:
    (sent,) = upstream.fake.requests_for(key)
    return sent


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_claude_tool_use_passes_through(start_proxy: ProxyFactory, upstream: Upstream, stream: bool) -> None:
    proxy = _proxy(start_proxy, upstream)
    sdk = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0)
    tools: list[Any] = [{"name": "get_weather", "description": "Weather", "input_schema": CITY_SCHEMA}]
    request: dict[str, Any] = {
        "model": "my-claude",
        "max_tokens": 64,
        "tools": tools,
        "tool_choice": {"type": "auto"},
        "messages": [{"role": "user", "content": "weather in Paris?"}],
    }
    if stream:
        with sdk.messages.stream(**request) as events:
            message = events.get_final_message()
    else:
        message = sdk.messages.create(**request)
    (block,) = message.content
    assert block.type == "tool_use"
    assert re.fullmatch(r"toolu_[0-9a-f]{24}", block.id)
    assert block.name == "get_weather"
    assert block.input == ARGUMENTS
    assert message.stop_reason == "tool_use"
    sent = _only(upstream, CLAUDE_KEY)
    assert isinstance(sent.json, dict)
    assert sent.json["tools"] == tools
    assert sent.json["tool_choice"] == {"type": "auto"}


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_chat_tool_calls_pass_through(start_proxy: ProxyFactory, upstream: Upstream, stream: bool) -> None:
    proxy = _proxy(start_proxy, upstream)
    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)
    tools: list[Any] = [{"type": "function", "function": {"name": "get_weather", "parameters": CITY_SCHEMA}}]
    messages: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    if stream:
        ids, names, arguments = [], [], ""
        for chunk in sdk.chat.completions.create(
            model="kimi-k2", messages=messages, tools=tools, stream=True
        ):
            for choice in chunk.choices:
                for call in choice.delta.tool_calls or []:
                    ids += [call.id] if call.id else []
                    names += [call.function.name] if call.function and call.function.name else []
                    arguments += (call.function.arguments or "") if call.function else ""
    else:
        reply = sdk.chat.completions.create(model="kimi-k2", messages=messages, tools=tools)
        assert reply.choices[0].finish_reason == "tool_calls"
        calls = reply.choices[0].message.tool_calls or []
        ids = [call.id for call in calls]
        names = [call.function.name for call in calls if call.type == "function"]
        arguments = "".join(call.function.arguments for call in calls if call.type == "function")
    assert len(ids) == 1
    assert re.fullmatch(r"call_[0-9a-f]{24}", ids[0])
    assert names == ["get_weather"]
    assert json.loads(arguments) == ARGUMENTS
    sent = _only(upstream, COMPAT_KEY)
    assert isinstance(sent.json, dict)
    assert sent.json["tools"] == tools


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_responses_function_call_passes_through(
    start_proxy: ProxyFactory, upstream: Upstream, stream: bool
) -> None:
    proxy = _proxy(start_proxy, upstream)
    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)
    tools: list[Any] = [
        {"type": "function", "name": "get_weather", "parameters": CITY_SCHEMA, "strict": False}
    ]
    if stream:
        with sdk.responses.stream(model="my-codex", input="weather in Paris?", tools=tools) as events:
            response = events.get_final_response()
    else:
        response = sdk.responses.create(model="my-codex", input="weather in Paris?", tools=tools)
    (item,) = response.output
    assert item.type == "function_call"
    assert re.fullmatch(r"call_[0-9a-f]{24}", item.call_id)
    assert item.id == f"fc_{item.call_id}"
    assert item.name == "get_weather"
    assert json.loads(item.arguments) == ARGUMENTS
    sent = _only(upstream, CODEX_KEY)
    assert isinstance(sent.json, dict)
    assert sent.json["tools"] == tools


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_gemini_function_call_passes_through(
    start_proxy: ProxyFactory, upstream: Upstream, stream: bool
) -> None:
    proxy = _proxy(start_proxy, upstream)
    sdk = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": proxy.url})
    declaration = genai_types.FunctionDeclaration(
        name="get_weather", parameters_json_schema=CITY_SCHEMA, description="Weather"
    )
    config = genai_types.GenerateContentConfig(
        tools=[genai_types.Tool(function_declarations=[declaration])],
        automatic_function_calling=genai_types.AutomaticFunctionCallingConfig(disable=True),
    )
    if stream:
        chunks = list(
            sdk.models.generate_content_stream(model="my-gemini", contents="weather?", config=config)
        )
        calls = [call for chunk in chunks for call in chunk.function_calls or []]
    else:
        calls = sdk.models.generate_content(
            model="my-gemini", contents="weather?", config=config
        ).function_calls
    assert calls is not None
    assert [(call.name, call.args) for call in calls] == [("get_weather", ARGUMENTS)]
    sent = _only(upstream, GEMINI_KEY)
    assert isinstance(sent.json, dict)
    # exactly the declaration google-genai puts on the wire (it spells this field in snake case)
    assert sent.json["tools"] == [
        {
            "functionDeclarations": [
                {"description": "Weather", "name": "get_weather", "parameters_json_schema": CITY_SCHEMA}
            ]
        }
    ]
    method = "streamGenerateContent" if stream else "generateContent"
    assert sent.path == f"/v1beta/models/gemini-2.5-flash:{method}"
