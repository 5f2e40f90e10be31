"""Config edits: text splicing that keeps the file's comments, the diff renderer, and ConfigEditor."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
import yaml

from server.config.defaults import default_config_text
from server.config.edit import ConfigEditor, EditError, normalised, plain, render_changes, splice
from server.config.load import parse_config
from server.config.schema import ClaudeKey, Config, GeminiKey, ModelAlias, Routing


@pytest.mark.parametrize(
    ("text", "path", "value", "expected"),
    [
        ("a: 1  # note\nb: 2\n", ("a",), 5, "a: 5  # note\nb: 2\n"),
        ("a: 'x # y' # c\n", ("a",), "z", 'a: "z" # c\n'),
        ("a: 1\n", ("b",), True, "a: 1\nb: true\n"),
        ("a: 1", ("b",), "s", 'a: 1\nb: "s"\n'),
        ("", ("a",), [], "a: []\n"),
        ("s:\n  # inner\n  k: 1   # x\n  j: 2\n", ("s", "k"), 3, "s:\n  # inner\n  k: 3   # x\n  j: 2\n"),
        ("s:\n    k: 1\nt: 0\n", ("s", "n"), "v", 's:\n    k: 1\n    n: "v"\nt: 0\n'),
        ("l:\n- a\n- b\n# next\nc: 1\n", ("l",), ["x"], "l:\n  - x\n# next\nc: 1\n"),
        ("l:\n  - a\n\nc: 1\n", ("l",), {"k": ["v"]}, "l:\n  k:\n    - v\n\nc: 1\n"),
        ("a: |\n  text\nb: 1\n", ("a",), "t", 'a: "t"\nb: 1\n'),
        ('"a": 1\n', ("a",), 2, '"a": 2\n'),
        ("a: null  # keep\n", ("a",), "é\n", 'a: "\\u00e9\\n"  # keep\n'),
    ],
    ids=[
        "scalar-comment",
        "quoted-with-hash",
        "append-top",
        "append-no-newline",
        "empty-file",
        "nested",
        "nested-append",
        "list-same-indent",
        "mapping",
        "block-scalar",
        "quoted-key",
        "non-printable",
    ],
)
def test_splice(text: str, path: tuple[str, ...], value: object, expected: str) -> None:
    assert splice(text, path, value) == expected


@pytest.mark.parametrize(
    ("text", "path"),
    [("s: {k: 1}\n", ("s", "k")), ("s:\n- k: 1\n", ("s", "k")), ("a: &x 1\nb: *x\n", ("a",))],
    ids=["flow-section", "sequence-section", "anchor"],
)
def test_splice_refuses_layouts_it_cannot_edit(text: str, path: tuple[str, ...]) -> None:
    assert splice(text, path, 2) is None


def test_plain_leaves_defaults_out() -> None:
    key = ClaudeKey(api_key="k", models=(ModelAlias("n"),))
    assert plain(key) == {"api-key": "k", "models": [{"name": "n"}]}
    assert plain(Routing()) == {}


def test_render_changes_keeps_every_comment_of_the_default_file() -> None:
    text = default_config_text("sk-1")
    old = parse_config(yaml.safe_load(text))
    new = normalised(
        dataclasses.replace(
            old,
            debug=True,
            api_keys=("sk-1", "sk-2"),
            routing=Routing("fill-first"),
            gemini_api_key=(GeminiKey(api_key="g"),),
        )
    )
    edited = render_changes(text, old, new)
    assert edited is not None
    assert parse_config(yaml.safe_load(edited)) == new
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in edited.splitlines() if line.lstrip().startswith("#")] == comments


@pytest.mark.parametrize(
    "text",
    ["routing: {strategy: rr}\ndebug: false\n", "generative-language-api-key: [k]\n"],
    ids=["flow-section-falls-back", "legacy-keys-fall-back"],
)
def test_render_changes_gives_up_on_layouts_it_cannot_edit(text: str) -> None:
    old = parse_config(yaml.safe_load(text))
    new = dataclasses.replace(old, routing=Routing("fill-first"), debug=True)
    result = render_changes(text, old, new)
    assert result is None or parse_config(yaml.safe_load(result)) == new


class Target:
    """A stand-in for ProxyService: a config path and a live config."""

    def __init__(self, path: Path | None, config: Config) -> None:
        self.config_path = path
        self.config = config
        self.applied: list[Config] = []

    def apply_config(self, config: Config) -> None:
        self.config = config
        self.applied.append(config)


def _target(tmp_path: Path, text: str) -> Target:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return Target(path, parse_config(yaml.safe_load(text) or {}))


async def test_edit_saves_and_applies(tmp_path: Path) -> None:
    target = _target(tmp_path, "# hi\ndebug: false # d\nunknown: 1\n")
    new = await ConfigEditor(target).edit(lambda c: dataclasses.replace(c, debug=True))
    assert new.debug and target.config is new
    assert target.config_path is not None
    assert target.config_path.read_text() == "# hi\ndebug: true # d\nunknown: 1\n"


async def test_edit_starts_from_the_file_not_the_live_config(tmp_path: Path) -> None:
    target = _target(tmp_path, "debug: false\n")
    assert target.config_path is not None
    target.config_path.write_text("debug: false\nrequest-retry: 7\n")  # a hand edit not yet reloaded
    new = await ConfigEditor(target).edit(lambda c: dataclasses.replace(c, debug=True))
    assert (new.debug, new.request_retry) == (True, 7)


async def test_invalid_results_and_errors_leave_everything_alone(tmp_path: Path) -> None:
    text = "debug: false\n"
    target = _target(tmp_path, text)
    editor = ConfigEditor(target)
    with pytest.raises(EditError) as caught:
        await editor.edit(lambda c: dataclasses.replace(c, routing=Routing("random")))
    assert caught.value.status == 400 and caught.value.message.startswith("routing.strategy:")

    def refuse(config: Config) -> Config:
        raise EditError(404, "item not found")

    with pytest.raises(EditError):
        await editor.edit(refuse)
    assert target.config_path is not None and target.config_path.read_text() == text
    assert target.applied == []


async def test_an_unreadable_file_is_a_500(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("debug: [\n")
    target = Target(path, Config())
    with pytest.raises(EditError) as caught:
        await ConfigEditor(target).edit(lambda c: dataclasses.replace(c, debug=True))
    assert caught.value.status == 500 and "not valid YAML" in caught.value.message


async def test_concurrent_edits_do_not_lose_each_other(tmp_path: Path) -> None:
    target = _target(tmp_path, "api-keys: []\n")
    editor = ConfigEditor(target)

    def add(key: str) -> object:
        return editor.edit(lambda c: dataclasses.replace(c, api_keys=(*c.api_keys, key)))

    await asyncio.gather(*(add(f"k{i}") for i in range(10)))
    assert target.config_path is not None
    saved = yaml.safe_load(target.config_path.read_text())["api-keys"]
    assert sorted(saved) == sorted(f"k{i}" for i in range(10))


async def test_without_a_file_the_edit_is_live_only() -> None:
    target = Target(None, Config())
    await ConfigEditor(target).edit(lambda c: dataclasses.replace(c, debug=True))
    assert target.config.debug


async def test_replace_text_writes_verbatim(tmp_path: Path) -> None:
    target = _target(tmp_path, "debug: false\n")
    body = "# mine\ndebug: true   # yes\nodd-key: [1]\n"
    old, new = await ConfigEditor(target).replace_text(body)
    assert (old.debug, new.debug) == (False, True)
    assert target.config_path is not None and target.config_path.read_text() == body
    with pytest.raises(yaml.YAMLError):
        await ConfigEditor(target).replace_text("a: [\n")
    assert target.config_path.read_text() == body
