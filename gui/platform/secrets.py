"""The app's own secrets (the remote management key): in the OS keyring when the optional ``keyring``
package is importable and has a working backend (Windows Credential Manager, macOS Keychain, Secret
Service), else in QSettings in plain text — ``secure()`` says which, so Settings can say so. A secret is
never logged; keyring errors are reported by type only.
"""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from PySide6.QtCore import QSettings

__all__ = ["SERVICE", "Backend", "read_secret", "secure", "store_secret", "use_backend"]

log = logging.getLogger(__name__)

SERVICE = "CLIProxyAPI"
"""The keyring service name our items are stored under (one item per settings key)."""
_UNUSABLE = ("keyring.backends.fail", "keyring.backends.null", "keyring.backends.chainer")


class Backend(Protocol):
    """The part of the ``keyring`` module's API used here."""

    def get_password(self, service_name: str, username: str) -> str | None: ...
    def set_password(self, service_name: str, username: str, password: str) -> None: ...
    def delete_password(self, service_name: str, username: str) -> None: ...


_backend: Backend | None = None
_probed = False


def use_backend(backend: Backend | None) -> None:
    """Use ``backend`` from now on (tests); None: plain QSettings."""
    global _backend, _probed
    _backend, _probed = backend, True


def _found() -> Backend | None:
    global _backend, _probed
    if not _probed:
        _probed = True
        try:
            keyring = importlib.import_module("keyring")
            chosen = keyring.get_keyring()
            usable = type(chosen).__module__ not in _UNUSABLE and float(getattr(chosen, "priority", 1)) > 0
            if type(chosen).__module__ == "keyring.backends.chainer":
                usable = bool(getattr(chosen, "backends", ()))
        except Exception as exc:  # any failure just means "no keyring"
            log.info("no usable keyring (%s); secrets stay in the settings file", type(exc).__name__)
            return None
        _backend = keyring if usable else None
    return _backend


def secure() -> bool:
    """True when secrets go to the OS keyring, False when they are kept unencrypted in QSettings."""
    return _found() is not None


def read_secret(settings: QSettings, key: str) -> str:
    """The secret stored under ``key``; one still in QSettings moves to the keyring when there is one."""
    plain = settings.value(key, "")
    plain = plain if isinstance(plain, str) else ""
    backend = _found()
    if backend is None:
        return plain
    try:
        stored = backend.get_password(SERVICE, key)
        if plain and not stored:
            backend.set_password(SERVICE, key, plain)
            settings.remove(key)
            return plain
    except Exception as exc:  # a locked or broken keyring: fall back to the file
        log.warning("the keyring could not be read (%s)", type(exc).__name__)
        return plain
    return stored or plain


def store_secret(settings: QSettings, key: str, value: str) -> None:
    """Keep ``value`` under ``key`` ("" removes it): in the keyring if possible, else in QSettings."""
    backend = _found()
    if backend is not None:
        try:
            if value:
                backend.set_password(SERVICE, key, value)
            elif backend.get_password(SERVICE, key) is not None:
                backend.delete_password(SERVICE, key)
            settings.remove(key)
            return
        except Exception as exc:  # fall back to the settings file
            log.warning("the keyring could not store a secret (%s)", type(exc).__name__)
    settings.setValue(key, value)
