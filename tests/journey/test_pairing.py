"""Intro pairing on the demo network: across sectors and organisations, chosen from the map."""

from __future__ import annotations

from itertools import combinations

from bot.demo import fill_demo
from flows.map_ties import latest_map
from flows.pairing import Candidate, Context, make_groups
from storage import repository as repo
from tests.conftest import Console, member
from tests.journey.helpers import intro_groups, texts


def pairs_of(groups) -> set[frozenset[str]]:  # type: ignore[no-untyped-def]
    return {frozenset((a.key, b.key)) for g in groups for a, b in combinations(g, 2)}


async def test_demo_network_of_31_makes_14_pairs_and_one_trio_across_organisations(core, console: Console) -> None:
    await fill_demo(core, member("alice"), members=31)
    out = await console.command("alice", "intro start")
    assert "15 intro groups of 31 members" in texts(out) and "One group has three members" in texts(out)
    [groups] = await intro_groups(core)
    assert sorted(len(g) for g in groups) == [2] * 14 + [3]
    everyone = [m.key for g in groups for m in g]
    assert len(everyone) == len(set(everyone)) == 31
    for group in groups:
        for a, b in combinations(group, 2):
            assert a.organisation != b.organisation or a.sector != b.sector
            assert a.organisation.casefold() != b.organisation.casefold()  # nobody meets a colleague
    # The measured gaps steer it: the pairs cross sectors and join people the map has not tied.
    async with core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        people = await repo.members_of(tx, network.id)
        ties = (await latest_map(tx, network.id, people)).ties
    assert ties, "the demo has a network map"
    assert sum(1 for g in groups if len({m.sector for m in g}) > 1) >= 14
    assert len(pairs_of(groups) & ties) <= 1
    # Every member got their intro, naming the others and with questions for the talk.
    for group in groups:
        for m in group:
            dm = "\n".join(n.text for n in out if getattr(n, "audience", None) and n.audience.member_key == m.key)
            assert all(o.display_name in dm for o in group if o is not m) and "Questions for your talk" in dm


async def test_nobody_is_paired_twice_in_a_row_and_opted_out_members_never(core, console: Console) -> None:
    await fill_demo(core, member("alice"), members=31)
    async with core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        people = list(await repo.members_of(tx, network.id))
    leaving = [p for p in people if p.key != "console:local:alice"][:2]
    for person in leaving:
        await console.command(person.key.rsplit(":", 1)[-1], "intro opt-out")
    out = await console.command("alice", "intro start")
    assert "2 members have opted out of intros" in texts(out)
    for _ in range(2):
        await console.command("alice", "intro start")
    batches = await intro_groups(core)
    assert len(batches) == 3
    out_keys = {p.key for p in leaving}
    for groups in batches:
        keys = {m.key for g in groups for m in g}
        assert not keys & out_keys and len(keys) == 29
    for first, second in zip(batches, batches[1:]):
        assert not pairs_of(first) & pairs_of(second)
    # Opting in again brings a member back.
    await console.command(leaving[0].key.rsplit(":", 1)[-1], "intro opt-in")
    await console.command("alice", "intro start")
    latest = (await intro_groups(core))[-1]
    assert leaving[0].key in {m.key for g in latest for m in g}


def test_pairing_leaves_out_who_only_has_colleagues_and_never_pairs_inside_an_organisation() -> None:
    people = [Candidate(f"k{i}", "public", None, "City") for i in range(4)] + [Candidate("x", "third", None, "Assoc")]
    groups, unplaced = make_groups(people, Context(), seed=1)
    assert len(groups) == 1 and "x" in {c.key for c in groups[0]} and len(groups[0]) == 2
    assert len(unplaced) == 3  # three colleagues of one organisation, no partner allowed for them
    for group in groups:
        assert len({c.organisation for c in group}) == len(group)


def test_an_odd_member_out_joins_the_group_that_suits_them() -> None:
    people = [Candidate("a", "public", None, "A"), Candidate("b", "private", None, "B"), Candidate("c", "third", None, "C")]
    groups, unplaced = make_groups(people, Context(), seed=3)
    assert unplaced == [] and [len(g) for g in groups] == [3]
