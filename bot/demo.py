"""`yhdessa demo`: a console network with members across sectors and months of past rounds."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from bot import demo_outcomes
from bot.app import Core
from bot.demo_partners import PartnersDemo
from flows.definition import Flow, Step
from flows.events import MemberRef, NetworkRef
from storage import repository as repo
from flows.levels import LEVELS
from storage.models import Action, Member, MemberSession, Network, NetworkPhase, Response, Round, RoundDigest, utcnow

ANSWERS = Path(__file__).with_name("demo_answers.yaml")
SECTORS = ("public", "private", "third")
# How the demo network feels, per dimension: a start level and a monthly drift (the network matures).
BASELINE = {"knowing": (3.0, 0.12), "trust": (3.3, 0.08), "commitment": (3.1, 0.05)}
SECTOR_TILT = {"public": 0.1, "private": -0.3, "third": 0.3}
ORGANISATION_WEIGHTS = (6, 3, 2, 1, 1)

# The answers' structure, so that a scale's alpha is believable (about 0.6-0.9), not near 1: each
# member has a general outlook shared by all dimensions and a lasting view of each dimension; each
# round adds the mood of the moment; each item has its own loading, bias and noise, and the
# reverse-worded items load more weakly (people read them less carefully).
GENERAL_SD, SPECIFIC_SD, OCCASION_SD = 0.5, 0.45, 0.35
LOADING, ITEM_NOISE, ITEM_BIAS_SD, REVERSED_LOADING = (0.8, 1.1), (0.45, 0.65), 0.2, 0.7


async def fill_demo(core: Core, coordinator: MemberRef, members: int = 30, months: int = 6, seed: int = 7) -> str:
    data: dict[str, Any] = yaml.safe_load(ANSWERS.read_text(encoding="utf-8")) | demo_outcomes.comments()
    rng = random.Random(seed)
    async with core.db.transaction() as tx:
        network = await core.engine.network(tx, NetworkRef("console", "local"))
        lang = network.language
        if await repo.latest_rounds(tx, network.id, limit=1):
            return core.catalog.t(lang, "demo_exists")
        people = await _members(tx, network, coordinator, data, members, rng)
        now = utcnow()
        start = now - timedelta(days=30 * months)
        demo_outcomes.stagger_joins(people, start, months, rng)
        counts = {"rounds": 0, "answers": 0}
        traits: dict[tuple[int, str], float] = {}  # (member, dimension or "" for general) -> lasting view
        for month in range(months):
            opened = start + timedelta(days=30 * month)
            # The demo's work serves the service path and strategy in turn, the check-ins the client.
            level = ("service-path", "strategy")[month % 2]
            counts["answers"] += await _round(tx, core, network, people, core.flows["pulse"], opened, rng, month, data, traits, level)
            for week in (0, 14):
                counts["answers"] += await _round(tx, core, network, people, core.flows["checkin"], opened + timedelta(days=week + 3), rng, month, data, traits, "client")
            if month % 2 == 1:
                flow = core.flows[f"reflection-{1 + (month // 2) % 4}"]
                counts["answers"] += await _round(tx, core, network, people, flow, opened + timedelta(days=10), rng, month, data, traits)
            counts["rounds"] += 4 if month % 2 == 1 else 3
        counts["answers"] += await _round(tx, core, network, people, core.flows["network-map"], now - timedelta(days=7), rng, months, data, traits)
        counts["rounds"] += 1
        async def write(*args: Any) -> int:  # demo_outcomes' rounds share the members' lasting views
            return await _round(*args, traits)

        extra_rounds, extra_answers = await demo_outcomes.fill(tx, core, network, people, start, months, rng, data, write)
        counts["rounds"] += extra_rounds
        counts["answers"] += extra_answers
        if "partners" in core.flows:  # relations between organisations, early on and now (bot/demo_partners.py)
            partners = PartnersDemo(people, seed + 1)
            for opened, later in ((start + timedelta(days=20), False), (now - timedelta(days=14), True)):
                counts["answers"] += await partners.round(tx, network, core.flows["partners"], opened, people[0], later)
                counts["rounds"] += 1
        _actions(tx, network, people, start, now, rng, data)
        await _responses(tx, network, data, lang)
        network.u_stage = max(network.u_stage, min(10, 1 + months // 2))
        if await tx.get(NetworkPhase, network.id) is None:
            tx.add(NetworkPhase(network_id=network.id, phase=3, cycle=1, set_at=now, set_by=people[0].id))
    return core.catalog.t(lang, "demo_done", members=len(people), rounds=counts["rounds"], answers=counts["answers"], coordinator=coordinator.key)


async def _members(tx: Any, network: Network, coordinator: MemberRef, data: dict[str, Any], count: int, rng: random.Random) -> list[Member]:
    me = await repo.member_by_key(tx, network.id, coordinator.key)
    if me is None:
        me = Member(network_id=network.id, key=coordinator.key, display_name=coordinator.display_name or coordinator.user)
        tx.add(me)
    me.role, me.sector, me.side, me.organisation = "coordinator", me.sector or "public", me.side or "internal", me.organisation or data["organisations"]["public"][0]
    people = [me]
    names = list(data["names"])
    rng.shuffle(names)
    for i in range(count - 1):
        sector = SECTORS[i % 3]
        name = names[i % len(names)] + ("" if i < len(names) else f" {i}")
        people.append(
            Member(
                network_id=network.id,
                key=f"console:local:{name.lower().replace(' ', '-')}",
                display_name=name,
                # A few big organisations and several small ones, as in real networks (and in `report partners`).
                organisation=rng.choices(data["organisations"][sector], weights=ORGANISATION_WEIGHTS[: len(data["organisations"][sector])])[0],
                sector=sector,
                side="internal" if rng.random() < 0.6 else "external",
                role="member",
                may_be_named=rng.random() < 0.5,
            )
        )
    tx.add_all(people[1:])
    await tx.flush()
    return people


def _actions(tx: Any, network: Network, people: list[Member], start: datetime, now: datetime, rng: random.Random, data: dict[str, Any]) -> None:
    """What the network agreed on over the months: most kept, a few dropped, some open or overdue."""
    for i, text in enumerate(data.get("actions", [])):
        made = start + (now - start) * (i + 0.5) / len(data["actions"])
        due = made + timedelta(days=rng.choice((7, 14, 21)))
        owner = people[1 + (i * 7) % (len(people) - 1)] if len(people) > 1 else people[0]
        if due < now - timedelta(days=10):
            status = "dropped" if i % 6 == 4 else "done"
        else:
            status = "open"
        closed = min(now, due + timedelta(days=rng.randint(-5, 3))) if status != "open" else None
        tx.add(Action(network_id=network.id, text=text, owner_id=owner.id, created_by=people[0].id, sector=owner.sector, status=status,
                      due_at=due, created_at=made, closed_at=closed, reminders_sent=2 if due < now else 0, level=LEVELS[i % len(LEVELS)]))


async def _responses(tx: Any, network: Network, data: dict[str, Any], lang: str) -> None:
    """The coordinators published each reflection's digest with a response (the partners' report shows them)."""
    texts = data.get("responses", {}).get(lang, [])
    stmt = select(Round).where(Round.network_id == network.id, Round.flow_id.like("reflection-%")).order_by(Round.opens_at)
    for i, round_ in enumerate((await tx.execute(stmt)).scalars().all()):
        if texts:
            tx.add(RoundDigest(round_id=round_.id, status="published", response=texts[i % len(texts)], published_at=round_.closes_at))


def _item(step: Step) -> tuple[float, float, float]:
    """(loading, noise sd, bias) of one item: fixed by its id, so a weak item stays weak every round."""
    own = random.Random(step.id)
    loading = own.uniform(*LOADING) * (REVERSED_LOADING if step.reverse else 1.0)
    return loading, own.uniform(*ITEM_NOISE), own.gauss(0, ITEM_BIAS_SD)


def _score(rng: random.Random, centre: float, deviation: float, step: Step, low: int, high: int) -> float:
    """One item's answer: the dimension's centre, the member's deviation through the item's loading,
    the item's bias and its noise, on the scale; reverse-worded items stored the other way round."""
    loading, noise, bias = _item(step)
    value = min(high, max(low, round(centre + loading * deviation + bias + rng.gauss(0, noise))))
    return float(high + low - value) if step.reverse else float(value)


