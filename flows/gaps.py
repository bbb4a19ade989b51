"""Step 2, gather the network: `gaps` shows which sectors, sides and organisations are missing or
thin, from the member list and the latest network map; `actor propose|list|invite` lets members
propose actors to invite and gives a coordinator the invitation text to send."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select

from flows.arguments import ArgumentError, parse_id
from flows.map_ties import SECTORS, latest_map, sector_pair_ties
from flows.turn import Turn
from flows.welcome import is_unnamed
from storage import repository as repo
from storage.models import ActorProposal, Member, utcnow

SIDES = ("internal", "external")
FIELDS = ("org", "organisation", "sector", "side", "why")


def thin(count: int, total: int, kinds: int) -> bool:
    """Fewer than half an even share (and always when fewer than two)."""
    return count < 2 or count < total / kinds / 2


def gap_lines(turn: Turn, members: Sequence[Member]) -> list[str]:
    total = len(members)
    lines = [turn.t("gaps_members", count=total)]
    sectors = Counter(m.sector for m in members if m.sector)
    for sector in SECTORS:
        if not sectors[sector]:
            lines.append(turn.t("gaps_missing", what=turn.t(f"sector_{sector}")))
        elif thin(sectors[sector], total, len(SECTORS)):
            lines.append(turn.t("gaps_thin", what=turn.t(f"sector_{sector}"), count=sectors[sector]))
    sides = Counter(m.side for m in members if m.side)
    for side in SIDES:
        if not sides[side]:
            lines.append(turn.t("gaps_missing", what=turn.t(f"side_{side}")))
        elif thin(sides[side], total, len(SIDES)):
            lines.append(turn.t("gaps_thin", what=turn.t(f"side_{side}"), count=sides[side]))
    if len(lines) == 1 and total:
        lines.append(turn.t("gaps_all_present"))
    organisations = Counter(m.organisation.casefold() for m in members if m.organisation)
    alone = sum(1 for count in organisations.values() if count == 1)
    lines.append(turn.t("gaps_organisations", count=len(organisations), alone=alone))
    by_sector = {s: len({m.organisation.casefold() for m in members if m.sector == s and m.organisation}) for s in SECTORS}
    for sector, count in by_sector.items():
        if sectors[sector] and count <= 1:
            lines.append(turn.t("gaps_one_organisation", sector=turn.t(f"sector_{sector}"), count=count))
    unknown = sum(1 for m in members if not m.sector or not m.organisation)
    if unknown:
        lines.append(turn.t("gaps_unknown", count=unknown))
    return lines


async def map_lines(turn: Turn, members: Sequence[Member]) -> list[str]:
    found = await latest_map(turn.tx, turn.network.id, members)
    if found.round_id is None:
        return [turn.t("gaps_no_map")]
    threshold = turn.config.anonymity_threshold
    if found.respondents < threshold:
        return [turn.t("gaps_map_small", threshold=threshold)]
    pairs = sector_pair_ties(members, found.ties)
    present = {m.sector for m in members if m.sector}
    pairs = {pair: n for pair, n in pairs.items() if pair <= present}
    lines = [turn.t("gaps_map_header", id=found.round_id, answered=found.respondents)]
    for pair, count in sorted(pairs.items(), key=lambda item: item[1]):
        a, b = sorted(pair)
        lines.append(turn.t("gaps_bridge", a=turn.t(f"sector_{a}"), b=turn.t(f"sector_{b}"), count=count))
    degree = found.degree()
    isolated = Counter(m.sector or "-" for m in members if not degree[m.key])
    if isolated:
        lines.append(turn.t("gaps_isolated", count=sum(isolated.values())))
    return lines


async def gaps(turn: Turn, words: list[str]) -> None:
    members = await repo.members_of(turn.tx, turn.network.id)
    proposals = await _proposals(turn)
    lines = [turn.t("gaps_header"), *gap_lines(turn, members), *await map_lines(turn, members)]
    lines.append(turn.t("gaps_proposals", count=len(proposals)))
    lines.append(turn.t("gaps_how"))
    turn.reply_text("\n".join(lines))


async def _proposals(turn: Turn) -> list[ActorProposal]:
    stmt = select(ActorProposal).where(ActorProposal.network_id == turn.network.id).order_by(ActorProposal.id)
    return list((await turn.tx.execute(stmt)).scalars().all())


async def actor(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else "list"
    if sub in ("propose", "ehdota", "föreslå"):
        await _propose(turn, words[1:])
    elif sub in ("list", "lista"):
        found = await _proposals(turn)
        if not found:
            turn.reply("actor_none")
            return
        lines = [turn.t("actor_header", count=len(found))]
        for p in found[-30:]:
            lines.append(turn.t("actor_line", id=p.id, name=p.name, organisation=p.organisation or "–",
                                sector=turn.t(f"sector_{p.sector}") if p.sector else "–", status=turn.t(f"actor_status_{p.status}")))
        turn.reply_text("\n".join(lines))
    elif sub in ("invite", "kutsu", "bjud"):
        turn.require_coordinator()
        if len(words) < 2:
            raise ArgumentError("actor_invite_usage")
        proposal = await turn.tx.get(ActorProposal, parse_id(words[1], "actor_unknown"))
        if proposal is None or proposal.network_id != turn.network.id:
            raise ArgumentError("actor_unknown", value=words[1])
        lang = words[2].lower() if len(words) > 2 and words[2].lower() in ("fi", "sv", "en") else turn.network.language
        reason = proposal.reason or (turn.catalog.t(lang, "actor_reason_sector", sector=turn.catalog.t(lang, f"sector_{proposal.sector}")) if proposal.sector else turn.catalog.t(lang, "actor_reason_default"))
        network = turn.catalog.t(lang, "network_name_placeholder") if is_unnamed(turn.network.name, turn.network.key) else turn.network.name
        invitation = turn.catalog.t(lang, "actor_invitation", name=proposal.name, network=network, reason=reason)
        proposal.status, proposal.invited_at = "invited", utcnow()
        await repo.audit(turn.tx, turn.network.id, turn.member.key, "actor_invited", proposal=proposal.id)
        turn.reply_text(turn.t("actor_invite_text", name=proposal.name) + "\n\n" + invitation)
    else:
        raise ArgumentError("unknown_subcommand", verb="actor", value=sub, choices="propose, list, invite")


async def _propose(turn: Turn, words: list[str]) -> None:
    name_words = [w for w in words if "=" not in w]
    fields = dict(w.split("=", 1) for w in words if "=" in w)
    for key in fields:
        if key.lower() not in FIELDS:
            raise ArgumentError("members_set_field", value=key, fields=", ".join(FIELDS))
    name = " ".join(name_words).strip()[:200]
    if not name:
        raise ArgumentError("actor_propose_usage")
    fields = {k.lower(): v for k, v in fields.items()}
    sector, side = fields.get("sector"), fields.get("side")
    if sector and sector not in SECTORS:
        raise ArgumentError("members_set_choice", field="sector", value=sector, choices=", ".join(SECTORS))
    if side and side not in SIDES:
        raise ArgumentError("members_set_choice", field="side", value=side, choices=", ".join(SIDES))
    organisation = (fields.get("org") or fields.get("organisation") or "")[:200] or None
    proposal = ActorProposal(network_id=turn.network.id, member_id=turn.member.id, name=name, organisation=organisation, sector=sector, side=side,
                             reason=(fields.get("why") or "")[:1000] or None, status="proposed", created_at=utcnow())
    turn.tx.add(proposal)
    await turn.tx.flush()
    turn.reply("actor_proposed", id=proposal.id, name=name)
