"""A member's own part in the journey's practices: what is open for them (for `stage` and App
Home), and everything of theirs the practices hold (for my-data)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from flows import decisions, intros, journal, roles
from flows.turn import Turn
from storage import decisions as store, roles as roles_store
from storage.models import ActorProposal, Fact, IntroBatch, IntroMember, IntroOptOut, JournalEntry, NetworkPhase, Prototype, utcnow

INTRO_OPEN = timedelta(days=21)
PROTOTYPE_STALE = timedelta(days=14)


async def open_practices(turn: Turn) -> list[str]:
    lines: list[str] = []
    mine = await intros.my_intro(turn)
    if mine is not None:
        batch, place, others = mine
        if place.met is None and batch.created_at > utcnow() - INTRO_OPEN and others:
            lines.append(turn.t("u_open_intro", others=turn.t("intro_and").join(intros.describe(turn, o, turn.lang) for o in others)))
    if turn.network.u_stage in journal.PROMPTS and not await journal.wrote_this_week(turn):
        lines.append(turn.t("u_open_journal", prompt=turn.t(journal.prompt_key(turn.network.u_stage))))
    stmt = select(Prototype).where(Prototype.network_id == turn.network.id, Prototype.owner_id == turn.member.id, Prototype.status.in_(("idea", "testing", "paused")))
    stale = utcnow() - PROTOTYPE_STALE
    for row in (await turn.tx.execute(stmt.order_by(Prototype.id))).scalars():
        key = "u_open_prototype_stale" if row.updated_at < stale else "u_open_prototype"
        lines.append(turn.t(key, id=row.id, hypothesis=row.hypothesis[:80], test=row.next_test or "–"))
    _, offered = await roles.mine(turn)
    lines += [turn.t("u_open_role", id=r.id, title=r.title[:80]) for r in offered]
    lines += await decisions.open_lines(turn)
    if turn.network.u_stage in (6, 7) and not await store.member_drafts(turn.tx, turn.member.id):
        lines.append(turn.t("u_open_vision_draft"))
    return lines


async def role_lines(turn: Turn) -> list[str]:
    """The roles the member holds, one line (App Home and `stage` show who does what)."""
    held, _ = await roles.mine(turn)
    return [turn.t("u_my_roles", roles="; ".join(f"#{r.id} {r.title[:60]}" for r in held[:6]))] if held else []


async def member_data(turn: Turn) -> dict[str, Any]:
    """The member's facts, proposals, intros, opt-out, journal, prototypes, ground rules, vision
    drafts and dots on them, for my-data."""
    tx, me = turn.tx, turn.member.id
    facts = (await tx.execute(select(Fact).where(Fact.member_id == me).order_by(Fact.id))).scalars().all()
    actors = (await tx.execute(select(ActorProposal).where(ActorProposal.member_id == me).order_by(ActorProposal.id))).scalars().all()
    places = (await tx.execute(select(IntroMember, IntroBatch).join(IntroBatch, IntroBatch.id == IntroMember.batch_id).where(IntroMember.member_id == me).order_by(IntroBatch.id))).all()
    entries = (await tx.execute(select(JournalEntry).where(JournalEntry.member_id == me).order_by(JournalEntry.id))).scalars().all()
    owned = (await tx.execute(select(Prototype).where(Prototype.owner_id == me).order_by(Prototype.id))).scalars().all()
    phases = (await tx.execute(select(NetworkPhase).where(NetworkPhase.set_by == me))).scalars().all()
    return {
        "facts": [{"id": f.id, "fact": f.text, "source": f.source, "added": f.created_at.isoformat()} for f in facts],
        "proposed_actors": [{"id": a.id, "name": a.name, "organisation": a.organisation, "sector": a.sector, "reason": a.reason, "status": a.status} for a in actors],
        "intros": [{"batch": b.id, "made": b.created_at.isoformat(), "met": p.met} for p, b in places],
        "intro_opt_out": await tx.get(IntroOptOut, me) is not None,
        "journal": [{"id": e.id, "step": e.u_step, "written": e.created_at.isoformat(), "text": e.text} for e in entries],
        "prototypes_owned": [{"id": p.id, "hypothesis": p.hypothesis, "status": p.status, "next_test": p.next_test, "lesson": p.lesson, "level": p.level} for p in owned],
        "roles": [roles_store.as_record(r, me) for r in await roles_store.of_member(tx, me)],
        # The network's current continuum phase names who set it last (forget-me: SET NULL).
        "continuum_phase_set_by_you": [{"phase": p.phase, "cycle": p.cycle, "set_at": p.set_at.isoformat()} for p in phases],
        **await decisions.member_data(turn),
    }


def member_data_line(turn: Turn, data: dict[str, Any]) -> str:
    line = turn.t("mydata_practices", facts=len(data["facts"]), actors=len(data["proposed_actors"]), intros=len(data["intros"]),
                  journal=len(data["journal"]), prototypes=len(data["prototypes_owned"])) + " " + turn.t(
        "mydata_charter_vision", rules=len(data["charter_proposals"]), drafts=len(data["vision_drafts"]), votes=len(data["charter_and_vision_votes"]))
    return line + ("\n" + turn.t("mydata_roles", count=len(data["roles"])) if data["roles"] else "")
