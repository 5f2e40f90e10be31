"""The README's promises: its first two commands, and the embedding example runs as printed."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
MARKER = "<!-- embed-example -->"

SETUP_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -e '.[gui]' && .venv/bin/cliproxyapi"
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -e '.[dev,gui]' && .venv/bin/python -m pytest"


def code_lines(markdown: str) -> list[str]:
    """Lines of indented (4 spaces) and fenced code blocks, in order of appearance."""
    lines: list[str] = []
    fenced = False
    previous_blank = True
    in_indented = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            lines.append(line)
            continue
        if line.startswith("    ") and (previous_blank or in_indented):
            lines.append(line[4:])
            in_indented = True
        elif line.strip():
            in_indented = False
        previous_blank = not line.strip()
    return [line for line in lines if line.strip()]


def embed_example() -> str:
    after = README.split(MARKER, 1)[1]
    match = re.match(r"\s*```python\n(.*?)\n```", after, re.DOTALL)
    assert match, f"no ```python block right after {MARKER}"
    return match.group(1)


def test_the_first_two_commands_are_setup_and_tests() -> None:
    assert code_lines(README)[:2] == [SETUP_COMMAND, TEST_COMMAND]


def test_the_commands_name_what_pyproject_provides() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["cliproxyapi"] == "server.cli:main"
    assert project["gui-scripts"]["cliproxyapi-gui"] == "gui.__main__:main"
    assert {"gui", "dev"} <= set(project["optional-dependencies"])
    assert (REPO / ".ci" / "run").is_file()


def test_the_embedding_example_runs_and_prints_what_it_promises() -> None:
    code = embed_example()
    assert "ServerController" in code
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["hello from the embedding app", "200 list"]
    assert "Traceback" not in result.stderr
