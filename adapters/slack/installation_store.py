"""Installs on many workspaces: slack-bolt's OAuth flow with its installation and state stores on
our database (tables in migration 0002_slack), so one deployment serves several workspaces.

Bot tokens are kept in the database as Slack returns them: protect the database like the
SLACK_CLIENT_SECRET itself (they are never logged)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from collections.abc import Callable
from typing import Any

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import JSON, Boolean, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.settings import Settings
from storage.database import Database
from storage.models import Base, UTCDateTime, utcnow

BOT_SCOPES = (
    "app_mentions:read",
    "channels:read",
    "groups:read",
    "chat:write",
    "commands",
    "files:write",
    "im:history",
    "im:write",
    "users:read",
)
STATE_LIFETIME = timedelta(minutes=10)


class SlackInstallation(Base):
    """One workspace (or org) install; the newest row of a team is the one in use."""

    __tablename__ = "slack_installations"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), default="")
    team_id: Mapped[str] = mapped_column(String(40), default="", index=True)
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[str] = mapped_column(String(40), default="")
    bot_token: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlackOAuthState(Base):
    __tablename__ = "slack_oauth_states"
    state: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Installation data as JSON: datetimes become timestamps (what slack_sdk accepts back)."""
    return {k: (v.timestamp() if isinstance(v, datetime) else v) for k, v in data.items()}


class DatabaseInstallationStore(AsyncInstallationStore):
    def __init__(self, db: Database, client_id: str) -> None:
        self.db = db
        self.client_id = client_id
        # Told of each new install, so its token is known without a query inside a turn.
        self.on_saved: Callable[[str, str], None] | None = None
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        async with self.db.transaction() as tx:
            tx.add(
                SlackInstallation(
                    client_id=self.client_id,
                    enterprise_id=installation.enterprise_id or "",
                    team_id=installation.team_id or "",
                    is_enterprise_install=bool(installation.is_enterprise_install),
                    user_id=installation.user_id or "",
                    bot_token=installation.bot_token,
                    data=_plain(installation.to_dict_for_copying()),
                )
            )
        if self.on_saved is not None and installation.team_id and installation.bot_token:
            self.on_saved(installation.team_id, installation.bot_token)

    async def async_save_bot(self, bot: Bot) -> None:
        # Bots are saved as part of their installation (async_save); nothing separate to keep.
        return None

    async def _latest(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None, user_id: str | None = None) -> SlackInstallation | None:
        stmt = select(SlackInstallation).where(SlackInstallation.client_id == self.client_id)
        stmt = stmt.where(SlackInstallation.enterprise_id == (enterprise_id or ""))
        if not is_enterprise_install:
            stmt = stmt.where(SlackInstallation.team_id == (team_id or ""))
        if user_id:
            stmt = stmt.where(SlackInstallation.user_id == user_id)
        stmt = stmt.order_by(SlackInstallation.id.desc()).limit(1)
        async with self.db.transaction() as tx:
            return (await tx.execute(stmt)).scalar_one_or_none()

    async def async_find_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None, is_enterprise_install: bool | None = False
    ) -> Installation | None:
        row = await self._latest(enterprise_id, team_id, is_enterprise_install, user_id)
        return None if row is None else Installation(**row.data)

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False) -> Bot | None:
        installation = await self.async_find_installation(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install)
        if installation is None or not installation.bot_token:
            return None
        return installation.to_bot()

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None) -> None:
        stmt = delete(SlackInstallation).where(
            SlackInstallation.client_id == self.client_id,
            SlackInstallation.enterprise_id == (enterprise_id or ""),
            SlackInstallation.team_id == (team_id or ""),
        )
        if user_id:
            stmt = stmt.where(SlackInstallation.user_id == user_id)
        async with self.db.transaction() as tx:
            await tx.execute(stmt)

    async def all_bot_tokens(self) -> dict[str, str]:
        """Every installed workspace's newest bot token (read once at start)."""
        stmt = select(SlackInstallation.team_id, SlackInstallation.bot_token).where(SlackInstallation.client_id == self.client_id).order_by(SlackInstallation.id)
        async with self.db.transaction() as tx:
            return {team: token for team, token in (await tx.execute(stmt)).all() if team and token}

    async def bot_token(self, team_id: str) -> str | None:
        """For the transport and the directory: the bot token of an installed workspace."""
        row = await self._latest(None, team_id, False)
        return row.bot_token if row else None


class DatabaseStateStore(AsyncOAuthStateStore):
    """One-time OAuth `state` values, signed with SLACK_STATE_SECRET so forged ones fail early."""

    def __init__(self, db: Database, secret: str) -> None:
        self.db = db
        self.secret = secret.encode()
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    def _sign(self, nonce: str) -> str:
        return hmac.new(self.secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = secrets.token_urlsafe(24)
        state = f"{nonce}.{self._sign(nonce)}"
        async with self.db.transaction() as tx:
            tx.add(SlackOAuthState(state=state, expires_at=utcnow() + STATE_LIFETIME))
        return state

    async def async_consume(self, state: str) -> bool:
        nonce, _, signature = (state or "").partition(".")
        if not nonce or not hmac.compare_digest(signature, self._sign(nonce)):
            return False
        async with self.db.transaction() as tx:
            row = await tx.get(SlackOAuthState, state)
            if row is None:
                return False
            await tx.delete(row)
            return row.expires_at > utcnow()


def oauth_settings(settings: Settings, db: Database, store: DatabaseInstallationStore) -> AsyncOAuthSettings:
    assert settings.slack_client_id and settings.slack_client_secret and settings.slack_state_secret
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=store,
        state_store=DatabaseStateStore(db, settings.slack_state_secret),
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
    )
