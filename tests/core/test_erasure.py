"""`forget-me confirm` leaves nothing of the member in the database: not in any table, not in the
SQLite file's free space, not in its write-ahead log."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import make_url

from bot.app import Core, build_core
from flows.events import CommandIssued, MemberRef, MessageReceived
from adapters.transport import Pacing
from flows.messages import Notice, Outbound
from storage import repository as repo
from storage.models import Member, OutboxMessage, utcnow
from tests.conftest import CONSOLE, Console, make_settings

UID = "U7f3aQz9Kx"
NAME = "Bobbington Quüxley"
ANSWER = "zebra-quasar-7781 is what occupies me"
BOB = MemberRef("console", "local", UID, NAME)
BOB_KEY = f"console:local:{UID}"
NEEDLES = (UID, NAME, ANSWER)


def forms(needle: str) -> list[bytes]:
    """How a text can sit in the file: as UTF-8, or escaped inside stored JSON."""
    return sorted({needle.encode(), json.dumps(needle)[1:-1].encode()})


class Bob:
    """Bob's own events carry idempotency keys that name him, as Slack's and Teams' do."""

    def __init__(self, core: Core) -> None:
        self.core, self.n = core, 0

    def _key(self) -> str:
        self.n += 1
        return f"evt:{BOB_KEY}:{uuid.uuid4().hex[:8]}:{self.n}"

    async def command(self, words: str) -> list:  # type: ignore[type-arg]
        return await self.core.engine.handle(CommandIssued(CONSOLE, BOB, words, self._key(), is_direct=True))

    async def say(self, words: str) -> list:  # type: ignore[type-arg]
        return await self.core.engine.handle(MessageReceived(CONSOLE, BOB, words, self._key()))


async def fill(core: Core) -> None:
    """Bob leaves traces everywhere the bot writes."""
    console, bob = Console(core), Bob(core)
    await console.command("alice", "/yhdessa help")
    await console.command("carol", "/yhdessa help")
    await bob.command("/yhdessa members set me organisation=Quux")  # audit: member_set, member=key
    await console.command("alice", f"/yhdessa members grant {BOB_KEY}")  # audit: role_grant
    await console.command("alice", f"/yhdessa members revoke {BOB_KEY}")
    await bob.command("/yhdessa checkin")
    for words in ("4", ANSWER, "-"):
        await bob.say(words)  # named answers, "thanks" to bob
    await console.command("alice", "/yhdessa pulse start trust")
    for words in "3425":
        await bob.say(words)  # anonymous: stays, linked to nobody
    await bob.command("/yhdessa my-data")  # a document to bob with everything
    await console.command("alice", "/yhdessa members list")  # bob's name and key, to alice
    await console.command("alice", "/yhdessa export --format json")  # a file with bob's answer
    await console.command("alice", "/yhdessa reflect start network-map")  # bob is an option for carol
    async with core.db.transaction() as tx:
        # Delivered rows stay in the outbox until purged; make some of them sent.
        await tx.execute(update(OutboxMessage).where(OutboxMessage.audience == "console:local:alice").values(status="sent", sent_at=utcnow()))
        await repo.save_reference(tx, f"slack:dm:{BOB_KEY}", "console", {"channel": "D0BOB"})
        await repo.save_reference(tx, "console:local:general", "console", {"user": {"id": UID, "name": NAME}})
        await tx.execute(text(
            "INSERT INTO slack_installations (client_id, enterprise_id, team_id, is_enterprise_install, user_id, bot_token, data, installed_at)"
            " VALUES ('c1', '', 'local', false, :uid, 'xoxb-keep', :data, :at)"
        ), {"uid": UID, "data": json.dumps({"user_id": UID, "bot_token": "xoxb-keep", "user_token": f"xoxp-{UID}"}), "at": utcnow().replace(tzinfo=None)})


class Recorder:
    """A transport that takes every message (the console's own prints only the acting member's)."""

    platform = "console"
    pacing = Pacing()

    def __init__(self, into: list) -> None:  # type: ignore[type-arg]
        self.into = into

    async def deliver(self, message: Outbound) -> str | None:
        self.into.append(message)
        return None


