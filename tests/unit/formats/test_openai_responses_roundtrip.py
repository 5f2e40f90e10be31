"""Property: any valid Responses request survives parse_request → build_request unchanged."""

from __future__ import annotations

import copy
import json
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.formats import ir
from server.formats.openai_responses import build_request, parse_request
from server.jsontypes import JSONObject

SAFE = string.ascii_letters + string.digits
texts = st.text(max_size=12)
words = st.text(SAFE + "_", min_size=1, max_size=10)
b64 = st.text(SAFE + "+/", min_size=1, max_size=12)


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> st.SearchStrategy[JSONObject]:
    return st.fixed_dictionaries(required, optional=optional or {})


def text_part(kind: str) -> st.SearchStrategy[JSONObject]:
    return obj({"type": st.just(kind), "text": texts}, {"annotations": st.just([])})


image_part = st.one_of(
    obj(
        {"type": st.just("input_image"), "image_url": b64.map(lambda d: f"data:image/png;base64,{d}")},
        {"detail": st.sampled_from(["auto", "low", "high"])},
    ),
    obj({"type": st.just("input_image"), "image_url": words.map(lambda w: f"https://img.test/{w}.png")}),
    obj({"type": st.just("input_image"), "file_id": words.map(lambda w: f"file-{w}")}),
)
file_part = st.one_of(
    obj({"type": st.just("input_file"), "file_data": b64.map(lambda d: f"data:application/pdf;base64,{d}")}),
    obj({"type": st.just("input_file"), "filename": st.just("a.pdf"), "file_data": b64}),
    obj({"type": st.just("input_file"), "file_url": words.map(lambda w: f"https://f.test/{w}")}),
)
item_extras = {
    "type": st.just("message"),
    "id": words.map(lambda w: f"msg_{w}"),
    "status": st.just("completed"),
}
user_message = obj(
    {
        "role": st.just("user"),
        "content": st.one_of(
            texts,
            st.lists(
                st.one_of(text_part("input_text"), text_part("output_text"), image_part, file_part),
                min_size=1,
                max_size=3,
            ),
        ),
    },
    item_extras,
)
assistant_message = obj(
    {
        "role": st.just("assistant"),
        "content": st.one_of(texts, st.lists(text_part("output_text"), min_size=1, max_size=2)),
    },
    item_extras,
)
system_message = obj(
    {
        "role": st.sampled_from(["developer", "system"]),
        "content": st.one_of(texts, st.lists(text_part("input_text"), min_size=1, max_size=2)),
    },
    item_extras,
)
arguments = st.dictionaries(words, st.integers(), max_size=2).map(json.dumps)
function_call = obj(
    {"type": st.just("function_call"), "call_id": words, "name": words, "arguments": arguments},
    {"id": words.map(lambda w: f"fc_{w}"), "status": st.sampled_from(["completed", "in_progress"])},
)
call_output = obj(
    {
        "type": st.just("function_call_output"),
        "call_id": words,
        "output": st.one_of(texts, st.lists(st.one_of(text_part("input_text"), image_part), max_size=2)),
    },
    {"id": words.map(lambda w: f"fco_{w}")},
)
summary = st.lists(obj({"type": st.just("summary_text"), "text": texts}), max_size=3)
reasoning_item = obj(
    {"type": st.just("reasoning"), "id": words.map(lambda w: f"rs_{w}"), "summary": summary},
    {
        "encrypted_content": b64.map(lambda d: "gAAAAA" + d),
        "content": st.lists(obj({"type": st.just("reasoning_text"), "text": texts}), max_size=2),
    },
)
unknown_item = st.one_of(
    obj({"type": st.just("item_reference"), "id": words}),
    obj({"type": st.just("web_search_call"), "id": words, "status": st.just("completed")}),
)
items = st.one_of(
    user_message, assistant_message, system_message, function_call, call_output, reasoning_item, unknown_item
)
schema = st.just({"type": "object", "properties": {"x": {"type": "string"}}, "additionalProperties": False})


def function_tool(name: st.SearchStrategy[str]) -> st.SearchStrategy[JSONObject]:
    return obj(
        {"type": st.just("function"), "name": name},
        {"description": words, "parameters": schema, "strict": st.booleans(), "defer_loading": st.booleans()},
    )


def with_unique_names(tools: list[JSONObject]) -> list[JSONObject]:
    """Tool names are unique in a real request; number them so the draw stays valid."""
    out = []
    for n, tool in enumerate(tools):
        if tool["type"] == "function":
            tool = {**tool, "name": f"{tool['name']}_{n}"}
        elif tool["type"] == "namespace":
            inner = [{**t, "name": f"{t['name']}_{n}_{i}"} for i, t in enumerate(tool["tools"])]
            tool = {**tool, "name": f"ns_{n}", "tools": inner}
        out.append(tool)
    return out


tools = st.lists(
    st.one_of(
        function_tool(words),
        obj({"type": st.just("web_search")}, {"external_web_access": st.booleans()}),
        obj(
            {
                "type": st.just("namespace"),
                "name": words,
                "description": words,
                "tools": st.lists(function_tool(words), min_size=1, max_size=2),
            }
        ),
    ),
    max_size=3,
).map(with_unique_names)
text_format = st.one_of(
    obj({"type": st.just("text")}),
    obj({"type": st.just("json_object")}),
    obj(
        {"type": st.just("json_schema"), "name": words, "schema": schema},
        {"strict": st.booleans(), "description": words},
    ),
)
requests = obj(
    {"model": words, "input": st.one_of(texts, st.lists(items, max_size=8))},
    {
        "instructions": st.text(min_size=1, max_size=12),
        "stream": st.booleans(),
        "tools": tools,
        "tool_choice": st.one_of(
            st.sampled_from(["auto", "none", "required"]),
            obj({"type": st.just("function"), "name": words}),
            obj({"type": st.just("allowed_tools"), "mode": st.just("auto"), "tools": st.just([])}),
        ),
        "parallel_tool_calls": st.booleans(),
        "max_output_tokens": st.integers(1, 100_000),
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1),
        "reasoning": obj(
            {},
            {
                "effort": st.sampled_from(["none", "minimal", "low", "medium", "high", "xhigh"]),
                "summary": st.sampled_from(["auto", "concise", "detailed"]),
            },
        ),
        "text": obj({}, {"format": text_format, "verbosity": st.sampled_from(["low", "medium", "high"])}),
        "store": st.booleans(),
        "include": st.just(["reasoning.encrypted_content"]),
        "prompt_cache_key": words,
        "previous_response_id": words,
        "metadata": st.dictionaries(words, words, max_size=2),
        "client_metadata": st.dictionaries(words, words, max_size=2),
        "service_tier": st.sampled_from(["auto", "priority"]),
        "truncation": st.sampled_from(["auto", "disabled"]),
        "user": words,
    },
)


def normalised(body: JSONObject) -> JSONObject:
    """``stream: false`` means the same as no ``stream``; the builder only writes ``true``."""
    return {k: v for k, v in body.items() if not (k == "stream" and v is False)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests)
def test_responses_request_round_trip(body: JSONObject) -> None:
    sent = copy.deepcopy(body)
    request = parse_request(body)
    parsed = copy.deepcopy(request)
    rebuilt = build_request(request, ir.BuildContext(model=body["model"], stream=request.stream))
    assert rebuilt == normalised(body)
    assert (body, request) == (sent, parsed)  # neither step changes its input
