"""How the SDK's CloudAdapter is built from our settings: auth, connector clients, host validation.

With an app id the bot authenticates both ways (inbound Bot Framework tokens, outbound MSAL
tokens) and talks only to Bot Framework hosts. Without one it is in local-development mode
(the Agents Playground, the tests): anonymous in, anonymous connector clients out, any host.
"""

from __future__ import annotations

import functools
import logging

import aiohttp
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase, OutboundHostValidator, TurnContext
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    AuthenticationConstants,
    AuthTypes,
    ClaimsIdentity,
    Connections,
)
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.client.connector_client import AttachmentsOperations
from microsoft_agents.hosting.core.connector.get_product_info import get_product_info
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.security import _SSRFConnector
from microsoft_agents.hosting.core.security._middleware import _validator_middleware

from adapters.teams.outgoing import CleanConversations, TokenSource, token_middleware
from bot.settings import Settings

log = logging.getLogger(__name__)

# The Bot Framework token authority for multi-tenant bots (as botbuilder used).
MULTI_TENANT_AUTHORITY_TENANT = "botframework.com"


class HostNotAllowed(PermissionError):
    """A service URL outside the Bot Framework hosts; PermissionError makes the SDK answer 401."""


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    if not settings.teams_app_id:
        return AgentAuthConfiguration(anonymous_allowed=True)
    if settings.teams_app_type == "UserAssignedMSI":
        auth_type = AuthTypes.user_managed_identity
    else:
        auth_type = AuthTypes.client_secret
    tenant = settings.teams_tenant_id
    if settings.teams_app_type == "MultiTenant" or not tenant:
        tenant = tenant or MULTI_TENANT_AUTHORITY_TENANT
    return AgentAuthConfiguration(
        auth_type=auth_type,
        client_id=settings.teams_app_id,
        tenant_id=tenant,
        client_secret=settings.teams_app_password,
        anonymous_allowed=False,
        # The SDK checks the issuer only when asked: a token signed by a trusted key but issued
        # for another service (another tenant's Entra ID) must not get in.
        validate_issuer=True,
    )


def connections(settings: Settings, config: AgentAuthConfiguration) -> Connections | None:
    if not settings.teams_app_id:
        return None
    from microsoft_agents.authentication.msal import MsalConnectionManager

    return MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})


def host_validator(settings: Settings) -> OutboundHostValidator:
    """In production only the Bot Framework / Teams hosts (the SDK's default list) are reachable."""
    return OutboundHostValidator(enabled=bool(settings.teams_app_id))


class ConnectorFactory(ChannelServiceClientFactoryBase):
    """Connector clients that refuse foreign hosts, and anonymous ones in local development.

    The SDK's own factory fetches a user-token client token on every turn and, without an app id,
    cannot create conversations; we need neither OAuth sign-in nor that restriction.
    """

    def __init__(self, connections: Connections | None, validator: OutboundHostValidator) -> None:
        self.connections = connections
        self.validator = validator
        self._pool: aiohttp.BaseConnector | None = None
        self._token_clients: dict[str, UserTokenClient] = {}

    def _session(self, endpoint: str, token: TokenSource | None = None) -> aiohttp.ClientSession:
        """A session on one shared connection pool: the SDK opens a client per turn and per proactive
        send, and a fresh pool each time would mean a new TCP (and TLS) connection per message.
        With validation on, the pool is the SDK's SSRF-checking connector and its URL middleware."""
        if self._pool is None or self._pool.closed:
            self._pool = _SSRFConnector(self.validator._resolved_validator) if self.validator.enabled else aiohttp.TCPConnector()
        middlewares = (_validator_middleware(self.validator),) if self.validator.enabled else ()
        if token is not None:
            middlewares = (*middlewares, token_middleware(token))
        return aiohttp.ClientSession(base_url=endpoint, connector=self._pool, connector_owner=False, middlewares=middlewares)

    async def close(self) -> None:
        for client in self._token_clients.values():
            await client.client.close()
        self._token_clients.clear()
        if self._pool is not None:
            await self._pool.close()

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        if not service_url or not self.validator.is_allowed(service_url):
            log.warning("refused to call a service URL outside the Bot Framework hosts: %s", service_url)
            raise HostNotAllowed(f"service URL {service_url!r} is not a Bot Framework host")
        token: TokenSource | None = None
        if self.connections is not None:
            provider = self.connections.get_token_provider(claims_identity, service_url)
            resource = audience or AuthenticationConstants.AGENTS_SDK_SCOPE
            wanted = scopes or claims_identity.get_token_scope()

            async def token() -> str:
                return await provider.get_access_token(resource, wanted)

        endpoint = service_url if service_url.endswith("/") else service_url + "/"
        return _TeamsClient(self._session(endpoint, token))

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        # Yhdessä never signs users in (no OAuth cards), so this client is never used to call out;
        # the SDK asks for one on every turn, and each would open (and leak) an HTTP session of its own.
        app_id = claims_identity.get_app_id() or "local-development"  # the SDK warns on every turn without one
        client = self._token_clients.get(app_id)
        if client is None:
            session = self._session(AuthenticationConstants.AGENTS_SDK_OAUTH_URL)
            client = UserTokenClient(app_id=app_id, endpoint=AuthenticationConstants.AGENTS_SDK_OAUTH_URL, token="", session=session)
            self._token_clients[app_id] = client
        return client


@functools.cache
def _user_agent() -> str:
    return get_product_info()


class _TeamsClient(TeamsConnectorClient):
    """The SDK's Teams connector client, with our clean conversation operations.

    The SDK's constructor works out its User-Agent from the installed packages' metadata (a scan of
    site-packages) every time, and the SDK asks for a client on every inbound turn and every
    proactive send: that scan was most of a Teams message's CPU. The User-Agent is the same for the
    whole process, so it is worked out once; the rest is what the SDK's constructor sets up.
    """

    def __init__(self, session: aiohttp.ClientSession) -> None:  # not the SDK's: see above
        session.headers.update({"Accept": "application/json", "Content-Type": "application/json", "User-Agent": _user_agent()})
        self.client = session
        self._attachments = AttachmentsOperations(session)
        self._conversations = CleanConversations(session)


def build_adapter(settings: Settings) -> tuple[CloudAdapter, ConnectorFactory, AgentAuthConfiguration]:
    config = auth_configuration(settings)
    validator = host_validator(settings)
    factory = ConnectorFactory(connections(settings, config), validator)
    adapter = CloudAdapter(channel_service_client_factory=factory, host_validator=validator)
    return adapter, factory, config
