"""The demo's answers have the structure of real ones, so its scales' alphas are believable."""

from __future__ import annotations

from statistics import median

from bot.app import build_core
from bot.demo import fill_demo
from bot.evaluation import queries
from bot.evaluation.stats import alpha_from_moments
from flows.events import MemberRef
from storage import repository as repo
from tests.conftest import make_settings


async def test_demo_alphas_land_where_real_scales_do(sqlite_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(sqlite_url, tmp_path))
    try:
        await fill_demo(core, MemberRef("console", "local", "root", "Root"))
        alphas: dict[str, list[float]] = {}
        async with core.db.transaction() as tx:
            network = await repo.network_by_key(tx, "console:local")
            reverse = queries.reverse_items(core.flows)
            for info in await queries.visible_rounds(tx, network, None):
                if info.flow_id != "pulse":
                    continue
                for dimension in ("knowing", "trust", "commitment"):
                    moments = await queries.alpha_moments(tx, info.id, dimension, reverse)
                    assert moments is not None
                    alpha = alpha_from_moments(*moments.alpha_inputs())
                    assert alpha is not None
                    alphas.setdefault(dimension, []).append(alpha)
    finally:
        await core.close()
    found = [a for values in alphas.values() for a in values]
    assert len(found) == 18  # six monthly pulses, three scales
    # Items share a member's view but each has its own loading and noise: no scale is near 1, and
    # the typical one sits where published four-item attitude scales do.
    assert max(found) < 0.95 and min(found) > 0.3
    assert 0.65 <= median(found) <= 0.88
