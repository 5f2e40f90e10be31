"""Wire formats: SSE framing, usage reading and translation through one intermediate form.

Pure code (no httpx, no Starlette, no I/O). Import the submodules directly (``server.formats.sse``,
``server.formats.usage``, one module per wire format); the package itself re-exports nothing, so
importing one format never loads the others.
"""

from __future__ import annotations

__all__: list[str] = []
