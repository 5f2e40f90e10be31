"""Prefs: the app's own choices in QSettings (onboarding done, start proxy, notifications, look, remote)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from gui.platform.secrets import read_secret, store_secret

__all__ = ["NOTIFICATIONS", "Prefs"]

NOTIFICATIONS = ("stopped", "refresh_failed", "cooling")


def _flag(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _text(settings: QSettings, key: str) -> str:
    value = settings.value(key, "")
    return value if isinstance(value, str) else ""


class Prefs:
    """Typed access to the app's QSettings. The remote management key goes to the OS keyring when there is
    one, else into the per-user settings file (``gui.platform.secrets``; never logged); the local proxy
    needs none (the app makes a fresh one each run)."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    @property
    def onboarding_done(self) -> bool:
        return _flag(self.settings, "onboarding/done", False)

    @onboarding_done.setter
    def onboarding_done(self, done: bool) -> None:
        self.settings.setValue("onboarding/done", done)
        self.settings.sync()

    @property
    def start_proxy(self) -> bool:
        return _flag(self.settings, "app/start_proxy", True)

    @start_proxy.setter
    def start_proxy(self, on: bool) -> None:
        self.settings.setValue("app/start_proxy", on)

    @property
    def tray_hint_shown(self) -> bool:
        return _flag(self.settings, "app/tray_hint_shown", False)

    @tray_hint_shown.setter
    def tray_hint_shown(self, shown: bool) -> None:
        self.settings.setValue("app/tray_hint_shown", shown)

    def notify(self, kind: str) -> bool:
        return _flag(self.settings, f"notify/{kind}", True)

    def set_notify(self, kind: str, on: bool) -> None:
        self.settings.setValue(f"notify/{kind}", on)

    @property
    def theme(self) -> str:
        """ "system" (follow the desktop), "light" or "dark"."""
        value = _text(self.settings, "look/theme")
        return value if value in ("system", "light", "dark") else "system"

    @theme.setter
    def theme(self, choice: str) -> None:
        self.settings.setValue("look/theme", choice)

    @property
    def language(self) -> str:
        """ "" (the system's language), "en" or "zh_CN"."""
        return _text(self.settings, "look/language")

    @language.setter
    def language(self, code: str) -> None:
        self.settings.setValue("look/language", code)

    @property
    def remote_url(self) -> str:
        return _text(self.settings, "connection/remote_url")

    @property
    def remote_key(self) -> str:
        return read_secret(self.settings, "connection/remote_key")  # the OS keyring when there is one

    def set_remote(self, url: str, key: str) -> None:
        """Manage the proxy at ``url`` from the next start ("" = the built-in proxy)."""
        self.settings.setValue("connection/remote_url", url)
        store_secret(self.settings, "connection/remote_key", key if url else "")
        self.settings.sync()
