"""Package layout: top-level names resolve to this checkout, the core stays Qt-free, __all__ holds."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import gui
import resources
import server

REPO = Path(__file__).resolve().parents[2]


def _server_modules() -> list[str]:
    names = ["server"]
    for info in pkgutil.walk_packages(server.__path__, prefix="server."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # importing it runs the command
        names.append(info.name)
    return sorted(names)


SERVER_MODULES = _server_modules()


@pytest.mark.parametrize("package", [server, gui, resources], ids=lambda m: m.__name__)
def test_top_level_packages_resolve_inside_this_checkout(package: ModuleType) -> None:
    """``server``, ``gui`` and ``resources`` are generic names: they must be ours, not another project's."""
    assert package.__file__ is not None
    assert Path(package.__file__).resolve().is_relative_to(REPO)
    assert Path(package.__file__).resolve().parent == REPO / package.__name__


@pytest.mark.parametrize(
    "module",
    ["server.runner", "server.cli", "server.config", "server.api.app"],
)
def test_the_core_never_imports_qt_or_the_gui(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "qt = ('PySide6', 'shiboken6', 'qasync', 'gui')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in qt))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_server_module_is_found() -> None:
    assert {"server.runner", "server.cli", "server.ports", "server.config", "server.api.app"} <= set(
        SERVER_MODULES
    )


@pytest.mark.parametrize("name", SERVER_MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        is_package = hasattr(module, "__path__")
        assert is_package, f"{name} has no __all__"
        return
    assert all(isinstance(item, str) for item in exported)
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    missing = [item for item in exported if not hasattr(module, item)]
    assert missing == [], f"{name}.__all__ names what it does not define"


@pytest.mark.parametrize("name", SERVER_MODULES)
def test_every_module_says_what_it_owns(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__ and module.__doc__.strip(), f"{name} has no module docstring"
