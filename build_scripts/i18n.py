"""The GUI's translation catalogue: each ``tr("…")`` / ``N_("…")`` literal in ``gui/``, the Qt Linguist source
``resources/i18n/zh_CN.ts`` kept in step with them, and its compiled ``zh_CN.qm`` (committed).

    python -m build_scripts.i18n update    # add new strings (unfinished), drop gone ones, compile
    python -m build_scripts.i18n check     # exit 1 when a string has no translation or the .qm is stale

Translate with Qt Linguist (``.venv/bin/pyside6-linguist resources/i18n/zh_CN.ts``) or any editor, then
``update`` again. Messages are sorted by source text (stable diffs); there is one context, ``CLIProxyAPI``.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "GUI",
    "TS",
    "Found",
    "compile_qm",
    "gui_strings",
    "lrelease",
    "main",
    "problems",
    "read_ts",
    "write_ts",
]

ROOT = Path(__file__).resolve().parent.parent
GUI = ROOT / "gui"
TS = ROOT / "resources" / "i18n" / "zh_CN.ts"
CONTEXT = "CLIProxyAPI"
_MARKERS = ("tr", "N_")


@dataclass(frozen=True, slots=True)
class Found:
    """What the scan of the sources found: the literals, and calls that cannot be translated."""

    strings: dict[str, str]  # source text -> "gui/file.py:line" of its first use
    problems: tuple[str, ...]  # "gui/file.py:line: why"


def _marker(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name) and func.id in _MARKERS:
        return func.id
    if isinstance(func, ast.Attribute) and func.attr == "tr":
        return "self.tr"
    return ""


def gui_strings(root: Path = GUI) -> Found:
    """Scan every module under ``root``: literals of ``tr``/``N_``, and misuses (f-strings, ``self.tr``)."""
    strings: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call):
                continue
            kind = _marker(node)
            if not kind:
                continue
            if kind == "self.tr":
                problems.append(
                    f"{where}:{node.lineno}: QObject.tr uses the class as context; use gui.i18n.tr"
                )
                continue
            if len(node.args) != 1:
                problems.append(f"{where}:{node.lineno}: {kind}() takes exactly one argument")
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                strings.setdefault(arg.value, f"{where}:{node.lineno}")
            elif isinstance(arg, ast.JoinedStr):
                problems.append(f"{where}:{node.lineno}: an f-string cannot be translated; use .format()")
            elif kind == "N_":
                problems.append(f"{where}:{node.lineno}: N_() marks a literal")
    return Found(strings, tuple(problems))


def read_ts(path: Path = TS) -> dict[str, str]:
    """source -> translation ("" when unfinished) of the catalogue's one context."""
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        element = message.find("translation")
        finished = element is not None and element.get("type") not in ("unfinished", "vanished", "obsolete")
        out[source] = (element.text or "") if finished and element is not None else ""
    return out


def write_ts(path: Path, sources: dict[str, str], translations: dict[str, str]) -> None:
    """The catalogue for ``sources`` (source -> location), with the translations known."""
    root = ET.Element("TS", version="2.1", language=path.stem, sourcelanguage="en")
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source in sorted(sources):
        message = ET.SubElement(context, "message")
        file_name = sources[source].rpartition(":")[0]  # no line: it would change with every edit
        ET.SubElement(message, "location", filename=f"../../{file_name}")
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        text = translations.get(source, "")
        if text:
            translation.text = text
        else:
            translation.set("type", "unfinished")
    ET.indent(root, "    ")
    body = ET.tostring(root, encoding="unicode")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n{body}\n', encoding="utf-8")


def lrelease() -> str:
    """The ``pyside6-lrelease`` next to this Python (the venv) or on PATH."""
    here = Path(sys.executable).parent
    for name in ("pyside6-lrelease", "pyside6-lrelease.exe"):
        if (here / name).is_file():
            return str(here / name)
    found = shutil.which("pyside6-lrelease")
    if not found:
        raise FileNotFoundError("pyside6-lrelease not found (pip install PySide6-Essentials)")
    return found


def compile_qm(ts: Path, qm: Path) -> None:
    subprocess.run([lrelease(), "-silent", "-nounfinished", str(ts), "-qm", str(qm)], check=True)


def problems(ts: Path = TS) -> list[str]:
    """Everything that keeps the catalogue from being complete and current (empty when all is well)."""
    found = gui_strings()
    known = read_ts(ts)
    out = list(found.problems)
    out += [
        f"{where}: no translation for {text!r}"
        for text, where in found.strings.items()
        if not known.get(text)
    ]
    qm = ts.with_suffix(".qm")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / qm.name
        compile_qm(ts, fresh)
        if not qm.is_file() or qm.read_bytes() != fresh.read_bytes():
            out.append(f"{qm.relative_to(ROOT)} is not compiled from the current .ts (run update)")
    return out


def main(argv: list[str] | None = None) -> int:
    command = (argv if argv is not None else sys.argv[1:] or ["check"])[0]
    if command == "update":
        found = gui_strings()
        write_ts(TS, found.strings, read_ts(TS))
        compile_qm(TS, TS.with_suffix(".qm"))
    elif command != "check":
        print(__doc__)
        return 2
    trouble = problems()
    for line in trouble:
        print(line)
    return 1 if trouble else 0


if __name__ == "__main__":
    raise SystemExit(main())
