"""Account quota: usage windows per credential, from response headers and active fetches.

``book`` holds the windows (thread-safe), ``headers`` reads Codex and Claude response headers,
``fetch`` asks Antigravity and Gemini CLI, ``runtime`` wires it into a running service (the
pipeline's header hooks, the ``accounts`` event, ``quota_of(service)``). The management API shows
the windows as ``"quota"`` in ``/accounts/state`` and refreshes them through
``POST /accounts/quota/refresh`` (contract C1, docs/management-api.md).
"""

from __future__ import annotations

from server.quota.book import QuotaBook, QuotaWindow
from server.quota.runtime import QuotaRuntime, quota_of, supports_fetch

__all__ = ["QuotaBook", "QuotaRuntime", "QuotaWindow", "quota_of", "supports_fetch"]
