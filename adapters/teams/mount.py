"""Serves Teams at POST /api/messages in the shared aiohttp app, with the SDK's CloudAdapter."""

from __future__ import annotations

import logging

from aiohttp import web
from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator

from adapters.teams.connector import build_adapter
from adapters.teams.directory import TeamsDirectory
from adapters.teams.references import References
from adapters.teams.transport import TeamsTransport
from adapters.teams.turns import TeamsBot, turn_error_handler
from bot.app import Core
from bot.server import Mounted

log = logging.getLogger(__name__)
ROUTE = "/api/messages"


async def mount(app: web.Application, core: Core) -> Mounted:
    settings = core.settings
    adapter, factory, auth = build_adapter(settings)
    references = References(core.db)
    bot = TeamsBot(core, references)
    adapter.on_turn_error = turn_error_handler(bot)
    if not settings.teams_app_id:
        log.warning(
            "Teams authentication is OFF: no app id is set (YHDESSA_TEAMS_APP_ID or MicrosoftAppId), so %s "
            "accepts requests without a Bot Framework token. Use this only for local development "
            "(Bot Framework Emulator); set the app id and password before exposing the bot.",
            ROUTE,
        )
    # The SDK's JWT middleware reads its configuration from the app; it is applied to this route
    # only (as the SDK's decorator), so /healthz and the Slack endpoints keep their own checks.
    app["agent_configuration"] = auth

    @jwt_authorization_decorator
    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=202)

    app.router.add_post(ROUTE, messages)
    core.config.directories["teams"] = TeamsDirectory(references, factory, settings.teams_app_id)
    return Mounted(transport=TeamsTransport(adapter, references, core.catalog, settings.teams_app_id), cleanup=[references.flush, factory.close])
