"""The fake's Gemini wire format (AI Studio / Vertex, and the Gemini CLI ``{"response":…}`` envelope)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from server.jsontypes import JSON, JSONObject
from tests.fakes.script import Answer, Family, new_id, sse

__all__ = ["GEMINI", "GEMINI_CLI", "google_error", "google_status"]

_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_EOL = "\r\n"


def google_status(status: int) -> str:
    """Google RPC status name for an HTTP status."""
    if status in _STATUSES:
        return _STATUSES[status]
    return "INTERNAL" if status >= 500 else "FAILED_PRECONDITION"


def google_error(status: int, message: str, retry_after: float | None) -> tuple[JSONObject, dict[str, str]]:
    """Google error body; a 429 with a hint lists a RetryInfo with ``retryDelay`` like ``"12.5s"``."""
    details: list[JSON] = []
    if status == 429 and retry_after is not None:
        details.append(
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_after:g}s"}
        )
    error = {"code": status, "message": message, "status": google_status(status), "details": details}
    return {"error": error}, {}


def _request_of(body: JSONObject) -> JSONObject:
    inner = body.get("request")
    return inner if isinstance(inner, dict) else body


def _tool_request(body: JSONObject) -> tuple[str, JSONObject] | None:
    request = _request_of(body)
    declarations: list[JSON] = []
    for tool in request.get("tools") or []:
        if isinstance(tool, dict):
            declarations += tool.get("functionDeclarations") or tool.get("function_declarations") or []
    config = request.get("toolConfig") or request.get("tool_config") or {}
    calling = config.get("functionCallingConfig") or config.get("function_calling_config") or {}
    if not declarations or not isinstance(declarations[0], dict) or calling.get("mode") == "NONE":
        return None
    contents = request.get("contents")
    if isinstance(contents, list) and contents and isinstance(contents[-1], dict):
        parts = contents[-1].get("parts") or []
        if any(isinstance(p, dict) and ("functionResponse" in p or "function_response" in p) for p in parts):
            return None
    first = declarations[0]
    for key in ("parameters", "parametersJsonSchema", "parameters_json_schema"):
        if isinstance(first.get(key), dict):
            return str(first.get("name", "tool")), first[key]
    return str(first.get("name", "tool")), {}


def _thinking_request(body: JSONObject) -> bool:
    request = _request_of(body)
    config = request.get("generationConfig") or request.get("generation_config") or {}
    thinking = (
        config.get("thinkingConfig") or config.get("thinking_config") if isinstance(config, dict) else None
    )
    if not isinstance(thinking, dict):  # no thinkingConfig: the model may think, but shows nothing
        return False
    return thinking.get("includeThoughts", thinking.get("include_thoughts")) is True


def _usage(answer: Answer, final: bool) -> JSONObject:
    details = [{"modality": "TEXT", "tokenCount": answer.input_tokens}]
    if not final:
        return {
            "promptTokenCount": answer.input_tokens,
            "totalTokenCount": answer.input_tokens,
            "promptTokensDetails": details,
        }
    usage: JSONObject = {
        "promptTokenCount": answer.input_tokens,
        "candidatesTokenCount": answer.output_tokens,
        "totalTokenCount": answer.input_tokens + answer.output_tokens + answer.reasoning_tokens,
        "promptTokensDetails": details,
    }
    if answer.reasoning_tokens:
        usage["thoughtsTokenCount"] = answer.reasoning_tokens
    return usage


def _chunk(answer: Answer, ident: str, parts: list[JSON], final: bool) -> JSONObject:
    candidate: JSONObject = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if final:
        candidate["finishReason"] = "STOP"
    return {
        "candidates": [candidate],
        "usageMetadata": _usage(answer, final),
        "modelVersion": answer.model,
        "responseId": ident,
    }


def _function_call(answer: Answer) -> list[JSON]:
    assert answer.tool is not None
    return [{"functionCall": {"name": answer.tool.name, "args": json.loads(answer.tool.arguments)}}]


def _thought_parts(answer: Answer, pieces: tuple[str, ...]) -> list[JSON]:
    """Thought parts; the last one carries the thought signature."""
    assert answer.thinking is not None
    parts: list[JSON] = []
    for index, piece in enumerate(pieces):
        part: JSONObject = {"text": piece, "thought": True}
        if index == len(pieces) - 1:
            part["thoughtSignature"] = answer.thinking.signature
        parts.append(part)
    return parts


def _chunks(answer: Answer) -> list[JSONObject]:
    ident = new_id("")
    chunks: list[JSONObject] = []
    if answer.thinking:
        pieces = answer.thinking.pieces
        for index in range(len(pieces)):
            parts = _thought_parts(answer, pieces)[index : index + 1]
            chunks.append(_chunk(answer, ident, parts, final=False))
    if answer.tool:
        return [*chunks, _chunk(answer, ident, _function_call(answer), final=True)]
    last = len(answer.pieces) - 1
    chunks += [_chunk(answer, ident, [{"text": piece}], i == last) for i, piece in enumerate(answer.pieces)]
    return chunks


def _non_stream(answer: Answer) -> JSONObject:
    parts = _function_call(answer) if answer.tool else [{"text": answer.text}]
    if answer.thinking:
        parts = [*_thought_parts(answer, (answer.thinking.text,)), *parts]
    return _chunk(answer, new_id(""), parts, final=True)


def _stream(answer: Answer) -> Iterator[bytes]:
    for chunk in _chunks(answer):
        yield sse(chunk, eol=_EOL)


def _count_tokens(answer: Answer) -> JSONObject:
    details = [{"modality": "TEXT", "tokenCount": answer.input_tokens}]
    return {"totalTokens": answer.input_tokens, "promptTokensDetails": details}


def _wrap(render: Callable[[Answer], JSONObject]) -> Callable[[Answer], JSONObject]:
    def wrapped(answer: Answer) -> JSONObject:
        return {"response": render(answer), "traceId": new_id("")}

    return wrapped


def _cli_chunks(answer: Answer) -> list[JSONObject]:
    trace = new_id("")
    return [{"response": chunk, "traceId": trace} for chunk in _chunks(answer)]


def _cli_stream(answer: Answer) -> Iterator[bytes]:
    for chunk in _cli_chunks(answer):
        yield sse(chunk, eol=_EOL)


_BROKEN = b'data: {"candidates":[{"content":{"parts":[{"text":\r\n\r\n'

GEMINI = Family(
    name="gemini",
    non_stream=_non_stream,
    stream=_stream,
    count_tokens=_count_tokens,
    error=google_error,
    tool_request=_tool_request,
    broken_frame=_BROKEN,
    chunk_list=_chunks,
    thinking_request=_thinking_request,
)

GEMINI_CLI = Family(
    name="gemini-cli",
    non_stream=_wrap(_non_stream),
    stream=_cli_stream,
    count_tokens=_count_tokens,
    error=google_error,
    tool_request=_tool_request,
    broken_frame=_BROKEN,
    chunk_list=_cli_chunks,
    thinking_request=_thinking_request,
)
