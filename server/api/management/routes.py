"""Every management route under ``/v0/management``, the main-port OAuth callbacks and ``/management.html``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from server.api.management.api_call import api_call_routes
from server.api.management.auth_files import auth_file_routes
from server.api.management.config_routes import config_routes
from server.api.management.definitions import definition_routes
from server.api.management.events import event_routes
from server.api.management.gui_routes import gui_routes
from server.api.management.key_lists import key_list_routes
from server.api.management.log_routes import log_routes
from server.api.management.model_rules import model_rule_routes
from server.api.management.oauth_routes import callback_routes, oauth_routes
from server.api.management.panel import panel_routes
from server.api.management.settings import setting_routes
from server.api.management.usage_routes import usage_routes

__all__ = ["PREFIX", "management_routes"]

PREFIX = "/v0/management"


def management_routes() -> list[BaseRoute]:
    """The routes to add to the app: the management API (behind its guard) and the OAuth callbacks."""
    api: list[BaseRoute] = [
        *config_routes(),
        *setting_routes(),
        *key_list_routes(),
        *model_rule_routes(),
        *auth_file_routes(),
        *oauth_routes(),
        *usage_routes(),
        *log_routes(),
        *gui_routes(),
        *event_routes(),
        *api_call_routes(),
        *definition_routes(),
    ]
    return [Mount(PREFIX, routes=api), *callback_routes(), *panel_routes()]
