"""The app leaves a workspace: `app_uninstalled`, or `tokens_revoked` naming the bot's token.

Slack sends these after the token is gone (bolt skips its auth.test for them, see
slack_bolt/middleware/authorization/internals.py `no_auth_test_events`). The installation is
removed, so nothing tries that workspace's token again, and the workspace's schedules are
paused (not removed: a coordinator who reinstalls resumes them with `schedule resume`). Answers
and members stay; erasing them is the members' and coordinators' own decision."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update

from adapters.slack.clients import SlackClients
from storage.database import Database
from storage.models import Network, Schedule

log = logging.getLogger(__name__)


async def workspace_gone(db: Database, clients: SlackClients, store: Any, team_id: str, enterprise_id: str | None) -> int:
    """Forget the workspace's installation and pause its schedules; returns how many were paused."""
    if store is not None:
        await store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
    clients.forget(team_id)
    async with db.transaction() as tx:
        networks = select(Network.id).where(Network.key == f"slack:{team_id}").scalar_subquery()
        result = await tx.execute(update(Schedule).where(Schedule.network_id.in_(networks), Schedule.paused.is_(False)).values(paused=True))
    paused = int(result.rowcount or 0)
    log.info("slack: the app left workspace %s; %d schedules paused", team_id, paused)
    return paused
