"""Tool-call arguments that are not valid JSON: a prefix checker for streams and a repairer (§8.15).

OpenAI-compatible servers sometimes send arguments in Python style (``{'path': 'a', 'all': True}``),
with raw newlines inside strings, or with trailing text after the object. ``repair_json`` turns such
text into JSON: single-quoted strings become double-quoted, Python literals JSON ones, control
characters in strings are escaped, trailing text is cut, and what still fails is salvaged member by
member (the members before the first broken one are kept; nothing salvageable gives ``{}``). Every
step leaves the text before the first fault as it was, so a stream that already passed on a valid
beginning can finish with the rest of the repaired text (``JSONPrefix`` tells when the beginning
stops being valid; ``finish_json`` gives that rest, or closes the beginning when the repair had to
drop part of it).
"""

from __future__ import annotations

import json

__all__ = ["JSONPrefix", "finish_json", "repair_json"]

_WS = " \t\n\r"
_LITERALS = {"t": "rue", "f": "alse", "n": "ull"}
_PYTHON = {"True": "true", "False": "false", "None": "null"}
_ESCAPES = frozenset('"\\/bfnrtu')
_HEX = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
# number grammar: state → (character class → next state); states in _NUMBER_ENDS may end the number
_NUMBER = {
    "-": {"0": "0", "1": "int"},
    "0": {".": "dot", "e": "e"},
    "int": {"0": "int", "1": "int", ".": "dot", "e": "e"},
    "dot": {"0": "frac", "1": "frac"},
    "frac": {"0": "frac", "1": "frac", "e": "e"},
    "e": {"0": "exp", "1": "exp", "+": "sign"},
    "sign": {"0": "exp", "1": "exp"},
    "exp": {"0": "exp", "1": "exp"},
}
_NUMBER_ENDS = frozenset({"0", "int", "frac", "exp"})
_DECODER = json.JSONDecoder()


def _number_class(ch: str) -> str:
    if ch == "0":
        return "0"
    if ch in _DIGITS:
        return "1"
    if ch in "eE":
        return "e"
    return "+" if ch in "+-" else ch


class JSONPrefix:
    """Fed text piece by piece, tells whether everything so far can still begin a JSON document."""

    __slots__ = ("_escape", "_expect", "_hex", "_key", "_literal", "_number", "_stack", "_string", "ok")

    def __init__(self) -> None:
        self._stack: list[str] = []
        self._expect = "value"  # value | value_or_end | key | key_or_end | colon | comma_or_end | done
        self._string = self._key = self._escape = False
        self._hex = 0
        self._literal = ""
        self._number = ""
        self.ok = True

    def feed(self, text: str) -> bool:
        """False (and from then on always False) once ``text`` made the document invalid."""
        if self.ok:
            self.ok = all(self._char(ch) for ch in text)
        return self.ok

    def closing(self) -> str:
        """Text that completes the document begun so far ("" when complete or already invalid):
        open strings and literals finished, a missing value ``null``, open containers closed."""
        if not self.ok:
            return ""
        out: list[str] = []
        if self._string:
            out.append("0" * self._hex if self._hex else "\\" if self._escape else "")
            out.append('"')
        out.append(self._literal)
        for piece in out:
            self.feed(piece)
        if self._number:
            if self._number not in _NUMBER_ENDS:
                out.append("0")
            self._number = ""
            self._after_value()
        more = {"colon": ":null", "value": "null", "key": '"":null'}.get(self._expect, "")
        self.feed(more)
        out += [more, *("}" if kind == "{" else "]" for kind in reversed(self._stack))]
        return "".join(out)

    def _char(self, ch: str) -> bool:
        if self._string:
            return self._in_string(ch)
        if self._literal:
            if ch != self._literal[0]:
                return False
            self._literal = self._literal[1:]
            if not self._literal:
                self._after_value()
            return True
        if self._number:
            following = _NUMBER[self._number].get(_number_class(ch))
            if following is not None:
                self._number = following
                return True
            if self._number not in _NUMBER_ENDS:
                return False
            self._number = ""
            self._after_value()
        if ch in _WS:
            return True
        expect = self._expect
        if expect in ("value", "value_or_end"):
            return self._value(ch, expect == "value_or_end")
        if expect in ("key", "key_or_end"):
            if ch == "}" and expect == "key_or_end":
                return self._close()
            self._string = self._key = ch == '"'
            return self._string
        if expect == "colon" and ch == ":":
            self._expect = "value"
            return True
        if expect == "comma_or_end" and self._stack:
            top = self._stack[-1]
            if ch == ",":
                self._expect = "key" if top == "{" else "value"
                return True
            return ch == ("}" if top == "{" else "]") and self._close()
        return False

    def _value(self, ch: str, may_end: bool) -> bool:
        if ch == "]" and may_end:
            return self._close()
        if ch == '"':
            self._string, self._key = True, False
        elif ch in "{[":
            self._stack.append(ch)
            self._expect = "key_or_end" if ch == "{" else "value_or_end"
        elif ch in _LITERALS:
            self._literal = _LITERALS[ch]
        elif ch == "-" or ch in _DIGITS:
            self._number = "-" if ch == "-" else "0" if ch == "0" else "int"
        else:
            return False
        return True

    def _in_string(self, ch: str) -> bool:
        if self._hex:
            self._hex -= 1
            return ch in _HEX
        if self._escape:
            self._escape = False
            self._hex = 4 if ch == "u" else 0
            return ch in _ESCAPES
        if ch == "\\":
            self._escape = True
        elif ch == '"':
            self._string = False
            if self._key:
                self._expect = "colon"
            else:
                self._after_value()
        return ch >= " "

    def _close(self) -> bool:
        self._stack.pop()
        self._after_value()
        return True

    def _after_value(self) -> None:
        self._expect = "comma_or_end" if self._stack else "done"


