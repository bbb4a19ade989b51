"""`yhdessa report --html FILE`: one self-contained page a coordinator can mail to partners."""

from __future__ import annotations

import base64
import random
import re

from bot.cli import main
from tests.conftest import Console, make_settings
from tests.evaluation.conftest import join, run_pulse

from bot.app import build_core

MEMBERS = ["alice", "bea", "cai", "dan", "eve", "fay"]


async def fill(url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(url, tmp_path))
    try:
        console = Console(core)
        await join(console, MEMBERS)
        rng = random.Random(11)
        await run_pulse(console, MEMBERS, 3.0, rng)
        await run_pulse(console, MEMBERS, 3.6, rng)
    finally:
        await core.close()


async def test_html_report_is_one_readable_self_contained_page(sqlite_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    await fill(sqlite_url, tmp_path)
    monkeypatch.setenv("YHDESSA_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("YHDESSA_LANGUAGE", "en")
    monkeypatch.setenv("YHDESSA_CHART_DIR", str(tmp_path / "charts"))
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "report.html"
    # The CLI runs its own event loop, as it does from a shell.
    import asyncio

    code = await asyncio.to_thread(main, ["report", "--html", str(target), "--lang", "en"])
    assert code == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta name="viewport"' in page
    assert page.index("<h2>Summary") < page.index("Pulse trends")  # it opens with the summary
    assert "Trust: " in page and "since the previous pulse" in page and "Needs attention" in page
    assert "#2 Network pulse" in page and "#1 Network pulse" in page  # the rounds, listed
    # Pulse figures are shown once, in the trends: not again as the latest pulse round's report.
    assert "Network pulse — round #2" not in page and page.count("change from the previous round") == 3
    assert not re.search(r'(src|href)="(https?:|/|\.)', page)  # nothing fetched from elsewhere
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"', page)
    assert len(images) >= 1
    for data, alt in images:
        assert base64.b64decode(data).startswith(b"\x89PNG") and len(alt) > 30
    assert "console:local:" not in page  # no member keys, only aggregates


async def test_report_cli_prints_text_and_writes_charts(sqlite_url, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    await fill(sqlite_url, tmp_path)
    monkeypatch.setenv("YHDESSA_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("YHDESSA_CHART_DIR", str(tmp_path / "charts"))
    import asyncio

    assert await asyncio.to_thread(main, ["report", "trends", "--lang", "sv"]) == 0
    out = capsys.readouterr().out
    assert "Pulsens trender" in out and (tmp_path / "charts" / "pulse-trends.png").exists()
    assert await asyncio.to_thread(main, ["report", "99"]) == 2
