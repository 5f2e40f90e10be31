"""Property: any valid Gemini request survives parse_request → build_request (same format, same model).

Normalisation only removes what the builder adds by rule or what means the same to Google: the
signature bypass on replayed calls that had no signature of their own (§4.0), an explicit
``includeThoughts: false`` (the default) and the spelling case of ``thinkingLevel``.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.formats import gemini
from server.formats.gemini_parts import BYPASS_SIGNATURE
from server.formats.ir import BuildContext
from server.jsontypes import JSON, JSONObject

NAMES = st.sampled_from(["read_file", "list_directory", "grep", "ns.tool:v1-2", "_x"])
TEXT = st.text(min_size=1, max_size=20)
SIGNATURES = st.sampled_from(["c2ln", "dHh0Cg==", "QUJDRA"])
LEAVES = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8)
LEAVES |= st.floats(allow_nan=False, allow_infinity=False, width=32)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
ARGS = st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=3)
SCHEMA = st.fixed_dictionaries(
    {
        "type": st.just("object"),
        "properties": st.dictionaries(st.text(max_size=5), st.just({"type": "string"})),
    }
)


@st.composite
def _with_signature(draw: st.DrawFn, part: JSONObject) -> JSONObject:
    return {**part, "thoughtSignature": draw(SIGNATURES)} if draw(st.booleans()) else part


@st.composite
def model_part(draw: st.DrawFn) -> JSONObject:
    kind = draw(st.sampled_from(["text", "thought", "call"]))
    if kind == "text":
        return draw(_with_signature({"text": draw(TEXT)}))
    if kind == "thought":
        return draw(_with_signature({"text": draw(TEXT), "thought": True}))
    call: JSONObject = {"name": draw(NAMES), "args": draw(ARGS)}
    if draw(st.booleans()):
        call = {"id": draw(st.text("abcdef0123456789_", min_size=1, max_size=12)), **call}
    return draw(_with_signature({"functionCall": call}))


@st.composite
def user_part(draw: st.DrawFn) -> JSONObject:
    kind = draw(st.sampled_from(["text", "image", "pdf", "file", "response"]))
    if kind == "text":
        return {"text": draw(TEXT)}
    if kind in ("image", "pdf"):
        mime = "image/png" if kind == "image" else "application/pdf"
        return {"inlineData": {"mimeType": mime, "data": draw(st.text("ABCDEFabcdef0123+/", min_size=4))}}
    if kind == "file":
        uri = "https://example.com/" + draw(st.text("abc", min_size=1, max_size=5))
        return {"fileData": {"fileUri": uri, "mimeType": draw(st.sampled_from(["image/jpeg", "video/mp4"]))}}
    response: JSONObject = {
        "name": draw(NAMES),
        "response": draw(st.dictionaries(st.text(max_size=6), JSON_VALUES)),
    }
    if draw(st.booleans()):
        response["id"] = draw(st.text("abcdef0123456789_", min_size=1, max_size=12))
    return {"functionResponse": response}


@st.composite
def contents(draw: st.DrawFn) -> list[JSONObject]:
    turns = draw(st.integers(0, 3)) * 2 + 1  # user first, user last (no unanswered call at the end)
    return [
        {
            "role": "user" if i % 2 == 0 else "model",
            "parts": draw(st.lists(user_part() if i % 2 == 0 else model_part(), min_size=1, max_size=4)),
        }
        for i in range(turns)
    ]


@st.composite
def generation_config(draw: st.DrawFn, model: str) -> JSONObject:
    config: JSONObject = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "temperature": st.floats(0, 2, width=32),
                "topP": st.floats(0, 1, width=32),
                "topK": st.integers(1, 100),
                "maxOutputTokens": st.integers(1, 65536),
                "stopSequences": st.lists(TEXT, min_size=1, max_size=3),
                "candidateCount": st.integers(1, 4),
                "seed": st.integers(0, 2**31),
                "presencePenalty": st.floats(-2, 2, width=32),
                "frequencyPenalty": st.floats(-2, 2, width=32),
                "responseModalities": st.just(["TEXT"]),
            },
        )
    )
    fmt = draw(st.sampled_from(["none", "json", "json-schema", "openapi-schema", "text"]))
    if fmt != "none":
        config["responseMimeType"] = "text/plain" if fmt == "text" else "application/json"
    if fmt == "json-schema":
        config["responseJsonSchema"] = draw(SCHEMA)
    if fmt == "openapi-schema":
        config["responseSchema"] = {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}}
    if draw(st.booleans()):
        thinking: JSONObject = {}
        if model.startswith("gemini-3") and draw(st.booleans()):
            thinking["thinkingLevel"] = draw(st.sampled_from(["low", "HIGH", "minimal", "medium"]))
        elif draw(st.booleans()):
            thinking["thinkingBudget"] = draw(st.integers(-1, 32768))
        if draw(st.booleans()):
            thinking["includeThoughts"] = draw(st.booleans())
        config["thinkingConfig"] = thinking
    return config


@st.composite
def tools(draw: st.DrawFn) -> list[JSONObject]:
    declarations = []
    for name in draw(st.lists(NAMES, unique=True, max_size=3)):
        declaration: JSONObject = {"name": name}
        if draw(st.booleans()):
            declaration["description"] = draw(TEXT)
        key = draw(st.sampled_from(["parametersJsonSchema", "parameters", ""]))
        if key == "parameters":
            declaration[key] = {"type": "OBJECT", "properties": {"q": {"type": "STRING"}}, "required": ["q"]}
        elif key:
            declaration[key] = draw(SCHEMA)
        declarations.append(declaration)
    out: list[JSONObject] = [{"functionDeclarations": declarations}] if declarations else []
    builtins = st.sampled_from([{"googleSearch": {}}, {"codeExecution": {}}, {"urlContext": {}}])
    return out + draw(st.lists(builtins, max_size=2, unique_by=lambda b: next(iter(b))))


@st.composite
def requests(draw: st.DrawFn) -> JSONObject:
    model = draw(st.sampled_from(["gemini-2.5-pro", "gemini-3-pro-preview"]))
    body: JSONObject = {"model": model, "contents": draw(contents())}
    if draw(st.booleans()):
        body["systemInstruction"] = {
            "parts": [{"text": t} for t in draw(st.lists(TEXT, min_size=1, max_size=2))]
        }
    if draw(st.booleans()):
        body["generationConfig"] = draw(generation_config(model))
    if tool_list := draw(tools()):
        body["tools"] = tool_list
    if draw(st.booleans()):
        mode = draw(st.sampled_from(["AUTO", "ANY", "NONE", "VALIDATED"]))
        fcc: JSONObject = {"mode": mode}
        if mode == "ANY" and draw(st.booleans()):
            fcc["allowedFunctionNames"] = draw(st.lists(NAMES, min_size=1, max_size=2, unique=True))
        body["toolConfig"] = {"functionCallingConfig": fcc}
    if draw(st.booleans()):
        body["safetySettings"] = [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}]
    if draw(st.booleans()):
        body["cachedContent"] = "cachedContents/abc"
    if draw(st.booleans()):
        body["labels"] = {"team": draw(st.text("abc", min_size=1, max_size=4))}
    return body


def _normalise(body: JSONObject) -> JSON:
    body = copy.deepcopy(body)
    for content in body["contents"]:
        for part in content["parts"]:
            if part.get("thoughtSignature") == BYPASS_SIGNATURE:
                del part["thoughtSignature"]
    thinking = body.get("generationConfig", {}).get("thinkingConfig")
    if isinstance(thinking, dict):
        if thinking.get("includeThoughts") is False:
            del thinking["includeThoughts"]
        if "thinkingLevel" in thinking:
            thinking["thinkingLevel"] = thinking["thinkingLevel"].lower()
        if not thinking:
            del body["generationConfig"]["thinkingConfig"]
    if body.get("generationConfig") == {}:
        del body["generationConfig"]
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_gemini_requests_survive_a_round_trip(body: JSONObject) -> None:
    rebuilt = gemini.build_request(gemini.parse_request(body), BuildContext(model=body["model"]))
    assert _normalise(rebuilt) == _normalise(body)


@settings(max_examples=50, deadline=None)
@given(requests())
def test_parse_request_never_mutates_its_input(body: JSONObject) -> None:
    before = copy.deepcopy(body)
    gemini.build_request(gemini.parse_request(body), BuildContext(model=body["model"]))
    assert body == before
