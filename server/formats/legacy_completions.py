"""The legacy ``/v1/completions`` API spoken through chat: request to chat, chat answers back (§1.6).

A completion request becomes a chat request with one user message holding the ``prompt`` (default
``"Complete this:"``; a list of strings is joined by newlines) and the fields ``model, max_tokens,
temperature, top_p, frequency_penalty, presence_penalty, stop, stream, top_logprobs`` (plus
``stream_options``) copied. Two legacy fields have no chat twin and are translated instead of
copied: ``logprobs: N`` (how many alternatives per token) becomes ``logprobs: true`` +
``top_logprobs: N``, and ``echo: true`` is done here — the prompt is put in front of the answer
text — since chat upstreams reject an ``echo`` field.

Answers come back as ``{"id", "object": "text_completion", "created", "model", "choices": [{"index",
"text", "finish_reason", "logprobs"}], "usage"}``; a stream carries the same shape per chunk, drops
chunks that have neither text nor a finish reason (nor usage), and ends with ``data: [DONE]``;
``model`` is the name the client asked for (§8.42), also when the chat answer was relayed as is.
Chat ``logprobs.content`` is rewritten as the legacy ``tokens`` / ``token_logprobs`` /
``top_logprobs`` / ``text_offset`` lists, and finish reasons other than ``length`` /
``content_filter`` are ``stop`` (the legacy vocabulary). Error frames pass through as they are.
"""

from __future__ import annotations

import json

from server.errors import BadRequest
from server.formats.sse import DONE, SSEEvent, SSEParser, encode_event
from server.jsontypes import JSON, JSONObject

__all__ = ["DEFAULT_PROMPT", "CompletionStream", "chat_request", "completion_body", "echo_text"]

DEFAULT_PROMPT = "Complete this:"
_COPIED = (
    "model",
    "max_tokens",
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "stop",
    "stream",
    "top_logprobs",
    "stream_options",
)


def _prompt(body: JSONObject) -> str:
    prompt = body.get("prompt")
    if prompt is None or prompt == "" or prompt == []:
        return DEFAULT_PROMPT
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list) and all(isinstance(p, str) for p in prompt):
        return "\n".join(prompt)
    raise BadRequest("Invalid request: 'prompt' must be a string or a list of strings")


def chat_request(body: JSONObject) -> JSONObject:
    """The chat request for a completion request (raises ``BadRequest`` for a token prompt)."""
    chat: JSONObject = {key: body[key] for key in _COPIED if key in body}
    chat["messages"] = [{"role": "user", "content": _prompt(body)}]
    logprobs = body.get("logprobs")
    if isinstance(logprobs, bool):
        chat["logprobs"] = logprobs
    elif isinstance(logprobs, int):
        chat["logprobs"] = True
        chat.setdefault("top_logprobs", logprobs)
    return chat


def echo_text(body: JSONObject) -> str:
    """The prompt when the client asked for ``echo``, else ""."""
    return _prompt(body) if body.get("echo") is True else ""


def completion_body(chat: JSONObject, echo: str = "", model: str = "") -> JSONObject:
    """The ``text_completion`` answer for a ``chat.completion`` answer (``model``: the client's)."""
    choices: list[JSON] = []
    for choice in chat.get("choices") or []:
        if not isinstance(choice, dict):
            continue
        message = choice.get("message")
        text = _text(message.get("content")) if isinstance(message, dict) else ""
        logprobs, _ = _logprobs(choice.get("logprobs"), len(echo))
        choices.append(
            {
                "index": choice.get("index", 0),
                "text": echo + text,
                "finish_reason": _reason(choice.get("finish_reason")),
                "logprobs": logprobs,
            }
        )
    return _shell(chat, choices, model)


class CompletionStream:
    """Chat SSE bytes in, ``text_completion`` SSE bytes out (events may be split across chunks)."""

    def __init__(self, echo: str = "", model: str = "") -> None:
        self._parser = SSEParser()
        self._model = model
        self._echo = echo
        self._offset = len(echo)

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._event(event) for event in self._parser.feed(chunk))

    def finish(self) -> bytes:
        return b"".join(self._event(event) for event in self._parser.flush())

    def _event(self, event: SSEEvent) -> bytes:
        data = event.data.strip()
        if data == "[DONE]":
            return DONE
        try:
            chunk = json.loads(data)
        except ValueError:
            chunk = None
        if not isinstance(chunk, dict) or "error" in chunk:
            return encode_event(event.data) if data else b""  # an error frame is the client's already
        choices: list[JSON] = []
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            text = self._echo + (_text(delta.get("content")) if isinstance(delta, dict) else "")
            self._echo = ""
            reason = _reason(choice.get("finish_reason"))
            if not text and not reason:
                continue
            logprobs, self._offset = _logprobs(choice.get("logprobs"), self._offset)
            index = choice.get("index", 0)
            choices.append({"index": index, "text": text, "finish_reason": reason, "logprobs": logprobs})
        if not choices and not isinstance(chunk.get("usage"), dict):
            return b""
        return encode_event(
            json.dumps(_shell(chunk, choices, self._model), separators=(",", ":"), ensure_ascii=False)
        )


def _shell(chat: JSONObject, choices: list[JSON], model: str) -> JSONObject:
    out: JSONObject = {
        "id": chat.get("id"),
        "object": "text_completion",
        "created": chat.get("created"),
        "model": model or chat.get("model"),
        "choices": choices,
    }
    if isinstance(chat.get("usage"), dict):
        out["usage"] = chat["usage"]
    return out


def _reason(reason: JSON) -> str | None:
    """The legacy vocabulary is stop / length / content_filter (a chat ``tool_calls`` is a stop)."""
    if not isinstance(reason, str) or not reason:
        return None
    return reason if reason in ("length", "content_filter") else "stop"


def _text(content: JSON) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _logprobs(raw: JSON, offset: int) -> tuple[JSONObject | None, int]:
    """Legacy logprobs for chat ``logprobs.content`` and the text offset after them."""
    content = raw.get("content") if isinstance(raw, dict) else None
    if not isinstance(content, list):
        return None, offset
    tokens: list[JSON] = []
    values: list[JSON] = []
    alternatives: list[JSON] = []
    offsets: list[JSON] = []
    for item in content:
        if not isinstance(item, dict):
            continue
        token = str(item.get("token", ""))
        top = item.get("top_logprobs")
        tokens.append(token)
        values.append(item.get("logprob"))
        alternatives.append(
            {
                str(alt.get("token", "")): alt.get("logprob")
                for alt in (top if isinstance(top, list) else [])
                if isinstance(alt, dict)
            }
        )
        offsets.append(offset)
        offset += len(token)
    legacy: JSONObject = {
        "tokens": tokens,
        "token_logprobs": values,
        "top_logprobs": alternatives,
        "text_offset": offsets,
    }
    return legacy, offset
