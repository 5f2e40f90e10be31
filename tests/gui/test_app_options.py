"""Settings → This app: the remote key in the OS keyring (or a visible "stored unencrypted" notice), the
low-quota notification toggle and threshold; and the fake client's usage summary following its window."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.models import UsageSummary
from gui.notifier import quota_threshold
from gui.platform import secrets
from gui.prefs import Prefs
from gui.windows.settings_app import AppOptionsBox
from tests.gui.fake_client import NOW, FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS

KEY = "connection/remote_key"


class FakeKeyring:
    """An in-memory OS keyring; ``broken`` makes every call fail like a locked keychain."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}
        self.broken = False

    def _check(self) -> None:
        if self.broken:
            raise RuntimeError("locked")

    def get_password(self, service_name: str, username: str) -> str | None:
        self._check()
        return self.items.get((service_name, username))

    def set_password(self, service_name: str, username: str, password: str) -> None:
        self._check()
        self.items[service_name, username] = password

    def delete_password(self, service_name: str, username: str) -> None:
        self._check()
        del self.items[service_name, username]


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def keyring() -> Iterator[FakeKeyring]:
    fake = FakeKeyring()
    secrets.use_backend(fake)
    yield fake
    secrets.use_backend(None)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    secrets.use_backend(None)
    yield


def _box(qtbot: QtBot, settings: QSettings) -> AppOptionsBox:
    box = AppOptionsBox(settings, autostart=None, command=["cliproxyapi-gui"])
    qtbot.addWidget(box)
    return box


def test_without_a_keyring_the_key_stays_in_settings_with_a_visible_notice(
    qtbot: QtBot, settings: QSettings, no_keyring: None
) -> None:
    box = _box(qtbot, settings)
    assert "stored unencrypted" in box.key_storage.text() and box.key_storage.property("role") == "warning"
    Prefs(settings).set_remote("http://192.168.1.20:8317", "remote-secret")
    assert settings.value(KEY) == "remote-secret" and Prefs(settings).remote_key == "remote-secret"


def test_with_a_keyring_the_key_goes_there_and_an_old_plain_key_moves(
    qtbot: QtBot, settings: QSettings, keyring: FakeKeyring
) -> None:
    settings.setValue(KEY, "old-plain-key")  # written by an earlier version
    prefs = Prefs(settings)
    assert prefs.remote_key == "old-plain-key"
    assert keyring.items == {("CLIProxyAPI", KEY): "old-plain-key"} and not settings.contains(KEY)
    prefs.set_remote("http://192.168.1.20:8317", "remote-secret")
    assert keyring.items[("CLIProxyAPI", KEY)] == "remote-secret" and not settings.contains(KEY)
    assert prefs.remote_key == "remote-secret"
    box = _box(qtbot, settings)
    assert "keychain" in box.key_storage.text() and box.remote_key.value() == "remote-secret"
    prefs.set_remote("", "")  # back to the built-in proxy: the key is removed
    assert keyring.items == {} and prefs.remote_key == ""


def test_a_broken_keyring_falls_back_to_the_settings_file(settings: QSettings, keyring: FakeKeyring) -> None:
    keyring.broken = True
    prefs = Prefs(settings)
    prefs.set_remote("http://192.168.1.20:8317", "remote-secret")
    assert settings.value(KEY) == "remote-secret" and prefs.remote_key == "remote-secret"


def test_low_quota_toggle_and_threshold_are_saved(
    qtbot: QtBot, settings: QSettings, no_keyring: None
) -> None:
    box = _box(qtbot, settings)
    assert box.notify_quota.isChecked() and box.quota_threshold.value() == 20
    box.quota_threshold.setValue(35)
    assert quota_threshold(settings) == 35
    box.notify_quota.setChecked(False)
    assert not Prefs(settings).notify("quota_low") and not box.quota_threshold.isEnabled()
    again = _box(qtbot, settings)
    assert not again.notify_quota.isChecked() and again.quota_threshold.value() == 35


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def test_fake_usage_summary_follows_its_window(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    day, month = UsageSummary(10, 1, 100, 50), UsageSummary(300, 9, 3000, 1500)
    client = FakeClient(summary=UsageSummary(1, 0, 1, 1))
    client.summaries = {86_400: day, 30 * 86_400: month}
    sample = FakeClient.sample()

    async def run() -> list[UsageSummary]:
        return [
            await client.usage_summary(NOW - 86_400, NOW),
            await client.usage_summary(NOW - 30 * 86_400, NOW),
            await client.usage_summary(NOW - 7 * 86_400, NOW),
            await sample.usage_summary(NOW - 86_400, NOW),
            await sample.usage_summary(NOW - 7 * 86_400, NOW),
        ]

    task = spawn(run(), "summaries")
    qtbot.waitUntil(task.done, timeout=3000)
    got = task.result()
    assert got[:3] == [day, month, UsageSummary(1, 0, 1, 1)]
    assert 0 < got[3].requests < got[4].requests and got[4].by_model[0][0] == "claude-sonnet-4-5"
