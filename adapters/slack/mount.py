"""Mounts Slack on the shared aiohttp app: HTTP mode at /slack/events (signed requests), or Socket
Mode when SLACK_APP_TOKEN is set; plus OAuth install pages when SLACK_CLIENT_ID is set."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from adapters.slack import malformed
from adapters.slack import rates
from adapters.slack.clients import SlackClients, api_url
from adapters.slack.directory import SlackDirectory
from adapters.slack.listeners import Listeners
from adapters.slack.transport import SlackTransport
from bot.settings import Settings, SettingsError
from flows.inbox import Inbox

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
WORK = web.AppKey("slack_work", Inbox)  # tests wait on it for the work after an ack


def check_settings(settings: Settings) -> None:
    """Fail at start, naming the missing setting, rather than at the first request."""
    oauth = bool(settings.slack_client_id or settings.slack_client_secret)
    if oauth and not (settings.slack_client_id and settings.slack_client_secret and settings.slack_state_secret):
        raise SettingsError(
            "installing on many workspaces needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET together"
        )
    if not settings.slack_bot_token and not oauth:
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set: give the bot token (xoxb-…) of the Slack app, "
            "or SLACK_CLIENT_ID / SLACK_CLIENT_SECRET / SLACK_STATE_SECRET to install on many workspaces"
        )
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to check that requests come from Slack "
            "(or set SLACK_APP_TOKEN, xapp-…, to use Socket Mode)"
        )
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp- (scope connections:write)")


class _QuietTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that the client we
    give it (built from the same token, pointed at SLACK_API_URL) wins. True, and not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class _NoBodyOfRefusedRequests(logging.Filter):
    """Bolt logs a request whose signature fails with its whole body: with a wrong secret or a
    clock that drifted, that is every member's answer and command. The signature and timestamp
    are kept (they tell which); the body is left out, as our own logs leave bodies out."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid request signature detected") and ", body: " in message:
            record.msg, record.args = message.split(", body: ", 1)[0] + ", body left out)", ()
        return True


def build_bolt(settings: Settings, clients: SlackClients, core: Any, transport: SlackTransport, work: Inbox, store: Any = None) -> AsyncApp:
    socket_mode = bool(settings.slack_app_token)
    bolt_log = logging.getLogger("adapters.slack.bolt")
    if not any(isinstance(f, _QuietTokenNotice) for f in bolt_log.filters):
        bolt_log.addFilter(_QuietTokenNotice())
    for name in ("slack_bolt.RequestVerification", "slack_bolt.AsyncRequestVerification"):
        verification_log = logging.getLogger(name)
        if not any(isinstance(f, _NoBodyOfRefusedRequests) for f in verification_log.filters):
            verification_log.addFilter(_NoBodyOfRefusedRequests())
    options: dict[str, Any] = {
        "name": "yhdessa",
        "logger": bolt_log,
        "signing_secret": settings.slack_signing_secret or "",
        # Socket Mode requests come over the authenticated WebSocket and carry no signature.
        "request_verification_enabled": not socket_mode,
        # Answer when the listener returns: each returns right after its ack (the inbox does the
        # rest), and otherwise bolt runs every listener as a task of its own and polls for the ack
        # every 10 ms, which cost 7% of a click's instructions (benchmarks/slack_instructions.py).
        "process_before_response": True,
        # What bolt tells someone whose workspace has no installation (its default is English only).
        "user_facing_authorize_error_message": core.catalog.t(settings.language, "slack_not_installed"),
    }
    if settings.slack_client_id:
        from adapters.slack.installation_store import oauth_settings

        options["client"] = clients.client()
        options["oauth_settings"] = oauth_settings(settings, core.db, store)
    else:
        assert clients.default is not None
        options["client"] = clients.default
    bolt = AsyncApp(**options)
    Listeners(core, transport.remember_question, work, clients, store).register(bolt)
    return bolt


def _oauth_pages(app: web.Application, bolt: AsyncApp) -> None:
    """The install link and Slack's redirect back (bolt's aiohttp adapter leaves routing to us)."""
    flow = bolt.oauth_flow
    assert flow is not None

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    app.router.add_get(flow.install_path, install)
    app.router.add_get(flow.redirect_uri_path, redirect)


async def mount(app: web.Application, core: Any) -> Any:
    from bot.server import Mounted  # bot.server imports adapters lazily; importing it here keeps that one-way

    settings: Settings = core.settings
    check_settings(settings)
    tokens = None
    if settings.slack_client_id:
        from adapters.slack.installation_store import DatabaseInstallationStore

        tokens = DatabaseInstallationStore(core.db, settings.slack_client_id)
    clients = SlackClients(api_url(settings.slack_api_url), settings.slack_bot_token, tokens, rates.SLACK_PACING)
    if tokens is not None:
        for team, token in (await tokens.all_bot_tokens()).items():
            clients.remember(team, token)
        tokens.on_saved = clients.remember
    transport = SlackTransport(clients, core.db, core.catalog)
    work = app[WORK] = core.inbox
    bolt = build_bolt(settings, clients, core, transport, work, tokens)
    core.config.directories["slack"] = SlackDirectory(clients)

    if settings.slack_client_id:
        _oauth_pages(app, bolt)

    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(bolt, settings.slack_app_token, web_client=clients.client())

        async def connect() -> None:
            await handler.connect_async()
            log.info("Slack: connected in Socket Mode")

        return Mounted(transport, background=[connect], cleanup=[handler.close_async, work.close, clients.close])

    verifier = SignatureVerifier(settings.slack_signing_secret or "")

    async def events_endpoint(request: web.Request) -> web.Response:
        # Bolt checks the signature too, but it raises on a timestamp that is not a number and on a
        # body it cannot parse (500 with a traceback): those are answered here, signed or not.
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            log.warning("slack: refused a request whose X-Slack-Request-Timestamp is not a time")
            return web.json_response({"error": "invalid request"}, status=401)
        raw = await request.text()
        try:
            bolt_request = await to_bolt_request(request)
            wrong = malformed.problem(bolt_request.body)
        except Exception as exc:  # bolt could not read the body at all
            bolt_request, wrong = None, f"unreadable body ({type(exc).__name__})"
        if wrong is not None:
            if not verifier.is_valid(raw, timestamp, request.headers.get("X-Slack-Signature", "")):
                return web.json_response({"error": "invalid request"}, status=401)
            log.warning("slack: refused a signed but malformed request: %s", wrong)
            return web.json_response({"error": "malformed request"}, status=400)
        assert bolt_request is not None
        try:
            return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))
        except Exception as exc:  # bolt's own payload helpers index into what they expect to find
            if not verifier.is_valid(raw, timestamp, request.headers.get("X-Slack-Signature", "")):
                return web.json_response({"error": "invalid request"}, status=401)
            log.warning("slack: refused a signed request bolt could not read: %s: %s", type(exc).__name__, str(exc)[:120])
            return web.json_response({"error": "malformed request"}, status=400)

    app.router.add_post(EVENTS_PATH, events_endpoint)
    log.info("Slack: HTTP mode, requests at %s", EVENTS_PATH)
    return Mounted(transport, cleanup=[work.close, clients.close])
