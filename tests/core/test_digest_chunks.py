"""A digest to more readers than fit in one chunk: its chart is stored once, everyone gets exactly
one digest, and a publication cut short by a crash finishes later without a lost or repeated
digest. Chunks are made small here so that a few members make several of them."""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.app import Core, build_core
from bot.dispatcher import Dispatcher
from bot.evaluation import digest_fanout, themes
from bot.evaluation.digest_fanout import DigestFanout
from flows.messages import Audience, Chart, Digest, Report, chart_digests, from_json, to_json
from storage import chart_images, digest_chunks, fanout
from storage import repository as repo
from storage.models import ChartImage, DigestChunk, OutboxMessage, utcnow
from tests.conftest import Console, make_settings
from tests.core.test_digest import NAMES, _checkin_round
from tests.core.test_outbox import RecordingTransport

CHUNK = 3
PNG = b"\x89PNG\r\n\x1a\n" + b"a chart" * 100


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest_fanout, "CHUNK", CHUNK)
    themes.warm(("en",))


async def _digest_rows(core: Core, round_id: int) -> list[tuple[str, dict[str, Any]]]:
    async with core.db.transaction() as tx:
        rows = (await tx.execute(select(OutboxMessage.audience, OutboxMessage.message).order_by(OutboxMessage.id))).all()
    return [(a, m) for a, m in rows if m["type"] == "digest" and f"#{round_id}" in m["title"]]


async def _closed_round(console: Console) -> int:
    round_id = await _checkin_round(console)
    await console.command("alice", f"reflect close {round_id}")
    return round_id


async def test_a_digest_to_many_names_one_stored_chart_and_reaches_everyone_once(core: Core, console: Console) -> None:
    round_id = await _closed_round(console)
    out = await console.command("alice", f'reflect publish {round_id} "Thanks."')
    # The turn's replies carry the first chunk; the rest follow after the commit.
    assert len([m for m in out if isinstance(m, Digest)]) == CHUNK
    assert any(f"to the {len(NAMES)} people asked" in getattr(m, "text", "") for m in out)  # the whole audience is named
    await core.config.after_commit.wait()
    rows = await _digest_rows(core, round_id)
    assert Counter(a for a, _ in rows) == Counter({f"console:local:{n}": 1 for n in NAMES})
    names = {d for _, m in rows for d in chart_digests(m)}
    assert len(names) == 1  # every row names the same chart, none carries it
    assert all("b64" not in m["chart"]["png"] for _, m in rows)
    async with core.db.transaction() as tx:
        images = await chart_images.load(tx, names)
        assert await digest_chunks.waiting(tx) == 0
    [png] = images.values()
    assert all(len(json.dumps(m)) < len(png) for _, m in rows)  # a row is smaller than its chart alone
    # What a reader of a later chunk gets is what the turn's own digest says, addressed to them.
    first = next(m for m in out if isinstance(m, Digest))
    last_key, last = rows[-1]
    again = from_json(last, images)
    assert isinstance(again, Digest) and again.audience.key == last_key and again.chart is not None
    assert again.chart.png == first.chart.png and again.chart.audience.key == last_key  # type: ignore[union-attr]
    assert (again.title, again.summary, again.sections, again.response) == (first.title, first.summary, first.sections, first.response)


async def test_a_publication_cut_short_by_a_crash_finishes_with_no_lost_or_repeated_digest(
    db_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await build_core(make_settings(db_url, tmp_path))
    console = Console(first)
    round_id = await _closed_round(console)
    real = fanout.enqueue_rows
    calls = 0

    async def dying(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise ConnectionError("the process died mid-publish")
        await real(*args, **kwargs)

    monkeypatch.setattr(fanout, "enqueue_rows", dying)
    await console.command("alice", f"reflect publish {round_id}")
    await first.config.after_commit.wait()
    partly = await _digest_rows(first, round_id)
    assert len(partly) == 2 * CHUNK  # the turn's chunk and the one before the crash
    async with first.db.transaction() as tx:
        assert await digest_chunks.waiting(tx, [round_id]) == len(NAMES) - 2 * CHUNK
    await first.close()
    monkeypatch.setattr(fanout, "enqueue_rows", real)

    restarted = await build_core(make_settings(db_url, tmp_path))
    try:
        fan = DigestFanout(restarted.db, restarted.config)
        assert await fan.finish() == len(NAMES) - 2 * CHUNK
        rows = await _digest_rows(restarted, round_id)
        assert Counter(a for a, _ in rows) == Counter({f"console:local:{n}": 1 for n in NAMES})
        assert await fan.finish() == 0  # a second sweep sends nobody a second digest
        async with restarted.db.transaction() as tx:
            assert (await tx.execute(select(func.count()).select_from(DigestChunk))).scalar_one() == 0
    finally:
        await restarted.close()


async def test_a_member_who_erases_their_data_mid_publish_gets_no_digest(core: Core, console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    round_id = await _closed_round(console)
    monkeypatch.setattr(DigestFanout, "finish", _never)  # the chunks wait (as after a crash)
    await console.command("alice", f"reflect publish {round_id}")
    await core.config.after_commit.wait()
    leaver = NAMES[-1]
    await console.command(leaver, "forget-me")
    await console.command(leaver, "forget-me confirm")
    monkeypatch.undo()
    monkeypatch.setattr(digest_fanout, "CHUNK", CHUNK)
    await DigestFanout(core.db, core.config).finish()
    got = {a for a, _ in await _digest_rows(core, round_id)}
    assert f"console:local:{leaver}" not in got and len(got) == len(NAMES) - 1


async def _never(self: DigestFanout, round_ids: Any = None) -> int:
    return 0


async def test_the_dispatcher_hands_the_stored_chart_and_old_inline_rows_to_the_transport(core: Core) -> None:
    chart = Chart(Audience.member("console:local:alice"), PNG, "alt", "Title")
    report = Report(Audience.member("console:local:bob"), "A report", charts=(chart,))
    old = to_json(chart)  # as rows were queued before charts were stored once
    assert old["png"] == {"b64": base64.b64encode(PNG).decode()}
    async with core.db.transaction() as tx:
        await core.engine.enqueue(tx, [chart, report])
        await repo.enqueue(tx, "console", "console:local:carol", {**old, "audience": {"platform": "console", "member_key": "console:local:carol", "channel_key": None}})
    transport = RecordingTransport()
    assert await Dispatcher(core.db, {"console": transport}).drain() == 3
    pngs = [m.png if isinstance(m, Chart) else m.charts[0].png for m in transport.delivered]  # type: ignore[union-attr]
    assert pngs == [PNG, PNG, PNG]


async def test_purge_drops_only_charts_no_waiting_message_names(core: Core) -> None:
    kept, gone = PNG, PNG + b"other"
    async with core.db.transaction() as tx:
        await core.engine.enqueue(tx, [Chart(Audience.member("console:local:alice"), kept, "alt")])
        await chart_images.save(tx, {"f" * 64: gone})
        long_ago = utcnow() - timedelta(days=60)
        await tx.execute(update(ChartImage.__table__).values(used_at=long_ago))
        # The waiting chart stays however old; the one no row names is purged.
        assert await chart_images.purge(tx, timedelta(days=30)) == 1
        assert set((await tx.execute(select(ChartImage.sha256))).scalars()) == {next(iter(chart_digests((await tx.execute(select(OutboxMessage.message))).scalar_one())))}
