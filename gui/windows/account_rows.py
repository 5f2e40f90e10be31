"""Account rows: what one line of the Accounts list shows (status words, expiry, last use, quota bars).

Pure text helpers plus ``COLUMNS`` for ``RowsModel``; ``AccountsView`` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtGui import QColor

from gui.assets import provider_name
from gui.i18n import N_, tr
from gui.models import Account, QuotaWindow
from gui.quota import quota_color
from gui.theme import tone
from gui.widgets.provider_badge import provider_badge
from gui.widgets.quota_bar import left_text, quota_tip
from gui.widgets.table_models import Column

__all__ = [
    "COLUMNS",
    "TEST_COLUMN",
    "QUOTA_COLUMN",
    "AccountRow",
    "describe_delta",
    "mask_email",
    "status_text",
    "used_text",
]

_STATUS_TONES = {  # gui.theme colour names: readable in the light and the dark theme
    "ready": "success",
    "cooling": "warning",
    "expired": "error",
    "refresh_failed": "error",
    "invalid": "error",
    "disabled": "muted",
}


def mask_email(email: str) -> str:
    """``ad•••@example.com``: enough to tell accounts apart on a shared screen."""
    local, at, domain = email.partition("@")
    if not at:
        return local[:2] + "•••" if len(local) > 2 else "•••"
    return f"{local[:2]}•••@{domain}"


def describe_delta(moment: float, now: float) -> str:
    """``in 2 h 5 min``, ``10 min ago``, ``in 3 days``."""
    seconds = moment - now
    span = abs(seconds)
    if span < 60:
        text = tr("less than a minute")
    elif span < 3600:
        text = tr("{minutes} min").format(minutes=int(span // 60))
    elif span < 86400:
        hours, minutes = int(span // 3600), int(span % 3600 // 60)
        text = (
            tr("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
            if minutes and hours < 10
            else tr("{hours} h").format(hours=hours)
        )
    else:
        days = int(span // 86400)
        text = (tr("{days} day") if days == 1 else tr("{days} days")).format(days=days)
    return tr("in {time}").format(time=text) if seconds > 0 else tr("{time} ago").format(time=text)


def used_text(hour_start: float | None, now: float) -> str:
    """When an account was last used, known to the hour (``hour_start`` is that hour's bucket)."""
    if hour_start is None:
        return "—"
    hours = int((now - hour_start) // 3600)
    if hours < 1:
        return tr("In the last hour")
    return tr("{hours} h ago").format(hours=hours) if hours < 24 else describe_delta(hour_start, now)


def status_text(account: Account, now: float) -> str:
    if account.status == "cooling" and account.cooling_until:
        until = datetime.fromtimestamp(account.cooling_until)
        same_day = until.date() == datetime.fromtimestamp(now).date()
        time = f"{until:%H:%M}" if same_day else f"{tr(until.strftime('%a'))} {until:%H:%M}"
        return tr("Cooling until {time}").format(time=time)
    return tr(_STATUS_WORDS[account.status]) if account.status in _STATUS_WORDS else account.status


_STATUS_WORDS = {
    "ready": N_("Ready"),
    "cooling": N_("Cooling down"),
    "expired": N_("Login expired"),
    "refresh_failed": N_("Refresh failed"),
    "invalid": N_("Unreadable file"),
    "disabled": N_("Disabled"),
}


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One line of the list: the account plus what the page learned about it."""

    account: Account
    now: float
    last_used: float | None = None
    test: str = ""
    masked: bool = True
    service_off: bool = False
    """The account's provider is switched off on the Services menu (``*`` in ``oauth-excluded-models``)."""

    @property
    def quota(self) -> tuple[QuotaWindow, ...]:
        """The account's quota windows that are still current (a window past its reset is out of date)."""
        return tuple(w for w in self.account.quota if w.current(self.now))

    @property
    def email(self) -> str:
        shown = self.account.email or self.account.label
        return mask_email(shown) if self.masked and "@" in shown else shown


def _expiry(row: AccountRow) -> str:
    at = row.account.expires_at
    if row.account.kind != "oauth":
        return tr("API key")
    if at is None:
        return "—"
    when = describe_delta(at, row.now)
    return tr("Expired {when}").format(when=when) if at < row.now else when


def _status(row: AccountRow) -> str:
    if row.service_off and not row.account.disabled:
        return tr("Service switched off")
    return status_text(row.account, row.now)


def _status_tone(row: AccountRow) -> str:
    if row.service_off and not row.account.disabled:
        return "muted"
    return _STATUS_TONES.get(row.account.status, "text")


def _status_tip(row: AccountRow) -> str:
    until = row.account.cooling_until
    lines = (
        [
            tr("{provider} accounts are switched off on the Services menu").format(
                provider=provider_name(row.account.provider).split(" (")[0]
            )
        ]
        if row.service_off
        else []
    )
    lines += (
        [tr("Usable again {when}").format(when=describe_delta(until, row.now))]
        if row.account.status == "cooling" and until
        else []
    )
    lines += [
        tr("{model}: until {time}").format(
            model=m.model, time=f"{datetime.fromtimestamp(m.cooling_until):%H:%M}"
        )
        for m in row.account.models
        if m.cooling_until
    ]
    if row.account.last_error:
        lines.append(row.account.last_error)
    return "\n".join(lines)


def _account_tip(row: AccountRow) -> str:
    lines = [] if row.masked else [row.account.file_name or tr("API key from the settings")]
    if row.account.priority:
        lines.append(tr("Priority {priority} (higher is used first)").format(priority=row.account.priority))
    return "\n".join(lines)


def _worst(row: AccountRow) -> QuotaWindow | None:
    return min(row.quota, key=lambda w: w.left_percent, default=None)


def _quota_summary(row: AccountRow) -> str:
    worst = _worst(row)
    return (
        "—" if worst is None else tr("{label} · {left}").format(label=tr(worst.label), left=left_text(worst))
    )


def _quota_tooltip(row: AccountRow) -> str:
    lines = [quota_tip(row.quota, row.now)] if row.quota else []
    if row.account.quota_error:
        lines.append(tr("Could not ask for the quota: {error}").format(error=row.account.quota_error))
    return "\n".join(lines)


TEST_COLUMN = N_("Test")
"""Title of the column with the last test's timings (hidden while no account was tested)."""

QUOTA_COLUMN = N_("Quota")
"""Title of the column ``gui.widgets.quota_bar.QuotaDelegate`` paints."""

COLUMNS: tuple[Column[AccountRow], ...] = (
    Column(
        N_("Provider"),
        text=lambda r: provider_name(r.account.provider).split(" (")[0],
        icon=lambda r: provider_badge(r.account.provider),
        tooltip=lambda r: provider_name(r.account.provider),
    ),
    Column(N_("Account"), text=lambda r: r.email, tooltip=_account_tip),
    Column(
        N_("Status"),
        text=_status,
        sort=lambda r: "~off" if r.service_off else r.account.status,
        color=lambda r: QColor(tone(_status_tone(r))),
        tooltip=_status_tip,
    ),
    Column(N_("Login expires"), text=_expiry, sort=lambda r: r.account.expires_at or 0.0),
    Column(
        N_("Last used"),
        text=lambda r: used_text(r.last_used, r.now),
        sort=lambda r: r.last_used or 0.0,
        tooltip=lambda r: "" if r.last_used else tr("Not used in the last 7 days"),
    ),
    Column(
        TEST_COLUMN,
        text=lambda r: r.test,
        header_tip=N_("Time to first token / whole answer of a tiny test request"),
    ),
    Column(
        QUOTA_COLUMN,
        text=_quota_summary,
        sort=lambda r: w.left_percent if (w := _worst(r)) else 101.0,
        tooltip=_quota_tooltip,
        color=lambda r: QColor(quota_color(w.left_percent)) if (w := _worst(r)) else None,
        header_tip=N_("What is left of each usage window the provider reports, and when it starts afresh"),
    ),
)
