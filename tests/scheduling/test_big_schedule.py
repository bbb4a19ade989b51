"""A scheduled round to more members than fit in one launch chunk reaches every member once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert, select

from storage import fanout
from storage.models import Member, utcnow
from tests.conftest import Console
from tests.scheduling.helpers import last_outbox_id, outbox_after, rounds
from tests.scheduling.test_service import Clock, network_of_three, started  # noqa: F401 (the fixture)


async def test_a_scheduled_round_bigger_than_a_chunk_prompts_everyone_once(console: Console, started, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    monkeypatch.setattr(fanout, "CHUNK", 20)
    schedule_id = await network_of_three(console, 'schedule add pulse-trust "every monday 09:00" --tz Europe/Helsinki')
    async with console.core.db.transaction() as tx:
        network_id = (await tx.execute(select(Member.network_id).limit(1))).scalar_one()
        rows = [
            {"network_id": network_id, "key": f"console:local:s{i:03d}", "display_name": f"S {i}", "role": "member", "may_be_named": False, "created_at": utcnow()}
            for i in range(97)
        ]
        await tx.execute(insert(Member.__table__), rows)
        everyone = set((await tx.execute(select(Member.key))).scalars().all())
    clock = Clock(datetime.now(timezone.utc))
    service = await started(console.core, clock)
    mark = await last_outbox_id(console.core)
    clock.now = service.next_run(schedule_id)
    await service.tick()
    (round_,) = await rounds(console.core)
    prompted = Counter(m.audience for m in await outbox_after(console.core, mark) if m.kind == "prompt")
    assert set(prompted) == everyone and set(prompted.values()) == {1}
    assert round_.invited == len(everyone) == 100
