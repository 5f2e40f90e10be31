"""Fixtures of the packaging tests: the Xvfb + trayer display of the tray tests, and required host tools.

On CI (``CI=true``) a missing tool fails the test instead of skipping it, so a smoke test cannot vanish.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.gui.test_tray import display

__all__ = ["display", "need_tool", "on_ci"]


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def need_tool(name: str, package: str) -> str:
    """The path of ``name``; skips the test locally, fails it on CI, when it is not installed."""
    found = shutil.which(name)
    if found is None:
        message = f"needs {name} (apt-get install {package})"
        if on_ci():
            pytest.fail(message)
        pytest.skip(message)
    return found
