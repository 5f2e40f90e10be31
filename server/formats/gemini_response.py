"""Gemini ``GenerateContentResponse`` ↔ IR answer: parts, finish reasons, usage, token counts.

Finish reasons (§6.1): STOP → stop, MAX_TOKENS → length, the safety family (SAFETY, RECITATION,
BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_* …) → content_filter, MALFORMED_FUNCTION_CALL and
other tool-call failures → error, anything else → stop; an answer holding a function call is
always ``tool_calls``. Usage (§6.2): input = promptTokenCount, output = candidatesTokenCount +
thoughtsTokenCount, reasoning = thoughtsTokenCount, cached = cachedContentTokenCount, total =
totalTokenCount (or the sum).
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.formats import gemini_parts as gp
from server.formats.ir import (
    FinishReason,
    Part,
    Response,
    ResponseContext,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)
from server.jsontypes import JSON, JSONObject

__all__ = [
    "build_response",
    "count_response",
    "finish_from_gemini",
    "finish_to_gemini",
    "google_status",
    "parse_count_response",
    "parse_response",
    "read_usage",
    "rfc3339",
    "unwrap",
    "write_usage",
]

_SAFETY = frozenset(
    {
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", "MODEL_ARMOR",
    }
)  # fmt: skip
_FAILED = frozenset(
    {"MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS", "MALFORMED_RESPONSE"}
)
_TO_GEMINI: dict[str, str] = {
    "stop": "STOP",
    "tool_calls": "STOP",
    "pause": "STOP",
    "length": "MAX_TOKENS",
    "content_filter": "SAFETY",
    "refusal": "SAFETY",
    "error": "OTHER",
}
_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_CANDIDATE_KEYS = frozenset({"content", "finishReason", "finish_reason", "index"})


def unwrap(body: JSONObject) -> JSONObject:
    """The GenerateContentResponse inside a Gemini CLI / Antigravity ``{"response": …}`` envelope."""
    inner = body.get("response")
    return inner if isinstance(inner, dict) and "candidates" not in body else body


def finish_from_gemini(reason: str) -> FinishReason:
    if reason == "MAX_TOKENS":
        return "length"
    if reason in _SAFETY:
        return "content_filter"
    return "error" if reason in _FAILED else "stop"


def finish_to_gemini(reason: FinishReason) -> str:
    return _TO_GEMINI.get(reason, "STOP")


def google_status(status: int) -> str:
    """The google.rpc status name of an HTTP status (§6.3)."""
    if status in _GOOGLE_STATUS:
        return _GOOGLE_STATUS[status]
    return "INTERNAL" if status >= 500 else "INVALID_ARGUMENT"


def _int(value: JSON) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_usage(meta: JSONObject) -> Usage:
    prompt = _int(gp.field(meta, "promptTokenCount", "prompt_token_count"))
    candidates = _int(gp.field(meta, "candidatesTokenCount", "candidates_token_count"))
    thoughts = _int(gp.field(meta, "thoughtsTokenCount", "thoughts_token_count"))
    cached = _int(gp.field(meta, "cachedContentTokenCount", "cached_content_token_count"))
    total = _int(gp.field(meta, "totalTokenCount", "total_token_count"))
    return Usage(
        input_tokens=prompt,
        output_tokens=candidates + thoughts,
        cached_tokens=cached,
        reasoning_tokens=thoughts,
        total_tokens=total or prompt + candidates + thoughts,
    )


def write_usage(usage: Usage) -> JSONObject:
    out: JSONObject = {
        "promptTokenCount": usage.input_tokens,
        "candidatesTokenCount": max(usage.output_tokens - usage.reasoning_tokens, 0),
        "totalTokenCount": usage.total(),
    }
    if usage.reasoning_tokens:
        out["thoughtsTokenCount"] = usage.reasoning_tokens
    cached = usage.cached_tokens + usage.cache_creation_tokens  # §6.2 Claude→Gemini
    if cached:
        out["cachedContentTokenCount"] = cached
    return out


def rfc3339(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unix(value: JSON) -> int:
    if not isinstance(value, str) or not value:
        return 0
    text = value.replace("Z", "+00:00")
    head, dot, tail = text.partition(".")
    if dot:  # Google sends up to nanoseconds; Python parses up to microseconds
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
    try:
        return int(datetime.fromisoformat(text).timestamp())
    except ValueError:
        return 0


def _candidate(body: JSONObject) -> JSONObject:
    candidates = body.get("candidates")
    if isinstance(candidates, list):
        for candidate in candidates:
            if isinstance(candidate, dict) and _int(candidate.get("index")) == 0:
                return candidate
    return {}


def parse_response(body: JSONObject) -> Response:
    """A Gemini answer (bare or in the CLI envelope) as IR; function calls without an ``id`` get
    one derived from the response id, their index, name and arguments (no context here)."""
    body = unwrap(body)
    candidate = _candidate(body)
    response_id = str(body.get("responseId") or body.get("response_id") or "")
    content = candidate.get("content")
    raw_parts = content.get("parts") if isinstance(content, dict) else None
    parts: list[Part] = []
    calls = 0
    for raw in raw_parts if isinstance(raw_parts, list) else []:
        if not isinstance(raw, dict):
            continue
        fc = gp.field(raw, "functionCall", "function_call")
        if isinstance(fc, dict):
            name, args = str(fc.get("name") or ""), fc.get("args")
            arguments = gp.dumps(args if isinstance(args, dict) else {})
            call_id = fc.get("id") if isinstance(fc.get("id"), str) and fc.get("id") else None
            call_id = call_id or gp.derived_call_id(response_id, calls, name, arguments)
            parts.append(ToolCallPart(call_id, name, arguments, gp.part_extras(raw)))
            calls += 1
            continue
        part = gp.read_part(raw)
        if part is None:
            continue
        if (  # a bare signature closes the thought before it (§8.33)
            isinstance(part, TextPart)
            and not part.text
            and set(part.extras) == {gp.SIGNATURE}
            and parts
            and isinstance(parts[-1], ThinkingPart)
            and not parts[-1].signature
        ):
            parts[-1].signature = str(part.extras[gp.SIGNATURE])
            continue
        parts.append(part)
    raw_reason = gp.field(candidate, "finishReason", "finish_reason")
    reason = finish_from_gemini(raw_reason) if isinstance(raw_reason, str) else "stop"
    feedback = gp.field(body, "promptFeedback", "prompt_feedback")
    if not candidate and isinstance(feedback, dict) and feedback.get("blockReason"):
        reason = "content_filter"
    if calls:
        reason = "tool_calls"
    meta = gp.field(body, "usageMetadata", "usage_metadata")
    extras: JSONObject = {}
    if isinstance(raw_reason, str):
        extras["gemini:finishReason"] = raw_reason
    leftovers = {k: v for k, v in candidate.items() if k not in _CANDIDATE_KEYS}
    if leftovers:
        extras["gemini:candidate"] = leftovers
    if isinstance(feedback, dict):
        extras["gemini:promptFeedback"] = feedback
    return Response(
        id=response_id,
        model=str(body.get("modelVersion") or body.get("model_version") or ""),
        parts=parts,
        finish_reason=reason,
        usage=read_usage(meta) if isinstance(meta, dict) else Usage(),
        created=_unix(body.get("createTime") or body.get("create_time")),
        extras=extras,
    )


def answer_part(part: Part) -> JSONObject | None:
    """A Gemini part of an answer: thinking of any family is shown, calls keep their ids."""
    if isinstance(part, ToolCallPart):
        return gp.write_call(part, part.name, bypass=False)
    return gp.write_part(part, foreign_thinking=True)


def build_response(response: Response, ctx: ResponseContext) -> JSONObject:
    """The Gemini answer for ``response``; model and id are the ones the client should see."""
    parts = [p for p in map(answer_part, response.parts) if p is not None]
    raw_reason = response.extras.get("gemini:finishReason")
    if isinstance(raw_reason, str) and finish_from_gemini(raw_reason) == response.finish_reason:
        reason = raw_reason
    else:
        reason = finish_to_gemini(response.finish_reason)
    candidate: JSONObject = {"content": {"role": "model", "parts": parts}, "finishReason": reason, "index": 0}
    leftovers = response.extras.get("gemini:candidate")
    if isinstance(leftovers, dict):
        candidate.update(leftovers)
    out: JSONObject = {"candidates": [candidate], "usageMetadata": write_usage(response.usage)}
    feedback = response.extras.get("gemini:promptFeedback")
    if isinstance(feedback, dict):
        out["promptFeedback"] = feedback
    out["modelVersion"] = ctx.model or response.model
    out["responseId"] = ctx.id or response.id
    created = ctx.created or response.created
    if created:
        out["createTime"] = rfc3339(created)
    return out


def count_response(tokens: int) -> JSONObject:
    return {"totalTokens": tokens, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": tokens}]}


def parse_count_response(body: JSONObject) -> int:
    body = unwrap(body) if "totalTokens" not in body else body
    return _int(gp.field(body, "totalTokens", "total_tokens"))
