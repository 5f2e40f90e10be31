"""The per-provider on/off switch of the Accounts page: a "Services" menu button whose checkable entries
read "Use Claude accounts", … and the ``oauth-excluded-models`` edits behind them.

Switching a provider off adds the pattern ``*`` (every model) to its channel in ``oauth-excluded-models``;
switching it on removes that ``*`` and nothing else, so the person's other patterns survive and the Models
page's exclusion editor shows the same state. Off means: the provider's accounts serve no model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from gui.assets import provider_name
from gui.i18n import tr
from gui.models import PROVIDERS, Exclusion

__all__ = ["ALL_MODELS", "ServicesButton", "service_order", "short_name", "switched_off", "with_switch"]

ALL_MODELS = "*"
"""The exclusion pattern that hides every model of a channel: the provider is switched off."""

_ORDER = {provider: n for n, (provider, _name) in enumerate(PROVIDERS)}


def _channel(name: str) -> str:
    return name.strip().lower()


def switched_off(exclusions: Iterable[Exclusion]) -> frozenset[str]:
    """The channels whose exclusion list holds ``*`` (lower-cased)."""
    return frozenset(_channel(e.channel) for e in exclusions if e.pattern.strip() == ALL_MODELS)


def with_switch(exclusions: Sequence[Exclusion], channel: str, on: bool) -> list[Exclusion]:
    """``exclusions`` with ``channel`` switched on (its ``*`` removed) or off (``*`` appended once)."""
    key = _channel(channel)
    if on:
        return [e for e in exclusions if not (_channel(e.channel) == key and e.pattern.strip() == ALL_MODELS)]
    if key in switched_off(exclusions):
        return list(exclusions)
    return [*exclusions, Exclusion(key, ALL_MODELS)]


def service_order(providers: Iterable[str]) -> list[str]:
    """Distinct providers (lower-cased) in the order of the login buttons, unknown ones after, by name."""
    unique = {_channel(p) for p in providers if p.strip()}
    return sorted(unique, key=lambda p: (_ORDER.get(p, len(_ORDER)), p))


def short_name(provider: str) -> str:
    """ "ChatGPT" for codex, as the Provider column shows it."""
    return provider_name(provider).split(" (")[0]


class ServicesButton(QPushButton):
    """A button with a menu of checkable "Use <provider> accounts" entries; emits ``switch_requested``.

    The checks show what ``show_services`` was last told (the server's state): a click emits the wish
    and ``show_services`` is expected again with the result, so a failed change shows the old state.
    """

    switch_requested = Signal(str, bool)  # provider channel, on

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Services"), parent)
        self.setToolTip(
            tr("Switch a whole provider off or on: the accounts of a switched-off provider are not used")
        )
        self.services = QMenu(self)
        self.setMenu(self.services)
        self.off: frozenset[str] = frozenset()
        self.providers: list[str] = []
        self.setEnabled(False)

    def show_services(self, providers: Iterable[str], off: Iterable[str]) -> None:
        """One entry per provider in ``providers`` (plus every switched-off one), checked unless off.

        The same list again only updates the checks (an open menu keeps its entries)."""
        self.off = frozenset(_channel(p) for p in off)
        listed = service_order([*providers, *self.off])
        if listed != self.providers or not self.services.actions():
            self.providers = listed
            self.services.clear()
            for provider in listed:
                # no badge: with an icon, styles draw the icon instead of the check mark
                action = self.services.addAction(tr("Use {name} accounts").format(name=short_name(provider)))
                action.setCheckable(True)
                action.setData(provider)
                action.toggled.connect(self._toggled(provider))
        for action in self.services.actions():
            blocked = action.blockSignals(True)
            action.setChecked(action.data() not in self.off)
            action.blockSignals(blocked)
        self.setEnabled(bool(self.providers))
        count = len(self.off)
        self.setText(tr("Services") if not count else tr("Services ({count} off)").format(count=count))

    def _toggled(self, provider: str) -> Callable[[bool], None]:
        return lambda checked: self.switch_requested.emit(provider, checked)
