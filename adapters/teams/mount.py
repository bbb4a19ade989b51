"""Serves Teams at POST /api/messages in the shared aiohttp app, with the SDK's CloudAdapter."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.teams import activities
from adapters.teams.charts import ROUTE as CHART_ROUTE
from adapters.teams.charts import ChartLinks, shared_secret
from adapters.teams.connector import build_adapter
from adapters.teams.directory import TeamsDirectory
from adapters.teams.inbound import authorize, body_problem
from adapters.teams.references import References
from adapters.teams.transport import TeamsTransport
from adapters.teams.turns import TeamsBot, turn_error_handler
from bot.app import Core
from bot.server import Mounted
from storage import chart_images
from storage.units import core_transaction

log = logging.getLogger(__name__)
ROUTE = "/api/messages"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:3978"


class _OneLinePerBadActivity(logging.Filter):
    """The SDK logs every activity that fails validation as an error with a traceback; ours are
    checked before the SDK sees them and refused with one warning line of our own."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Validation error for Activity")


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
            "(the Microsoft 365 Agents Playground); set the app id and password before exposing the bot.",
            ROUTE,
        )
    # The token is checked for this route only (as the SDK's decorator would, but never with a
    # 500), so /healthz, the chart images and the Slack endpoints keep their own checks.
    sdk_log = logging.getLogger("microsoft_agents.activity.activity")
    if not any(isinstance(f, _OneLinePerBadActivity) for f in sdk_log.filters):
        sdk_log.addFilter(_OneLinePerBadActivity())

    async def messages(request: web.Request) -> web.StreamResponse:
        identity = await authorize(request, auth)
        if isinstance(identity, web.Response):
            return identity
        problem = await body_problem(request)
        if problem is not None:
            log.warning("Teams: refused a malformed activity: %s", problem)
            return web.json_response({"error": problem}, status=400)
        # What the SDK would trip over later (a missing recipient, ids of the wrong type).
        wrong = activities.problem(await request.json(), bot.verbs)
        if wrong is not None:
            log.warning("Teams: refused a malformed activity: %s", wrong)
            return web.json_response({"error": f"malformed activity: {wrong}"}, status=400)
        request["claims_identity"] = identity
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=202)

    app.router.add_post(ROUTE, messages)
    charts = ChartLinks(
        lambda: settings.public_url or DEFAULT_PUBLIC_URL,
        settings.chart_link_hours * 3600,
        secret=shared_secret(settings.teams_app_password) if settings.teams_app_password else None,
        stored=lambda digest: _stored_chart(core, digest),
    )
    app.router.add_get(CHART_ROUTE, charts.handle)
    core.config.directories["teams"] = TeamsDirectory(references, factory, settings.teams_app_id)
    transport = TeamsTransport(adapter, factory, references, core.catalog, settings.teams_app_id, charts)
    return Mounted(transport=transport, cleanup=[references.flush, transport.close, factory.close])


async def _stored_chart(core: Core, digest: str) -> bytes | None:
    async with core_transaction(core.db) as tx:
        return await chart_images.image(tx, digest)
