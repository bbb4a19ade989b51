"""`journey` draws the U: a PNG with alt text naming where the network is and what each step did."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from datetime import timedelta

from bot.demo import fill_demo
from flows.messages import Chart
from storage import repository as repo
from storage.models import StageMove, utcnow
from tests.conftest import Console, member
from tests.journey.helpers import texts


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", io.BytesIO(data[16:24]).read())
    return width, height


async def test_journey_draws_the_u_with_rounds_participation_and_dates(core, console: Console) -> None:
    await fill_demo(core, member("alice"))
    async with core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        for number, days in enumerate((175, 140, 95, 40), 1):
            tx.add(StageMove(network_id=network.id, from_step=number - 1, to_step=number, without_evidence=False, moved_at=utcnow() - timedelta(days=days)))
        network.u_stage = 4
    await console.command("alice", "lang fi")
    out = await console.command("alice", "journey")
    [chart] = [m for m in out if isinstance(m, Chart)]
    width, height = png_size(chart.png)
    assert width >= 900 and height >= 600
    assert "askeleella 4 (Hiljennytään)" in chart.alt_text and "Askeleet 5–10 ovat edessä" in chart.alt_text
    lines = texts(out).splitlines()
    done = [line for line in lines if line.lstrip().startswith("✓")]
    assert len(done) == 3 and all("kierros" in line and "osallistuminen" in line and "–" in line for line in done)
    assert any(line.lstrip().startswith("▶ 4 Hiljennytään (nyt)") for line in lines)
    assert sum(line.lstrip().startswith("○") for line in lines) == 6


def test_the_picture_module_loads_matplotlib_only_when_it_draws() -> None:
    code = "import sys, bot.evaluation.u_picture, bot.journey_chart; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
