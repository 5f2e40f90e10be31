"""The ``payload`` config section as simple rows (one model pattern, one parameter each) and back.

Only ``default`` and ``override`` are edited here; ``default-raw``, ``override-raw`` and ``filter`` are
kept as they are. Expanding a rule with several models or parameters into rows keeps its meaning (the
order is kept, and with it which rule wins). No Qt here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from gui.models import PayloadRule
from gui.wire import obj, text

__all__ = ["KINDS", "PROTOCOLS", "parse_value", "payload_with", "rule_problem", "rules_from", "value_text"]

KINDS = ("default", "override")
PROTOCOLS = ("", "openai", "claude", "gemini", "codex", "antigravity")
_PATH = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")


def rules_from(payload: Mapping[str, object]) -> list[PayloadRule]:
    """Rows of the ``default`` then ``override`` rules of a ``payload`` section (as in ``GET /config``)."""
    rows: list[PayloadRule] = []
    for kind in KINDS:
        rules = payload.get(kind)
        for rule in map(obj, rules if isinstance(rules, list) else []):
            models = rule.get("models")
            params = obj(rule.get("params"))
            for model in map(obj, models if isinstance(models, list) else []):
                for param, value in params.items():
                    rows.append(
                        PayloadRule(kind, text(model.get("name")), param, value, text(model.get("protocol")))
                    )
    return rows


def payload_with(current: Mapping[str, object], rows: Iterable[PayloadRule]) -> dict[str, object]:
    """``current`` with its ``default`` and ``override`` rules replaced by ``rows`` (one rule per row)."""
    out = {k: v for k, v in current.items() if k not in KINDS}
    for kind in KINDS:
        rules: list[dict[str, object]] = []
        for row in rows:
            if row.kind != kind:
                continue
            model: dict[str, object] = {"name": row.model}
            if row.protocol:
                model["protocol"] = row.protocol
            rules.append({"models": [model], "params": {row.param: row.value}})
        out[kind] = rules
    return out


def parse_value(typed: str) -> object:
    """What a person typed: JSON when it reads as JSON (``8192``, ``true``, ``{"a": 1}``), else the text."""
    try:
        return json.loads(typed)
    except ValueError:
        return typed


def value_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def rule_problem(rule: PayloadRule) -> str:
    """ "" when the row can be saved, else what is wrong (in English; the view translates)."""
    if not rule.model.strip():
        return "Say which models the rule is for (use * for all)."
    if not _PATH.match(rule.param):
        return "The parameter is a dotted JSON path, like reasoning.effort or generationConfig.topK."
    if rule.kind not in KINDS or rule.protocol not in PROTOCOLS:
        return "Unknown kind of rule."
    return ""