def _level(rng: random.Random, member: Member, dimension: str | None, month: int, traits: dict[tuple[int, str], float]) -> tuple[float, float]:
    """(centre, the member's deviation from it) for a dimension this month: a lasting general
    outlook and view of the dimension, the sector's tilt and the mood of the round."""
    base, drift = BASELINE.get(dimension or "", demo_outcomes.LEVELS.get(dimension or "", (3.4, 0.03)))
    general = traits.setdefault((member.id, ""), rng.gauss(0, GENERAL_SD))
    specific = traits.setdefault((member.id, dimension or "-"), rng.gauss(0, SPECIFIC_SD))
    return base + drift * month, general + specific + SECTOR_TILT.get(member.sector or "", 0) + rng.gauss(0, OCCASION_SD)


async def _round(tx: Any, core: Core, network: Network, people: list[Member], flow: Flow, opened: datetime, rng: random.Random, month: int, data: dict[str, Any], traits: dict[tuple[int, str], float], level: str | None = None
) -> int:
    closes = opened + timedelta(days=7)
    people = [p for p in people if p.created_at <= opened]  # who had joined by then
    round_ = Round(
        network_id=network.id, flow_id=flow.id, flow_version=flow.version, audience="network", delivery=flow.delivery,
        anonymous=flow.anonymous, status="closed", invited=len(people), opens_at=opened, closes_at=closes, closed_at=closes,
        created_by=people[0].id, level=level,
    )
    tx.add(round_)
    await tx.flush()
    rate = {"pulse": 0.8, "checkin": 0.55, "network-map": 0.75}.get(flow.kind, 0.6)
    answers = 0
    lang = network.language
    for member in people:
        responded = rng.random() < rate
        tx.add(MemberSession(round_id=round_.id, member_id=member.id, flow_version=flow.version, answered=[s.id for s in flow.steps] if responded else [],
                             status="done" if responded else "closed", started_at=opened, updated_at=opened, completed_at=opened if responded else None))
        if not responded:
            continue
        submission = secrets.token_hex(12)
        levels: dict[str | None, tuple[float, float]] = {}
        answered_at = opened + timedelta(hours=rng.randint(1, 100))
        for step in flow.steps:
            if not step.required and rng.random() < 0.4:
                continue
            value: dict[str, Any] = {}
            if step.kind == "scale":
                # A dimension's items share one level; a step of its own (a factor's two statements) its own.
                key = step.dimension or step.id.removesuffix("-2")
                if key not in levels:
                    levels[key] = _level(rng, member, key, month, traits)
                value["value_num"] = _score(rng, *levels[key], step, step.minimum or 1, step.maximum or 5)
            elif step.kind == "text":
                pool = data[step.id if step.id in data else "reflection"][lang]
                value["value_text"] = rng.choice(pool)
            elif step.kind == "members":
                same = [p.key for p in people if p is not member and p.sector == member.sector]
                other = [p.key for p in people if p is not member and p.sector != member.sector]
                # Ties across sectors grow as the network matures (later maps name more of them).
                value["value_list"] = rng.sample(same, k=min(len(same), rng.randint(1 + month // 3, 4 + month // 3))) + rng.sample(other, k=min(len(other), rng.randint(0, 1 + month // 2)))
            elif step.choices:
                value["value_text"] = rng.choice(step.choices).id
            tx.add(Response(
                round_id=round_.id, step_id=step.id, dimension=step.dimension, member_id=None if round_.anonymous else member.id,
                submission=submission, sector=member.sector, side=member.side,
                answered_at=answered_at.replace(hour=0, minute=0, second=0, microsecond=0) if round_.anonymous else answered_at,
                **value,
            ))
            answers += 1
    return answers
