"""The U in `yhdessa report --html`: the picture (embedded PNG with its alt text), the journey as a
table (step, level, done / now / ahead, rounds, participation, dates) and the continuum phase;
and `report journey` in chat, the same report with its chart."""

from __future__ import annotations

import asyncio
import base64
import re
from html import unescape

from bot.app import build_core
from bot.cli import main
from flows.messages import Report
from tests.conftest import Console, make_settings
from tests.evaluation.conftest import join, round_id_of

MEMBERS = ["alice", "bea", "cai", "dan", "eve", "fay"]


async def fill(url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(url, tmp_path))
    try:
        console = Console(core)
        await join(console, MEMBERS)
        await console.command("alice", "stage next")
        round_id = round_id_of(await console.command("alice", "reflect start u-stage 1 network --level service-path"))
        for name in MEMBERS[:3]:
            for answer in ("We looked at the waiting times", "That the firms are slow", "The region's figures"):
                await console.say(name, answer)
        await console.command("alice", f"reflect close {round_id}")
        await console.command("alice", "stage next confirm")
        await console.command("alice", "stage next confirm")
        await console.command("alice", "phase set 2")
    finally:
        await core.close()


def rows_of(page: str) -> list[list[str]]:
    return [[unescape(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)] for row in re.findall(r"<tr>(.*?)</tr>", page)]


async def test_the_html_report_holds_the_u_its_table_and_the_phase(sqlite_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    await fill(sqlite_url, tmp_path)
    monkeypatch.setenv("YHDESSA_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("YHDESSA_CHART_DIR", str(tmp_path / "charts"))
    target = tmp_path / "report.html"
    assert await asyncio.to_thread(main, ["report", "--html", str(target), "--lang", "en"]) == 0
    page = target.read_text(encoding="utf-8")
    assert "<h2>The U journey</h2>" in page
    assert "Strategic continuum: phase 2/4, choosing and updating ways of working and goals (cycle 1)." in page
    images = {unescape(alt): data for data, alt in re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"', page)}
    [u_alt] = [alt for alt in images if alt.startswith("The U of the Theory U process")]
    assert "The network is at step 3 (Create a space for dialogue)" in u_alt and "Strategic continuum: phase 2/4" in u_alt
    assert base64.b64decode(images[u_alt]).startswith(b"\x89PNG")
    rows = rows_of(page)
    assert rows[0] == ["Step", "Level", "State", "Rounds", "Participation", "Dates"]
    steps = {row[0]: row for row in rows[1:11]}
    assert len(steps) == 10
    first, third, tenth = steps["1. Study the facts"], steps["3. Create a space for dialogue"], steps["10. Support wider development"]
    assert first[1:5] == ["routine", "done", "1", "50 %"]  # three of the six answered step 1's dialogue
    assert re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", first[5])
    assert third[2] == "now" and tenth[2:] == ["ahead", "0", "–", "–"]
    assert "<h2>The levels of network work</h2>" in page and "Service path: 1 round, participation 50 %" in page
    assert "console:local:" not in page

    fi = tmp_path / "raportti.html"
    assert await asyncio.to_thread(main, ["report", "--html", str(fi), "--lang", "fi"]) == 0
    sivu = fi.read_text(encoding="utf-8")
    assert rows_of(sivu)[0] == ["Askel", "Taso", "Tila", "Kierroksia", "Osallistuminen", "Ajankohta"]
    assert "Strateginen jatkumo: vaihe 2/4, yhteistyön toimintatapojen ja tavoitteiden valinta ja päivittäminen (1. sykli)." in sivu


async def test_report_journey_in_chat_carries_the_picture(sqlite_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    await fill(sqlite_url, tmp_path)
    core = await build_core(make_settings(sqlite_url, tmp_path))
    try:
        [report] = [m for m in await Console(core).command("bea", "report journey") if isinstance(m, Report)]
    finally:
        await core.close()
    assert report.title == "The U journey" and report.charts[0].png.startswith(b"\x89PNG")
    lines = [line for s in report.sections for line in s.lines]
    assert any("▶ 3 Create a space for dialogue (now)" in line for line in lines)
    assert report.sections[0].heading == "Strategic continuum: phase 2/4, choosing and updating ways of working and goals (cycle 1)."