async def traces(core: Core, needles: tuple[str, ...] = NEEDLES) -> dict[str, int]:
    """Hits of each needle: in the SQLite file and its WAL, or in every PostgreSQL table's rows."""
    hits = dict.fromkeys(needles, 0)
    if core.db.dialect == "sqlite":
        path = Path(make_url(core.db.url).database or "")
        blobs = [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
    else:
        async with core.db.transaction() as tx:
            tables = (await tx.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))).scalars().all()
            blobs = []
            for table in tables:
                rows = (await tx.execute(text(f'SELECT CAST(row_to_json(t) AS text) FROM "{table}" t'))).scalars().all()
                blobs.append("\n".join(rows).encode())
    for needle in needles:
        hits[needle] = sum(blob.count(form) for blob in blobs for form in forms(needle))
    return hits


async def carols_questions(core: Core) -> list[dict]:  # type: ignore[type-arg]
    """The network-map question waiting for carol, which offers the other members as answers."""
    async with core.db.transaction() as tx:
        waiting = (await tx.execute(select(OutboxMessage).where(OutboxMessage.audience == "console:local:carol"))).scalars().all()
    return [m.message for m in waiting if m.message.get("type") == "prompt" and m.message.get("kind") == "members"]


async def test_forget_me_leaves_no_trace_in_any_table_file_or_log(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(db_url, tmp_path))
    try:
        await fill(core)
        before = await traces(core)
        assert all(before.values()), before  # the search does find them while they are there
        assert BOB_KEY in json.dumps(await carols_questions(core))
        out = await Bob(core).command("/yhdessa forget-me confirm")
        assert "erased" in " ".join(m.text for m in out if isinstance(m, Notice))
        assert core.config.after_commit is not None
        await core.config.after_commit.wait()  # the log is wiped once the erasure committed
        # Carol's network-map question still waits for her, with bob no longer among its options.
        [question] = await carols_questions(core)
        assert question["options"] and BOB_KEY not in json.dumps(question)
        assert "console:local:alice" in [o["value"] for o in question["options"]]
        assert "\u2013" not in [o["label"] for o in question["options"]]  # bob's option is gone, not blanked
        # Only the confirmation to bob himself still names him (by his key) until it is sent.
        assert await traces(core) == {UID: 2, NAME: 0, ANSWER: 0}
        delivered: list = []  # type: ignore[type-arg]
        dispatcher = core.start_delivery({"console": Recorder(delivered)})
        await dispatcher.drain()
        assert any("erased" in getattr(m, "text", "") for m in delivered)
        assert await traces(core) == dict.fromkeys(NEEDLES, 0)

        async with core.db.transaction() as tx:
            install = (await tx.execute(text("SELECT user_id, bot_token FROM slack_installations"))).one()
        assert tuple(install) == ("", "xoxb-keep")  # the workspace keeps its bot; the installer is gone
    finally:
        await core.close()


async def test_after_forget_me_the_person_is_a_new_member_and_nobody_becomes_coordinator(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(db_url, tmp_path))
    try:
        console = Console(core)
        first = await console.command("alice", "/yhdessa help")
        assert "first member of this network" in " ".join(m.text for m in first if isinstance(m, Notice))
        await console.command("alice", "/yhdessa forget-me confirm")
        again = await console.command("alice", "/yhdessa help")
        said = " ".join(m.text for m in again if isinstance(m, Notice))
        assert "coordinator" not in said.split("\n")[0] and "first member" not in said
        assert "reflect start" not in said  # help lists no coordinator verbs to her
        async with core.db.transaction() as tx:
            network = await repo.network_by_key(tx, "console:local")
            alice = await repo.member_by_key(tx, network.id, "console:local:alice")
        assert alice is not None and alice.role == "member"
    finally:
        await core.close()


