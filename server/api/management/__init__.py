"""The management API (``/v0/management``): the original's endpoints plus the desktop GUI's additions.

Compatible with CLIProxyAPI's management API (server.md §3) so that its web panel and scripts work:
config as JSON and YAML, every scalar setting, ``api-keys`` and the provider key lists,
``oauth-excluded-models`` / ``oauth-model-alias``, ``ampcode``, auth files, OAuth login starters and
``get-auth-status``, usage snapshot / export / import, logs and request-error logs, latest-version.
Authentication and enablement: ``auth.py``. Every config write goes through ``ConfigEditor``
(server/config/edit.py) and is live at once.

Additions of this port (not in the original), all behind the same authentication:

========================================  ========================================================
``GET /accounts/state``                   every credential: id, provider, label, kind, disabled,
                                          cooling (until, per model: until, remaining, last
                                          status, quota, reason) and, for accounts, the token
                                          refresh state (last refresh, expiry, error)
``POST /accounts/reset-cooldown``         ``{"id", "model"?}`` → forget that credential's
                                          cooldowns → ``{"status": "ok", "cleared": n}``
``POST /accounts/test``                   ``{"id", "model"?, "timeout"?}`` → one tiny streamed
                                          request through that credential → ``{"ok", "status",
                                          "ttft_ms", "latency_ms", "error", …}``
``POST /accounts/quota/refresh``          ``{"id"}`` or ``{}`` → fetch account quota now
                                          (Antigravity, Gemini CLI) → ``{"accounts": […]}``
``GET /usage/series``                     ``?since&until`` (Unix s, default last 24 h)
                                          ``&bucket=minute|hour|day&group_by=model|credential|
                                          client_key|provider&model=`` → graph points
``GET /usage/summary``                    ``?since&until`` (default 30 days) → totals and totals
                                          by model, provider, credential and client key
``GET /events``                           server-sent events: ``hello``, ``config.changed``
                                          (keys), ``credentials.changed``, ``cooldown.started``
                                          (credential, model, seconds, until, status),
                                          ``cooldown.ended`` (reason success/reset/expired),
                                          ``usage.recorded`` (merged, with ``count``),
                                          ``accounts`` (quota changed), ``resync``
``/disable-cooling``, ``/passthrough-     scalar settings the original only edits through
headers``, ``/nonstream-keepalive-        ``config.yaml`` (same GET/PUT/PATCH shapes)
interval``, ``/streaming/keepalive-
seconds``, ``/streaming/bootstrap-
retries``
========================================  ========================================================

``GET /latest-version`` answers with this build's version and makes no network call. The later
``POST /api-call`` and ``GET /model-definitions/{channel}`` and the main-port ``/management.html``
(served from the static dir, never downloaded) are in docs/management-api.md.
"""

from __future__ import annotations

from server.api.management.component import ManagementComponent
from server.api.management.routes import PREFIX, management_routes

__all__ = ["PREFIX", "ManagementComponent", "management_routes"]
