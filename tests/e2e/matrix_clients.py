"""One driver per client API for the cross-format matrix: asks through the official SDK and reports
what the client saw (text, thinking, signature, tool calls, usage, stop reason) as an ``Outcome``."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
from google import genai
from google.genai import types as gt

from tests.e2e.conftest import Proxy
from tests.e2e.matrix_support import CITY_SCHEMA, CLIENTS, PNG, TOOL_RESULT, Call, Driver, Outcome, Turn

__all__ = ["AnthropicDriver", "ChatDriver", "GeminiDriver", "ResponsesDriver", "driver", "drivers"]


def _merge_calls(calls: dict[int, dict[str, str]]) -> list[Call]:
    return [
        Call(c["id"], c["name"], json.loads(c["arguments"] or "{}"), c["arguments"])
        for _, c in sorted(calls.items())
    ]


class ChatDriver:
    """openai ``chat.completions``."""

    def __init__(self, proxy: Proxy) -> None:
        self.sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)

    def close(self) -> None:
        self.sdk.close()

    def request(self, model: str, turn: Turn) -> dict[str, Any]:
        content: Any = turn.prompt
        if turn.kind == "image":
            image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}
            content = [{"type": "text", "text": turn.prompt}, image]
        messages: list[Any] = [{"role": "user", "content": content}]
        if turn.answer is not None:
            call = turn.answer
            function = {"name": call.name, "arguments": call.raw}
            messages.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": call.id, "type": "function", "function": function}],
                }
            )
            messages.append({"role": "tool", "tool_call_id": call.id, "content": TOOL_RESULT})
        kwargs: dict[str, Any] = {"model": model, "messages": messages, "max_tokens": turn.max_tokens}
        if turn.kind == "tool":
            declared = {"name": turn.tool_name, "description": "Weather", "parameters": CITY_SCHEMA}
            kwargs["tools"] = [{"type": "function", "function": declared}]
        if turn.kind == "thinking":
            kwargs["reasoning_effort"] = "medium"
        return kwargs

    def run(self, model: str, turn: Turn) -> Outcome:
        kwargs = self.request(model, turn)
        out = Outcome()
        if not turn.stream:
            reply = self.sdk.chat.completions.create(**kwargs)
            choice = reply.choices[0]
            out.text = choice.message.content or ""
            out.thinking = (choice.message.model_extra or {}).get("reasoning_content") or ""
            for call in choice.message.tool_calls or []:
                assert call.type == "function"
                arguments = call.function.arguments
                out.calls.append(Call(call.id, call.function.name, json.loads(arguments), arguments))
            out.finish = choice.finish_reason
            usage = reply.usage
        else:
            calls: dict[int, dict[str, str]] = {}
            usage = None
            for chunk in self.sdk.chat.completions.create(
                **kwargs, stream=True, stream_options={"include_usage": True}
            ):
                usage = chunk.usage or usage
                for choice in chunk.choices:
                    delta = choice.delta
                    out.text += delta.content or ""
                    out.thinking += (delta.model_extra or {}).get("reasoning_content") or ""
                    for piece in delta.tool_calls or []:
                        entry = calls.setdefault(piece.index, {"id": "", "name": "", "arguments": ""})
                        entry["id"] += piece.id or ""
                        if piece.function is not None:
                            entry["name"] += piece.function.name or ""
                            entry["arguments"] += piece.function.arguments or ""
                    out.finish = choice.finish_reason or out.finish
            out.calls = _merge_calls(calls)
        if usage is not None:
            out.input_tokens, out.output_tokens = usage.prompt_tokens, usage.completion_tokens
        return out


class ResponsesDriver:
    """openai ``responses``."""

    def __init__(self, proxy: Proxy) -> None:
        self.sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)

    def close(self) -> None:
        self.sdk.close()

    def request(self, model: str, turn: Turn) -> dict[str, Any]:
        content: list[Any] = [{"type": "input_text", "text": turn.prompt}]
        if turn.kind == "image":
            content.append(
                {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}", "detail": "auto"}
            )
        items: list[Any] = [{"type": "message", "role": "user", "content": content}]
        if turn.answer is not None:
            call = turn.answer
            items.append(
                {"type": "function_call", "call_id": call.id, "name": call.name, "arguments": call.raw}
            )
            items.append({"type": "function_call_output", "call_id": call.id, "output": TOOL_RESULT})
        kwargs: dict[str, Any] = {"model": model, "input": items, "max_output_tokens": turn.max_tokens}
        if turn.kind == "tool":
            kwargs["tools"] = [
                {
                    "type": "function",
                    "name": turn.tool_name,
                    "description": "Weather",
                    "parameters": CITY_SCHEMA,
                    "strict": False,
                }
            ]
        if turn.kind == "thinking":
            kwargs["reasoning"] = {"effort": "medium", "summary": "auto"}
            kwargs["include"] = ["reasoning.encrypted_content"]
        return kwargs

    def run(self, model: str, turn: Turn) -> Outcome:
        kwargs = self.request(model, turn)
        out = Outcome()
        if not turn.stream:
            response = self.sdk.responses.create(**kwargs)
        else:
            completed = None
            for event in self.sdk.responses.create(**kwargs, stream=True):
                if event.type == "response.output_text.delta":
                    out.text += event.delta
                elif event.type == "response.reasoning_summary_text.delta":
                    out.thinking += event.delta
                elif event.type == "response.completed":
                    completed = event.response
            assert completed is not None, "the stream ended without response.completed"
            response = completed
            streamed_text, streamed_thinking = out.text, out.thinking
        text, thinking = "", ""
        for item in response.output:
            if item.type == "message":
                text += "".join(part.text for part in item.content if part.type == "output_text")
            elif item.type == "reasoning":
                thinking += "".join(part.text for part in item.summary)
                out.signature = item.encrypted_content or out.signature
            elif item.type == "function_call":
                out.calls.append(Call(item.call_id, item.name, json.loads(item.arguments), item.arguments))
        if turn.stream:  # the deltas and the completed response must tell the same story
            assert (streamed_text, streamed_thinking) == (text, thinking)
        out.text, out.thinking = text, thinking
        out.finish = response.status or ""
        if response.usage is not None:
            out.input_tokens, out.output_tokens = response.usage.input_tokens, response.usage.output_tokens
        return out


class AnthropicDriver:
    """anthropic ``messages``."""

    def __init__(self, proxy: Proxy) -> None:
        self.sdk = anthropic.Anthropic(base_url=proxy.url, api_key=proxy.key, max_retries=0)

    def close(self) -> None:
        self.sdk.close()

    def request(self, model: str, turn: Turn) -> dict[str, Any]:
        content: Any = turn.prompt
        if turn.kind == "image":
            source = {"type": "base64", "media_type": "image/png", "data": PNG}
            content = [{"type": "text", "text": turn.prompt}, {"type": "image", "source": source}]
        messages: list[Any] = [{"role": "user", "content": content}]
        if turn.answer is not None:
            call = turn.answer
            use = {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
            messages.append({"role": "assistant", "content": [use]})
            result = {"type": "tool_result", "tool_use_id": call.id, "content": TOOL_RESULT}
            messages.append({"role": "user", "content": [result]})
        kwargs: dict[str, Any] = {"model": model, "messages": messages, "max_tokens": turn.max_tokens}
        if turn.kind == "tool":
            kwargs["tools"] = [
                {"name": turn.tool_name, "description": "Weather", "input_schema": CITY_SCHEMA}
            ]
        if turn.kind == "thinking":
            kwargs["thinking"] = {"type": "enabled", "budget_tokens": 2048}
        return kwargs

    def run(self, model: str, turn: Turn) -> Outcome:
        kwargs = self.request(model, turn)
        out = Outcome()
        if not turn.stream:
            message = self.sdk.messages.create(**kwargs)
        else:
            with self.sdk.messages.stream(**kwargs) as events:
                for event in events:
                    if event.type == "text":
                        out.text += event.text
                    elif event.type == "thinking":
                        out.thinking += event.thinking
                message = events.get_final_message()
            streamed = (out.text, out.thinking)
        text, thinking = "", ""
        for block in message.content:
            if block.type == "text":
                text += block.text
            elif block.type == "thinking":
                thinking += block.thinking
                out.signature = block.signature
            elif block.type == "tool_use":
                out.calls.append(Call(block.id, block.name, block.input))
        if turn.stream:
            assert streamed == (text, thinking)
        out.text, out.thinking = text, thinking
        out.finish = message.stop_reason or ""
        out.input_tokens, out.output_tokens = message.usage.input_tokens, message.usage.output_tokens
        return out


class GeminiDriver:
    """google-genai ``models.generate_content`` (default api_version v1)."""

    def __init__(self, proxy: Proxy) -> None:
        self.sdk = genai.Client(api_key=proxy.key, http_options={"base_url": proxy.url})

    def close(self) -> None:
        self.sdk.close()

    def request(self, turn: Turn) -> tuple[list[gt.Content], gt.GenerateContentConfig]:
        parts = [gt.Part(text=turn.prompt)]
        if turn.kind == "image":
            parts.append(gt.Part.from_bytes(data=base64.b64decode(PNG), mime_type="image/png"))
        contents = [gt.Content(role="user", parts=parts)]
        if turn.answer is not None:
            call = turn.answer
            ident = call.id or None
            asked = gt.FunctionCall(id=ident, name=call.name, args=call.arguments)
            answered = gt.FunctionResponse(id=ident, name=call.name, response={"result": TOOL_RESULT})
            contents.append(gt.Content(role="model", parts=[gt.Part(function_call=asked)]))
            contents.append(gt.Content(role="user", parts=[gt.Part(function_response=answered)]))
        config = gt.GenerateContentConfig(max_output_tokens=turn.max_tokens)
        if turn.kind == "tool":
            declaration = gt.FunctionDeclaration(
                name=turn.tool_name, description="Weather", parameters_json_schema=CITY_SCHEMA
            )
            config.tools = [gt.Tool(function_declarations=[declaration])]
            config.automatic_function_calling = gt.AutomaticFunctionCallingConfig(disable=True)
        if turn.kind == "thinking":
            config.thinking_config = gt.ThinkingConfig(include_thoughts=True, thinking_budget=2048)
        return contents, config

    def run(self, model: str, turn: Turn) -> Outcome:
        contents, config = self.request(turn)
        if turn.stream:
            chunks = list(
                self.sdk.models.generate_content_stream(model=model, contents=contents, config=config)
            )
        else:
            chunks = [self.sdk.models.generate_content(model=model, contents=contents, config=config)]
        out = Outcome()
        for chunk in chunks:
            for candidate in chunk.candidates or []:
                out.finish = candidate.finish_reason.value if candidate.finish_reason else out.finish
                for part in candidate.content.parts or [] if candidate.content else []:
                    if part.thought_signature:
                        out.signature = base64.b64encode(part.thought_signature).decode()
                    if part.function_call is not None:
                        call = part.function_call
                        out.calls.append(Call(call.id or "", call.name or "", call.args))
                    elif part.thought:
                        out.thinking += part.text or ""
                    else:
                        out.text += part.text or ""
            usage = chunk.usage_metadata
            if usage is not None and usage.candidates_token_count is not None:
                out.input_tokens = usage.prompt_token_count
                out.output_tokens = usage.candidates_token_count + (usage.thoughts_token_count or 0)
        return out


_DRIVERS: dict[str, type[ChatDriver | ResponsesDriver | AnthropicDriver | GeminiDriver]] = {
    "chat": ChatDriver,
    "responses": ResponsesDriver,
    "anthropic": AnthropicDriver,
    "gemini": GeminiDriver,
}


def driver(client: str, proxy: Proxy) -> Driver:
    """The SDK driver of ``client`` (one of CLIENTS) on ``proxy``; close it when done."""
    return _DRIVERS[client](proxy)


@contextlib.contextmanager
def drivers(proxy: Proxy) -> Iterator[dict[str, Driver]]:
    """One SDK driver per client API, all on ``proxy``, closed at the end of the block."""
    made = {client: driver(client, proxy) for client in CLIENTS}
    try:
        yield made
    finally:
        for each in made.values():
            each.close()
