"""`yhdessa report --for partners --html FILE --pdf FILE`: the report for partners and funders."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

from bot.cli import main
from storage import repository as repo
from storage.models import Action, Prototype, RoundDigest, utcnow
from tests.evaluation.conftest import join
from tests.evaluation.test_research_stats import stored_pulse

NAMES = [f"member{i:02d}" for i in range(12)]
NOTE = "We heard that the shared calendar is missed; the coordinators start one in January."


async def fill(console) -> None:  # type: ignore[no-untyped-def]
    """Twelve members: six public, five third sector and one lone company (below the threshold)."""
    await join(console, NAMES)
    await stored_pulse(console.core, [("public", "internal")] * 6 + [("third", "external")] * 5, 3.2, days_ago=40)
    second = await stored_pulse(console.core, [("public", "internal")] * 6 + [("third", "external")] * 5, 3.9, days_ago=10)
    async with console.core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        network.name, network.u_stage = "Itä-Uudenmaan hyvinvointiverkosto", 3
        people = list(await repo.members_of(tx, network.id))
        for i, person in enumerate(people):
            person.sector = "public" if i < 6 else "third" if i < 11 else "private"
            person.organisation = f"Org {i % 4}"
        tx.add(RoundDigest(round_id=second, status="published", response=NOTE, published_at=utcnow()))
        now = utcnow()
        for i in range(4):
            tx.add(Action(network_id=network.id, text=f"task {i}", owner_id=people[i].id, created_by=people[0].id, sector=people[i].sector,
                          status="done" if i < 3 else "open", created_at=now - timedelta(days=30 - i), due_at=now - timedelta(days=20 - i),
                          closed_at=now - timedelta(days=15) if i < 3 else None))
        tx.add(Prototype(network_id=network.id, hypothesis="One shared intake form halves the waiting", owner_id=people[1].id, created_by=people[0].id,
                         status="done", lesson="Families liked it; two municipalities keep it"))
        tx.add(Prototype(network_id=network.id, hypothesis="A dropped idea", owner_id=people[2].id, created_by=people[0].id, status="dropped"))


def write(tmp_path, monkeypatch, *extra: str) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("YHDESSA_CHART_DIR", str(tmp_path / "charts"))
    return main(["report", "--for", "partners", "--lang", "en", *extra])


async def test_the_report_for_partners_opens_and_shows_no_small_group(console, db_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    await fill(console)
    monkeypatch.setenv("YHDESSA_DATABASE_URL", db_url)
    page_path, pdf_path = tmp_path / "partners.html", tmp_path / "partners.pdf"
    assert await asyncio.to_thread(write, tmp_path, monkeypatch, "--html", str(page_path), "--pdf", str(pdf_path)) == 0
    page = page_path.read_text(encoding="utf-8")
    root = ET.fromstring(page.removeprefix("<!DOCTYPE html>"))  # well-formed: it parses as XML
    assert root.find("head/meta[@name='viewport']") is not None and "@media print" in page and "@media (max-width" in page
    headings = [h.text for h in root.iter("h2")]
    assert headings[0] == "Why we work together, and who we are"
    assert {"Our journey so far", "The foundation: knowing each other, trust and commitment", "Commitments made and kept", "The coordinators' notes"} <= set(headings)
    text = " ".join(root.itertext())
    assert "Itä-Uudenmaan hyvinvointiverkosto — report for partners and funders" in text
    # Members by sector: the lone company is not shown, and neither is the third sector's 5, which
    # would give it away (12 - 6 - 5 = 1); the public sector's 6 stay.
    assert "public sector: 6 members" in text and "private sector" not in text and "third sector: 5" not in text
    assert "Sectors with fewer than 5 members are counted in the total only." in text
    answers = [int(n) for n in re.findall(r"(\d+) answers", text)]
    assert answers and min(answers) >= 5  # every figure stands on at least the threshold
    assert "Knowing each other: latest" in text and "(95% interval" in text and "3 kept (75%)" in text and NOTE in text
    assert not any(name.capitalize() in page for name in NAMES) and "console:local:" not in page  # nobody named
    images = [img.get("src", "") for img in root.iter("img")]
    assert "Outcomes of our work together" in headings  # the seed's outcomes, with a chart each
    # Step 10's summary carries the prototypes: where each stands and its lesson, no owner; a
    # dropped one is left out.
    assert "What we are trying out" in headings
    assert "One shared intake form halves the waiting — done; learnt: Families liked it; two municipalities keep it" in text
    assert "A dropped idea" not in text
    assert len(images) == 6  # the U, the three outcomes, the pulse trends, the commitments
    for src in images:
        assert base64.b64decode(src.removeprefix("data:image/png;base64,")).startswith(b"\x89PNG")
    assert not re.search(r'(src|href)="(https?:|/|\.)', page)

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    assert reader.metadata is not None and reader.metadata.title.startswith("Itä-Uudenmaan")
    printed = "\n".join(page.extract_text() for page in reader.pages)
    assert "Commitments made and kept" in printed and "Itä-Uudenmaan" in printed and "private sector" not in printed
    assert sum(len(p.images) for p in reader.pages) == 6


async def test_the_report_for_partners_takes_no_round_or_breakdown(console, db_url, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    await fill(console)
    monkeypatch.setenv("YHDESSA_DATABASE_URL", db_url)
    assert await asyncio.to_thread(write, tmp_path, monkeypatch, "trends") == 2
    assert "--for partners is one whole report" in capsys.readouterr().err
    assert await asyncio.to_thread(write, tmp_path, monkeypatch) == 0  # without a file: as text
    out = capsys.readouterr().out
    assert "Why we work together" in out and "public sector: 6 members" in out and "private sector" not in out
