"""A round's invitations, built from plain rows and written in chunks that never hold the writer long.

The first question of a round is the same for every member who reads the same language, so it
is rendered once per language and only the addressee changes from one member to the next. The
command's own turn invites the first chunk (its prompts are part of the turn's replies); the
rest wait in `launch_chunks` and `Launcher` invites them one short transaction at a time, so a
click from anyone else is handled between two chunks. A crash loses no chunk: the next worker,
in this process or another, takes it (storage/fanout.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from flows import repeats
from flows.definition import Flow, Step
from flows.messages import Audience, Notice, Option, Outbound, Prompt, to_json
from flows.turn import EngineConfig, render_prompt
from storage import fanout
from storage.database import Database
from storage.fanout import Invitee
from storage.models import Network, Round

log = logging.getLogger(__name__)
_PLACEHOLDER = Audience.member("launch:template:member")
PAUSE = 0.002  # seconds between two chunks


class Invitations:
    """The first step of `flow` in `round_` as each member's messages (an intro, then the question)."""

    def __init__(self, config: EngineConfig, flow: Flow, round_: Round, network_language: str, everyone: Sequence[Invitee] = ()) -> None:
        self.config = config
        self.flow = flow
        self.step: Step = flow.steps[0]
        self.round_id = round_.id
        self.anonymous = round_.anonymous
        self.network_language = network_language
        self.everyone = everyone  # only a member select lists them
        self._objects: dict[str, tuple[Notice | None, Prompt]] = {}
        self._json: dict[str, tuple[dict[str, Any] | None, dict[str, Any]]] = {}
        self._all_options = [{"value": m.key, "label": m.display_name} for m in everyone]

    def _templates(self, lang: str) -> tuple[Notice | None, Prompt]:
        if lang not in self._objects:
            intro = Notice(_PLACEHOLDER, self.flow.intro[lang], lang) if self.flow.intro else None
            prompt = render_prompt(self.config.catalog, self.flow, self.step, self.round_id, _PLACEHOLDER, lang, self.anonymous)
            self._objects[lang] = (intro, prompt)
        return self._objects[lang]

    def _json_templates(self, lang: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        if lang not in self._json:
            intro, prompt = self._templates(lang)
            self._json[lang] = (to_json(intro) if intro else None, to_json(prompt))
        return self._json[lang]

    def messages(self, members: Sequence[Invitee]) -> list[tuple[Outbound, dict[str, Any]]]:
        """As Outbound objects for the replies of a turn, each with its outbox JSON (as `to_json`
        gives it, without walking each message)."""
        rows = self.rows(members)
        out: list[tuple[Outbound, dict[str, Any]]] = []
        for _, key, data in rows:
            template = self._templates(data["language"])[0 if data["type"] == "notice" else 1]
            assert template is not None
            audience = Audience.member(key)
            if data["type"] == "prompt" and self.step.kind == "members":
                options = tuple(Option(o["value"], o["label"]) for o in data["options"])
                out.append((dataclasses.replace(template, audience=audience, options=options), data))
            else:
                out.append((dataclasses.replace(template, audience=audience), data))
        return out

    def rows(self, members: Sequence[Invitee]) -> list[tuple[str, str, dict[str, Any]]]:
        """As outbox rows: the same JSON `to_json` gives for `messages(members)`, without building it
        member by member."""
        rows: list[tuple[str, str, dict[str, Any]]] = []
        members_step = self.step.kind == "members"
        for member in members:
            intro, prompt = self._json_templates(member.language or self.network_language)
            platform = member.key.split(":", 1)[0]
            audience = {"platform": platform, "member_key": member.key, "channel_key": None}
            if intro is not None:
                rows.append((platform, member.key, {**intro, "audience": audience}))
            message = {**prompt, "audience": audience}
            if members_step:
                message["options"] = [o for o in self._all_options if o["value"] != member.key]
            rows.append((platform, member.key, message))
        return rows


async def _round_to_invite(tx: Any, round_id: int, postgres: bool) -> Round | None:
    """The round under a shared lock on PostgreSQL: chunks run side by side, a close waits for
    them (and a chunk that comes after the close finds the round closed)."""
    stmt = select(Round).where(Round.id == round_id)
    if postgres:
        stmt = stmt.with_for_update(read=True)
    return (await tx.execute(stmt)).scalar_one_or_none()


class Launcher:
    """Invites the chunks that launches left in `launch_chunks`, one transaction each."""

    def __init__(self, db: Database, config: EngineConfig) -> None:
        self.db = db
        self.config = config
        self._stopping = False

    async def invite_chunk(self, round_ids: Sequence[int] | None = None) -> int | None:
        """Invite one waiting chunk; the number of members asked, or None when none waits."""
        async with self.db.transaction() as tx:
            taken = await fanout.take_chunk(tx, round_ids)
            if taken is None:
                return None
            round_id, ids = taken
            round_ = await _round_to_invite(tx, round_id, self.db.is_postgres)
            flow = self.config.flows.get(round_.flow_id) if round_ is not None else None
            if round_ is None or round_.status != "open":
                return 0  # closed meanwhile: nobody else is asked
            if flow is None:
                log.error("round %s: its flow %r is no longer loaded; %d members were not invited", round_id, round_.flow_id, len(ids))
                return 0
            network = await tx.get(Network, round_.network_id)
            assert network is not None
            members = await fanout.invitees(tx, round_.network_id, ids)
            if repeats.asks_organisations(flow):
                flow = repeats.listed(flow, await repeats.organisations(tx, network.id))
            step = flow.steps[0]
            added = await fanout.add_sessions(tx, round_.id, members, flow.version, step.id, round_.anonymous)
            if round_.delivery == "dm":
                everyone = await fanout.everyone(tx, network.id) if step.kind == "members" else ()
                invitations = Invitations(self.config, flow, round_, network.language, everyone)
                await fanout.enqueue_rows(tx, invitations.rows([m for m in members if m.id in added]))
        if added and self.config.after_commit is not None and self.config.after_commit.on_queued is not None:
            self.config.after_commit.on_queued()  # the dispatcher sends while the next chunk is written
        return len(added)

    async def finish(self, round_ids: Sequence[int] | None = None) -> int:
        """Invite every waiting chunk (of these rounds); returns how many members were asked."""
        invited = 0
        while True:
            # A real pause, not a bare yield, before every chunk (the first comes right after the
            # command's own turn): on SQLite a chunk runs on the loop's thread, and a request that
            # arrived meanwhile needs a few turns of the loop to be read, stored and queued for the
            # writer ahead of the next chunk.
            await asyncio.sleep(PAUSE)
            count = await self.invite_chunk(round_ids)
            if count is None:
                return invited
            invited += count

    async def run(self, interval: float = 2.0) -> None:
        """Finish launches a crash (or another process) left unfinished; keeps looking every `interval`."""
        while not self._stopping:
            try:
                done = await self.finish()
                if done:
                    log.info("launches: invited %d member(s) of rounds launched earlier", done)
            except Exception:
                log.exception("launches: inviting a chunk failed; trying again shortly")
            await asyncio.sleep(interval)

    def stop(self) -> None:
        self._stopping = True
