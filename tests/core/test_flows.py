"""Flow files: the built-ins load, and a broken file is named with its step and its problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.loader import FlowError, load_flows
from flows.registry import FlowRegistry

GOOD = """
id: team-retro
kind: custom
title: {fi: Retro, sv: Retro, en: Retro}
steps:
  - id: went-well
    kind: text
    text: {fi: "Mikä meni hyvin?", sv: "Vad gick bra?", en: "What went well?"}
"""


def test_builtin_flows_cover_the_seed() -> None:
    flows = load_flows()
    expected = {"checkin", "pulse", "pulse-trust", "pulse-commitment", "pulse-knowing", "network-map"}
    expected |= {f"reflection-{n}" for n in range(1, 5)} | {f"u-stage-{n}" for n in range(1, 11)}
    assert expected <= set(flows)
    for n in range(1, 11):
        stage = flows[f"u-stage-{n}"].u_stage
        assert stage is not None and stage.number == n
    assert flows["u-stage-1"].u_stage.level == "routine" and flows["u-stage-6"].u_stage.side == "bottom"
    for name in ("pulse-trust", "pulse-commitment", "pulse-knowing"):
        flow = flows[name]
        assert flow.anonymous and 3 <= len(flow.steps) <= 5
        assert all(step.kind == "scale" for step in flow.steps)
    # The full pulse: the three dimensions, then the outcome items of its own (adopted, we-spirit).
    assert len(flows["pulse"].steps) == sum(len(flows[n].steps) for n in ("pulse-trust", "pulse-commitment", "pulse-knowing")) + 2
    assert [s.id for s in flows["pulse"].steps][-2:] == ["adopted", "we-spirit"] and not any(s.dimension for s in flows["pulse"].steps[-2:])
    assert {s.kind for s in flows["network-map"].steps} == {"members"}


def test_reflection_is_chosen_by_phase() -> None:
    registry = FlowRegistry.load()
    flow, used = registry.resolve("reflection", "evaluate")
    assert flow is not None and flow.id == "reflection-4" and used
    flow, used = registry.resolve("u-stage", "3")
    assert flow is not None and flow.id == "u-stage-3"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.replace('en: "What went well?"', "en: ''"), "has no text in en"),
        (GOOD.replace("kind: text", "kind: essay"), "kind must be one of"),
        (GOOD + "  - id: went-well\n    kind: text\n    text: {fi: a, sv: b, en: c}\n", "appears twice"),
        (GOOD.replace("kind: text", "kind: scale\n    min: 5\n    max: 1"), "min < max"),
        ("id: [unclosed", "not valid YAML"),
    ],
)
def test_broken_flow_is_named(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "retro.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)
    message = str(caught.value)
    assert "retro.yaml" in message and problem in message


def test_extra_flows_folder_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "retro.yaml").write_text(GOOD, encoding="utf-8")
    flows = load_flows(tmp_path)
    assert flows["team-retro"].steps[0].text["sv"] == "Vad gick bra?"


def test_broken_flow_stops_startup(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "retro.yaml").write_text(GOOD.replace("kind: text", "kind: essay"), encoding="utf-8")
    env = {"YHDESSA_FLOWS_DIR": str(tmp_path / "flows"), "YHDESSA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "bot", "run", "--as", "alice"], input="", capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode != 0
    assert "retro.yaml" in done.stderr and "went-well" in done.stderr and "kind must be one of" in done.stderr
