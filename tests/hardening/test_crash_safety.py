"""Crash safety: SIGKILL the writer of config, credentials and usage at random moments; nothing is lost.

CI kills the driver 50 times (about 20 s); the 100-kill run is ``python -m tests.hardening.crash_soak
--kills 100`` (see docs/security.md for its figures).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.hardening.crash_soak import soak

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not hasattr(os, "fork"), reason="SIGKILL and fork are POSIX"
)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_random_sigkills_leave_every_file_whole(tmp_path: Path) -> None:
    result = soak(tmp_path, 50, seed=20261201, max_delay=0.3)
    assert result.problems == []
    assert result.kills == 50
    assert result.stray_temp_files == 0
    # the kills landed while every kind of write was going on
    assert result.config_saves > 0 and result.refreshes > 0 and result.usage_rows > 0


def test_a_killed_writers_temp_file_is_swept_at_the_next_start(tmp_path: Path) -> None:
    from server.auth.store import CredentialStore
    from server.config.save import atomic_write, sweep_temp_files

    dead = 2**22 + 12345  # above the default pid_max: no such process
    for name in (f".config.yaml.{dead}.abc123.tmp", f".a.json.{dead}.x_y.tmp"):
        (tmp_path / name).write_text("partial")
    live = tmp_path / f".config.yaml.{os.getpid()}.live.tmp"
    live.write_text("being written")
    unrelated = tmp_path / ".notes.tmp"
    unrelated.write_text("mine")
    assert sweep_temp_files(tmp_path, "config.yaml") == 1
    CredentialStore(tmp_path).scan()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, unrelated.name])
    atomic_write(tmp_path / "config.yaml", b"a: 1\n")
    assert live.exists()  # this process's own temp file is never touched
    assert (tmp_path / "config.yaml").read_bytes() == b"a: 1\n"
