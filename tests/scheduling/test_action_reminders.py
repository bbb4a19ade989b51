"""Owners are reminded of an action before it is due: at most twice, in working hours in their own
time zone, never after the due date, and never twice for the same moment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.scheduling.action_reminders import moments
from storage.models import Action
from tests.conftest import Console
from tests.scheduling.helpers import last_outbox_id, outbox_after
from tests.scheduling.test_service import Clock, started  # noqa: F401 (the fixture)

HELSINKI = ZoneInfo("Europe/Helsinki")
HOURS = (9, 17)


def action(made: datetime, due: datetime) -> Action:
    return Action(created_at=made, due_at=due, reminders_sent=0, status="open")


def test_two_reminders_in_working_hours_before_the_due_date() -> None:
    made = datetime(2026, 12, 1, 10, 0, tzinfo=HELSINKI)  # a Tuesday
    found = moments(action(made, made + timedelta(weeks=2)), "Europe/Helsinki", HOURS)
    assert len(found) == 2 and all(made < m < made + timedelta(weeks=2) for m in found)
    for moment in found:
        local = moment.astimezone(HELSINKI)
        assert local.weekday() < 5 and 9 <= local.hour < 17
    # Due on a Monday morning: the day before is a Sunday, so the reminder comes on Friday.
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=HELSINKI)
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=HELSINKI)
    for moment in moments(action(friday - timedelta(days=3), monday), "Europe/Helsinki", HOURS):
        assert moment < monday and moment.astimezone(HELSINKI).weekday() < 5
    # In the owner's own zone: 9:00 in New York, not in Helsinki.
    made = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    for moment in moments(action(made, made + timedelta(days=10)), "America/New_York", HOURS):
        assert 9 <= moment.astimezone(ZoneInfo("America/New_York")).hour < 17
    # Made an hour before it is due: no time left to remind.
    assert moments(action(made, made + timedelta(hours=1)), "Europe/Helsinki", HOURS) == []


async def test_the_owner_is_reminded_twice_at_most_and_not_after_it_is_done(console: Console, started) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    await console.command("alice", "help")
    await console.command("bob", "members set me tz=Europe/Helsinki")
    await console.command("alice", 'action add "Send the service map" --owner @bob --due 2w')
    await console.command("alice", 'action add "Book the room" --owner @bob --due 2w')
    await console.command("bob", "action done 2")
    async with console.core.db.transaction() as tx:
        first = (await tx.execute(select(Action).where(Action.id == 1))).scalar_one()
        planned = moments(first, "Europe/Helsinki", HOURS)
    assert len(planned) == 2
    service = await started(console.core, Clock(planned[0] - timedelta(minutes=1)))
    mark = await last_outbox_id(console.core)
    await service.tick(planned[0] - timedelta(minutes=1))
    assert await outbox_after(console.core, mark) == []
    sent = []
    for moment in (planned[0], planned[0] + timedelta(minutes=5), planned[1], planned[1] + timedelta(days=1), first.due_at + timedelta(days=1)):
        await service.tick(moment)
        sent += [m for m in await outbox_after(console.core, mark) if m.id not in {s.id for s in sent}]
    assert [m.audience for m in sent] == ["console:local:bob", "console:local:bob"]
    assert all("Send the service map" in m.text and "reminder" in m.text for m in sent)
    assert [label for label, _ in sent[0].message["actions"]] == ["Done", "Not yet", "Drop"]