def repair_json(text: str) -> str:
    """``text`` when it is JSON (or blank); else the repaired text, a JSON object at worst ``{}``."""
    if not text.strip() or _loads(text):
        return text
    fixed = _requote(text)
    if _loads(fixed):
        return fixed
    start = len(fixed) - len(fixed.lstrip())
    try:
        value, end = _DECODER.raw_decode(fixed, start)
    except ValueError:
        return _salvage(fixed)
    return fixed[:end] if isinstance(value, dict) else _salvage(fixed)


def finish_json(sent: str, rest: str) -> str:
    """What to append to ``sent`` (a valid beginning already passed on) so that the whole is JSON:
    the rest of ``repair_json(sent + rest)``, or ``sent`` closed when the repair changed it."""
    fixed = repair_json(sent + rest)
    if fixed.startswith(sent):
        return fixed[len(sent) :]
    scan = JSONPrefix()
    scan.feed(sent)
    return scan.closing()


def _loads(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _requote(text: str) -> str:
    """Single-quoted strings double-quoted, control characters in strings escaped, Python
    ``True``/``False``/``None`` outside strings as JSON literals."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                out.append("'" if nxt == "'" else ch + nxt)  # \' is no JSON escape
                i += 2
                continue
            if ch == quote:
                out.append('"')
                quote = ""
            elif ch == '"':
                out.append('\\"')
            else:
                out.append(json.dumps(ch)[1:-1] if ch < " " else ch)
        elif ch in "'\"":
            quote = ch
            out.append('"')
        elif word := _python_word(text, i):
            out.append(_PYTHON[word])
            i += len(word)
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _python_word(text: str, i: int) -> str:
    """The Python literal (``True``, ``False``, ``None``) standing alone at ``text[i]``, else ""."""
    word = next((w for w in _PYTHON if text.startswith(w, i)), "")
    before = text[i - 1] if i else " "
    after = text[i + len(word)] if i + len(word) < len(text) else " "
    alone = not (before.isalnum() or before == "_" or after.isalnum() or after == "_")
    return word if word and alone else ""


def _salvage(text: str) -> str:
    """The object's members up to the first one that does not parse, closed with ``}``."""
    start = text.find("{")
    if start < 0:
        return "{}"
    head = text[:start] if not text[:start].strip() else ""
    pos = end = start + 1
    while True:
        try:
            pos = _skip(text, pos)
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos)
            if not isinstance(key, str) or text[pos : pos + 1] != ":":
                break
            _, pos = _DECODER.raw_decode(text, _skip(text, pos + 1))
        except ValueError:
            break
        end = pos
        pos = _skip(text, pos)
        if text[pos : pos + 1] != ",":
            break
        pos += 1
    return head + text[start:end] + "}"


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos
