"""Step 3, create space for dialogue: cross-sector intros.

`intro start` (coordinator) pairs members who do not know each other yet across organisations and
sectors, chosen by the network map's gaps (flows/pairing.py); each gets a DM introducing the
others with questions for their talk, and a week later "did you meet?" (an outbox row held back
a week, withdrawn when they answer first). `intro met yes|no`, `intro status` (the knowing-each-
other figures before and after), `intro opt-out|opt-in`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from flows.arguments import ArgumentError
from flows.map_ties import figures, latest_map, sector_pair_ties
from flows.messages import Audience, Notice, to_json
from flows.pairing import Candidate, Context, make_groups
from flows.turn import Turn
from storage import repository as repo
from storage.models import IntroBatch, IntroMember, IntroOptOut, Member, OutboxMessage, Response, Round, utcnow

FOLLOW_UP = timedelta(days=7)
YES = ("yes", "kyllä", "ja", "y")
NO = ("no", "ei", "nej", "n", "not-yet")


async def latest_batch(turn: Turn) -> IntroBatch | None:
    stmt = select(IntroBatch).where(IntroBatch.network_id == turn.network.id).order_by(IntroBatch.created_at.desc(), IntroBatch.id.desc()).limit(1)
    return (await turn.tx.execute(stmt)).scalar_one_or_none()


async def groups_of(turn: Turn, batch_id: int) -> dict[int, list[tuple[IntroMember, Member]]]:
    rows = (await turn.tx.execute(select(IntroMember, Member).join(Member, Member.id == IntroMember.member_id).where(IntroMember.batch_id == batch_id).order_by(IntroMember.grp, IntroMember.id))).all()
    found: dict[int, list[tuple[IntroMember, Member]]] = {}
    for place, member in rows:
        found.setdefault(place.grp, []).append((place, member))
    return found


async def my_intro(turn: Turn) -> tuple[IntroBatch, IntroMember, list[Member]] | None:
    """The member's latest intro and the others in their group."""
    row = (
        await turn.tx.execute(
            select(IntroMember, IntroBatch).join(IntroBatch, IntroBatch.id == IntroMember.batch_id).where(IntroMember.member_id == turn.member.id)
            .order_by(IntroBatch.created_at.desc(), IntroBatch.id.desc()).limit(1)
        )
    ).first()
    if row is None:
        return None
    place, batch = row
    others = [m for p, m in (await groups_of(turn, batch.id)).get(place.grp, []) if m.id != turn.member.id]
    return batch, place, others


def _day(turn: Turn, when: datetime) -> str:
    return turn.t("u_date", d=when.day, m=when.month, y=when.year)


def describe(turn: Turn, member: Member, lang: str) -> str:
    parts = [p for p in (member.organisation, turn.catalog.t(lang, f"sector_{member.sector}") if member.sector else None) if p]
    return f"{member.display_name} ({', '.join(parts)})" if parts else member.display_name


async def intro(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else "status"
    if sub in ("start", "aloita", "starta"):
        turn.require_coordinator()
        await _start(turn)
    elif sub in ("met", "tavattiin", "träffades"):
        await _met(turn, words[1:])
    elif sub in ("status", "tila"):
        await _status(turn)
    elif sub in ("opt-out", "pois", "avstå"):
        if await turn.tx.get(IntroOptOut, turn.member.id) is None:
            turn.tx.add(IntroOptOut(member_id=turn.member.id, at=utcnow()))
        turn.reply("intro_opted_out")
    elif sub in ("opt-in", "mukaan", "med"):
        await turn.tx.execute(delete(IntroOptOut).where(IntroOptOut.member_id == turn.member.id))
        turn.reply("intro_opted_in")
    else:
        raise ArgumentError("unknown_subcommand", verb="intro", value=sub, choices="start, status, met, opt-out, opt-in")


async def _start(turn: Turn) -> None:
    members = list(await repo.members_of(turn.tx, turn.network.id))
    opted = set((await turn.tx.execute(select(IntroOptOut.member_id).join(Member, Member.id == IntroOptOut.member_id).where(Member.network_id == turn.network.id))).scalars())
    found = await latest_map(turn.tx, turn.network.id, members)
    previous: dict[str, frozenset[str]] = {}
    last = await latest_batch(turn)
    if last is not None:
        for group in (await groups_of(turn, last.id)).values():
            keys = frozenset(m.key for _, m in group)
            for _, m in group:
                previous[m.key] = keys - {m.key}
    degree = found.degree()
    ctx = Context(
        ties=frozenset(found.ties),
        previous=previous,
        sector_ties=sector_pair_ties(members, found.ties) if found.round_id else None,
        isolated=frozenset(m.key for m in members if found.round_id and not degree[m.key]),
    )
    people = [Candidate(m.key, m.sector, m.side, m.organisation) for m in members if m.id not in opted]
    groups, unplaced = make_groups(people, ctx)
    if not groups:
        raise ArgumentError("intro_too_few", count=len(people))
    now = utcnow()
    batch = IntroBatch(network_id=turn.network.id, before={**figures(members, found.ties), "map_round": found.round_id}, follow_up_at=now + FOLLOW_UP, created_by=turn.member.id, created_at=now)
    turn.tx.add(batch)
    await turn.tx.flush()
    by_key = {m.key: m for m in members}
    places: list[tuple[IntroMember, Member, list[Member]]] = []
    for number, group in enumerate(groups, 1):
        chosen = [by_key[c.key] for c in group]
        for member in chosen:
            place = IntroMember(batch_id=batch.id, grp=number, member_id=member.id)
            turn.tx.add(place)
            places.append((place, member, [o for o in chosen if o.id != member.id]))
    follow_ups = []
    for place, member, others in places:
        lang = member.language or turn.network.language
        names = turn.catalog.t(lang, "intro_and").join(describe(turn, o, lang) for o in others)
        text = turn.catalog.t(lang, "intro_dm", name=member.display_name, others=names, questions=turn.catalog.t(lang, "intro_questions"))
        turn.emit(Notice(Audience.member(member.key), text, lang, ((turn.catalog.t(lang, "intro_button_met"), "intro met yes"),)))
        ask = Notice(Audience.member(member.key), turn.catalog.t(lang, "intro_follow_up", others=", ".join(o.display_name for o in others)), lang,
                     ((turn.catalog.t(lang, "intro_button_met"), "intro met yes"), (turn.catalog.t(lang, "intro_button_not_yet"), "intro met no")))
        row = OutboxMessage(platform=ask.audience.platform, audience=ask.audience.key, message=to_json(ask), available_at=batch.follow_up_at, created_at=now)
        turn.tx.add(row)
        follow_ups.append((place, row))
    await turn.tx.flush()
    for place, row in follow_ups:
        place.follow_up = row.id
    sector = {m.key: m.sector for m in members}
    crossing = sum(1 for g in groups if len({sector[c.key] for c in g}) > 1)
    trios = sum(1 for g in groups if len(g) == 3)
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "intro_start", batch=batch.id, groups=len(groups))
    lines = [turn.t("intro_made", count=len(groups), members=sum(len(g) for g in groups), crossing=crossing)]
    if trios:
        lines.append(turn.t("intro_trios", count=trios))
    if unplaced:
        lines.append(turn.t("intro_unplaced", count=len(unplaced)))
    if opted:
        lines.append(turn.t("intro_opted_count", count=len(opted)))
    if found.round_id is None:
        lines.append(turn.t("intro_no_map"))
    lines.append(turn.t("intro_follow_up_when", date=_day(turn, batch.follow_up_at)))
    turn.reply_text("\n".join(lines))


async def _met(turn: Turn, words: list[str]) -> None:
    answer = words[0].lower() if words else ""
    if answer not in YES + NO:
        raise ArgumentError("intro_met_usage")
    mine = await my_intro(turn)
    if mine is None:
        raise ArgumentError("intro_none_for_you")
    batch, place, others = mine
    place.met, place.answered_at = answer in YES, utcnow()
    if place.follow_up is not None:  # answered before the follow-up was due: it need not come
        await turn.tx.execute(delete(OutboxMessage).where(OutboxMessage.id == place.follow_up, OutboxMessage.status == "pending", OutboxMessage.audience == turn.member.key))
        place.follow_up = None
    turn.reply("intro_met_thanks" if place.met else "intro_not_yet_thanks", others=turn.t("intro_and").join(o.display_name for o in others))


async def knowing_mean(turn: Turn, before: datetime | None = None, after: datetime | None = None) -> tuple[float | None, int]:
    """Mean of the knowing-each-other items of the latest round before `before` or all rounds
    opened after `after`, with its respondents; None below the anonymity threshold."""
    stmt = select(Response.round_id, func.avg(Response.value_num), func.count(func.distinct(Response.submission))).join(Round, Round.id == Response.round_id).where(
        Round.network_id == turn.network.id, Response.dimension == "knowing", Response.value_num.is_not(None))
    if before is not None:
        stmt = stmt.where(Round.opens_at < before)
    if after is not None:
        stmt = stmt.where(Round.opens_at >= after)
    rows = (await turn.tx.execute(stmt.group_by(Response.round_id, Round.opens_at).order_by(Round.opens_at.desc()))).all()
    if before is not None:
        rows = rows[:1]
    respondents = sum(int(n) for _, _, n in rows)
    if not rows or respondents < turn.config.anonymity_threshold:
        return None, respondents
    return sum(float(mean) * int(n) for _, mean, n in rows) / respondents, respondents


async def _status(turn: Turn) -> None:
    batch = await latest_batch(turn)
    if batch is None:
        turn.reply("intro_none")
        return
    groups = await groups_of(turn, batch.id)
    members = list(await repo.members_of(turn.tx, turn.network.id))
    answered = sum(1 for g in groups.values() for p, _ in g if p.met is not None)
    met_groups = [g for g in groups.values() if any(p.met for p, _ in g)]
    found = await latest_map(turn.tx, turn.network.id, members)
    new_ties = {frozenset((a.key, b.key)) for g in met_groups for i, (_, a) in enumerate(g) for _, b in g[i + 1 :]}
    after = figures(members, found.ties | new_ties)
    before = batch.before
    lines = [turn.t("intro_status", date=_day(turn, batch.created_at), count=len(groups), answered=answered, met=len(met_groups))]
    lines.append(turn.t("intro_figures", ties_before=before.get("ties", 0), ties_after=after["ties"], cross_before=before.get("cross_sector", 0), cross_after=after["cross_sector"],
                        isolated_before=before.get("isolated", 0), isolated_after=after["isolated"]))
    then, _ = await knowing_mean(turn, before=batch.created_at)
    now, _ = await knowing_mean(turn, after=batch.created_at)
    decimal = turn.t("u_decimal")
    if then is not None or now is not None:
        lines.append(turn.t("intro_knowing", before="–" if then is None else f"{then:.1f}".replace(".", decimal), after="–" if now is None else f"{now:.1f}".replace(".", decimal)))
    mine = await my_intro(turn)
    if mine is not None and mine[0].id == batch.id:
        _, place, others = mine
        lines.append(turn.t("intro_yours", others=", ".join(describe(turn, o, turn.lang) for o in others)))
    turn.reply_text("\n".join(lines))
