"""After a command that queued many Slack messages (a launch to a big channel), tell the person
who gave it how long delivery will take. Slack's tiers make a large round slow: every member
without a DM channel yet costs one conversations.open (Tier 3, about 50 a minute), so 2,000
members take about 50 minutes however fast the bot is. Said in rate-minutes of the pacing
table, so a test that scales the minute down gets the real-world figure."""

from __future__ import annotations

from sqlalchemy import func, select

from adapters.slack.rates import delivery_minutes
from adapters.transport import Pacing
from flows.events import CommandIssued
from flows.i18n import Catalog
from flows.messages import Audience, Notice, to_json
from flows.turn import language_of
from storage import repository as repo
from storage.database import Database
from storage.models import ConversationReference, OutboxMessage

WORTH_SAYING = 2  # minutes; shorter deliveries need no word


async def last_outbox_id(db: Database) -> int:
    """Read before the acknowledgement, so on a connection of its own: it must not queue behind
    the turns that wait for SQLite's writer."""
    async with db.connect() as conn:
        return int((await conn.execute(select(func.max(OutboxMessage.id)))).scalar_one() or 0)


def _is_person(audience: str) -> bool:
    return audience.rsplit(":", 1)[-1][:1] in ("U", "W")


async def tell_delivery_time(db: Database, catalog: Catalog, pacing: Pacing, event: CommandIssued, since_id: int) -> int | None:
    """Queue the estimate (in the commander's language) if it is long; returns the minutes."""
    async with db.transaction() as tx:
        stmt = select(OutboxMessage.audience).where(
            OutboxMessage.id > since_id, OutboxMessage.platform == "slack", OutboxMessage.status.in_(("pending", "sending"))
        )
        audiences = list((await tx.execute(stmt)).scalars().all())
        people = {a for a in audiences if _is_person(a)}
        if len(audiences) < 10:
            return None
        known = set((await tx.execute(select(ConversationReference.key).where(ConversationReference.key.in_([f"slack:dm:{p}" for p in people])))).scalars().all())
        minutes = delivery_minutes(pacing, len(audiences), len(people) - len(known))
        if minutes < WORTH_SAYING:
            return minutes
        network = await repo.network_by_key(tx, event.network.key)
        member = await repo.member_by_key(tx, network.id, event.member.key) if network else None
        lang = language_of(member, network) if member and network else (network.language if network else "en")
        text = catalog.t(lang, "slack_delivery_estimate", count=len(people) or len(audiences), minutes=minutes)
        await repo.enqueue(tx, "slack", event.member.key, to_json(Notice(Audience.member(event.member.key), text, lang)))
    return minutes
