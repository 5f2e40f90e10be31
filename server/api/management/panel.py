"""``GET /management.html``: the original's web control panel, served from a local static dir.

The static dir is ``MANAGEMENT_STATIC_PATH`` (a directory, or the ``management.html`` file itself),
else ``<WRITABLE_PATH>/static``, else ``<directory of the config file>/static`` (server.md §2.6).
404 when ``remote-management.disable-control-panel`` is true or the file is missing. Unlike the
original this port never downloads the panel (it cannot reach GitHub): the person drops
``management.html`` (from a Cli-Proxy-API-Management-Center release) into that directory, and
the 404 text says where. The page itself is not behind the management key (as in the original);
every call it makes is.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.paths import config_dir
from server.service import ProxyService

__all__ = ["PANEL_FILE", "panel_path", "panel_routes"]

PANEL_FILE = "management.html"


def panel_path(service: ProxyService) -> Path:
    """Where ``management.html`` is looked for."""
    static = os.environ.get("MANAGEMENT_STATIC_PATH", "").strip()
    if static:
        path = Path(static).expanduser()
        return path if path.name.lower().endswith(".html") else path / PANEL_FILE
    writable = os.environ.get("WRITABLE_PATH", "").strip()
    if writable:
        return Path(writable).expanduser() / "static" / PANEL_FILE
    base = service.config_path.parent if service.config_path is not None else config_dir()
    return base / "static" / PANEL_FILE


async def management_html(request: Request) -> Response:
    service = request.app.state.service
    assert isinstance(service, ProxyService)
    if service.config.remote_management.disable_control_panel:
        return PlainTextResponse(
            "404 page not found: the control panel is disabled (remote-management.disable-control-panel)",
            status_code=404,
        )
    path = panel_path(service)
    if not path.is_file():
        return PlainTextResponse(
            f"404 page not found: {PANEL_FILE} is not installed. This server does not download the control"
            f" panel; put {PANEL_FILE} from a Cli-Proxy-API-Management-Center release at {path}"
            " (or set MANAGEMENT_STATIC_PATH to the directory holding it) and reload this page.",
            status_code=404,
        )
    return FileResponse(path, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})


def panel_routes() -> list[BaseRoute]:
    return [Route("/" + PANEL_FILE, management_html, methods=["GET"])]
