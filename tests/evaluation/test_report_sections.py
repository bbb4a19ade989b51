"""The factors and outcomes reports as parts another report reuses (the funders' page): each a
function of a ReportContext, None when there is nothing to show, and on the demo network full
figures and charts that the HTML page carries inline."""

from __future__ import annotations

import re

from bot.demo import fill_demo
from bot.evaluation import factors_report, html, outcomes_report
from bot.evaluation.report import Reporter
from flows.messages import Audience
from storage import repository as repo
from tests.conftest import member


async def _context(core, tx, lang: str = "en"):  # type: ignore[no-untyped-def]
    network = await repo.network_by_key(tx, "console:local")
    reporter = Reporter(core.config, core.settings)
    return reporter.context(tx, network, None, lang, Audience.channel("console:local:report"), inline=True)


async def test_sections_are_none_on_a_new_network(core, console) -> None:  # type: ignore[no-untyped-def]
    await console.command("alice", "help")
    async with core.db.transaction() as tx:
        ctx = await _context(core, tx)
        assert await factors_report.section(ctx) is None
        assert await outcomes_report.section(ctx) is None


async def test_the_demo_gives_both_sections_figures_and_charts_for_the_html_page(core) -> None:  # type: ignore[no-untyped-def]
    await fill_demo(core, member("alice"))
    async with core.db.transaction() as tx:
        for lang in ("fi", "en"):
            ctx = await _context(core, tx, lang)
            factors = await factors_report.section(ctx)
            outcomes = await outcomes_report.section(ctx)
            assert factors is not None and outcomes is not None
            page = html.render("Funders", [factors, outcomes], "footer", lang)
            images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"', page)
            assert len(images) == 4  # the factors chart and the three outcome charts
            if lang == "en":
                assert "— a concern" in page and "— a strength" in page and "comments on Resources" in page
                assert "knowledge-sharing ties" in page and "Sectors newly represented: private sector" in page
                assert "half of them within" in page and "commitments that have come due were kept" in page
            else:
                assert "huolenaihe" in page and "Tieto leviää" in page and "Uudet sektorit mukana: yksityinen sektori" in page
    assert "console:local:" not in page