async def test_configured_coordinators_coordinate_their_own_network_only(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from flows.events import NetworkRef

    settings = make_settings(db_url, tmp_path, coordinators="slack:TB:U9,slack:TA:U1,teams:tenant-a:aad-1")
    core = await build_core(settings)
    try:
        async def run(network: NetworkRef, member: MemberRef, words: str) -> str:
            out = await core.engine.handle(CommandIssued(network, member, words, f"k:{member.key}:{network.key}:{words}", is_direct=True))
            return " ".join(m.text for m in out if isinstance(m, Notice))

        workspace_a, workspace_b = NetworkRef("slack", "TA"), NetworkRef("slack", "TB")
        guest = MemberRef("slack", "TB", "U9", "Guest")  # a Slack Connect guest from B, in A's channel
        assert "Only the network's coordinators" in await run(workspace_a, guest, "stage next")
        assert "1/10" in await run(workspace_a, MemberRef("slack", "TA", "U1", "Host"), "stage next")
        assert "1/10" in await run(workspace_b, guest, "stage next")  # at home, B's coordinator
        tenant_a = NetworkRef("teams", "tenant-a")
        assert "1/10" in await run(tenant_a, MemberRef("teams", "tenant-a", "aad-1", "T"), "stage next")
        assert "Only the network's coordinators" in await run(NetworkRef("teams", "tenant-b"), MemberRef("teams", "tenant-a", "aad-1", "T"), "stage next")
        async with core.db.transaction() as tx:
            roles = dict((await tx.execute(select(Member.key, Member.role).where(Member.key == "slack:TB:U9"))).all())
        assert roles  # one row per network; at least the one in A is a member
        async with core.db.transaction() as tx:
            network = await repo.network_by_key(tx, "slack:TA")
            assert (await repo.member_by_key(tx, network.id, "slack:TB:U9")).role == "member"  # type: ignore[union-attr]
    finally:
        await core.close()


async def test_delivered_outbox_rows_are_purged_after_the_retention(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from bot.server import purge_outbox

    core = await build_core(make_settings(db_url, tmp_path, outbox_retention_days=7))
    try:
        now = utcnow()
        rows = {
            "sent long ago": ("sent", now - timedelta(days=8)),
            "sent yesterday": ("sent", now - timedelta(days=1)),
            "dead long ago": ("dead", None),
            "waiting long": ("pending", None),
        }
        async with core.db.transaction() as tx:
            for label, (status, sent_at) in rows.items():
                await tx.execute(insert(OutboxMessage.__table__).values(
                    platform="console", audience="console:local:x", message={"kind": "notice", "text": label},
                    status=status, attempts=1, available_at=now, created_at=now - timedelta(days=9), sent_at=sent_at))
        task = asyncio.create_task(purge_outbox(core, every=3600))
        for _ in range(100):
            await asyncio.sleep(0.02)
            async with core.db.transaction() as tx:
                left = sorted(m["text"] for m in (await tx.execute(select(OutboxMessage.message))).scalars())
            if len(left) < len(rows):
                break
        task.cancel()
        assert left == ["sent yesterday", "waiting long"]
    finally:
        await core.close()


def test_retention_setting_is_validated() -> None:
    import pytest

    from bot.settings import SettingsError, load_settings

    assert load_settings().outbox_retention_days == 7
    with pytest.raises(SettingsError, match="YHDESSA_OUTBOX_RETENTION_DAYS"):
        load_settings(outbox_retention_days=0)


async def test_my_data_shows_named_answers_and_only_the_participation_in_anonymous_rounds(core: Core) -> None:
    console = Console(core)
    await console.command("alice", "/yhdessa help")
    await console.command("alice", "/yhdessa pulse start trust")
    for words in "5152":
        await console.say("alice", words)
    await console.command("alice", "/yhdessa checkin")
    await console.say("alice", "3")
    out = await console.command("alice", "/yhdessa my-data")
    said = " ".join(m.text for m in out if isinstance(m, Notice))
    assert "1 named answer" in said and "checkin/mood: 3" in said
    assert "Anonymous rounds you took part in: 1 (#1 pulse-trust)" in said
    [document] = [m for m in out if getattr(m, "filename", "") == "my-data.json"]
    data = json.loads(document.content)
    assert data["anonymous_rounds_taken_part_in"] == [{"round": 1, "flow": "pulse-trust", "answered": True}]
    assert [a["flow"] for a in data["answers"]] == ["checkin"]  # the pulse's 5, 1, 5, 2 are not hers to see
