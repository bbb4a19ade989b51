"""Steps asked once per organisation chosen (flows/repeats.py), and what the loader refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import repeats
from flows.loader import FlowError, load_flows
from flows.registry import FlowRegistry

HEAD = """id: ties
title: {fi: Suhteet, sv: Relationer, en: Ties}
steps:
  - id: who
    kind: organisations
    text: {fi: Kenen kanssa?, sv: Med vem?, en: With whom?}
"""
RATED = """  - id: rate
    per: who
    kind: scale
    min: 1
    max: 4
    labels: {min: {fi: a, sv: b, en: c}, max: {fi: d, sv: e, en: f}}
    text: {fi: "Kuinka hyvin {organisation}?", sv: "Hur väl {organisation}?", en: "How well does {organisation} do?"}
"""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (HEAD + RATED.replace("per: who", "per: nobody"), "per must name an earlier step of kind organisations"),
        (HEAD.replace("  - id: who", RATED + "  - id: who"), "per must name an earlier step"),  # asked before the choice
        (HEAD + RATED.replace("kind: scale", "kind: text"), "must be a scale or multi"),
        (HEAD + RATED.replace("{organisation}", "it"), "put {organisation} in its text"),
        (HEAD.replace("id: who", "id: who#1"), "without ':' or '#'"),
    ],
)
def test_a_broken_repeated_step_is_named(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "ties.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)
    assert "ties.yaml" in str(caught.value) and problem in str(caught.value)


def test_the_questions_repeat_per_organisation_in_the_order_chosen() -> None:
    flow = FlowRegistry.load(None)["partners"]
    names = ["Oulun kaupunki", "SPR, Oulun osasto", "Yritys Oy"]
    listed = repeats.listed(flow, names)
    assert [s.id for s in listed.steps] == ["partners"]  # nothing asked about organisations not yet chosen
    assert [c.label["fi"] for c in listed.steps[0].choices] == names
    ids = {c.id for c in listed.steps[0].choices}
    assert len(ids) == 3 and not any("," in i for i in ids)  # Teams joins chosen values with commas
    chosen = repeats.after_choosing(flow, listed.steps[0], ["Yritys Oy", "Oulun kaupunki"])
    assert [s.id for s in chosen.steps][:3] == ["partners", "often#1", "how#1"]
    assert len(chosen.steps) == 1 + 2 * 8
    second = chosen.step("reliable#2")
    assert second is not None and second.about == "Oulun kaupunki" and second.base == "reliable"
    assert "Oulun kaupunki" in second.text["fi"] and "{organisation}" not in second.text["sv"]
    # Checking a click before it is stored, the registered flow answers for a copy it has not made.
    assert flow.step("reliable#7") is flow.step("reliable")
    assert flow.step("partners#1") is None  # only repeated steps have copies
