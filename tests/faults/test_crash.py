"""The fault-injection suite, reduced for CI: a real bot process killed with SIGKILL during a fan-out
and during a burst of answers, on SQLite and PostgreSQL (benchmarks/faults.py runs the full one)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import faults  # noqa: E402
from tests.conftest import POSTGRES_URL, _drop_schema, _postgres_schema_url  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_a_killed_bot_loses_no_acknowledged_answer_and_repeats_at_most_one_message_per_conversation(backend: str, tmp_path: Path) -> None:
    if backend == "postgres" and not POSTGRES_URL:
        pytest.skip("YHDESSA_TEST_POSTGRES_URL is not set")
    if backend == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'faults.db'}", None
    else:
        url, schema = _postgres_schema_url(POSTGRES_URL)  # type: ignore[arg-type]
    try:
        run = await faults.run_backend(backend, url, members=24, kills=1, clients=20, folder=tmp_path)
    finally:
        if schema:
            _drop_schema(POSTGRES_URL, schema)  # type: ignore[arg-type]
    answers = [k for k in run.kills if k.phase == "answers"]
    assert [k.phase for k in run.kills] == ["fan-out", "answers"]
    assert sum(k.acked for k in answers) == 24
    assert sum(k.lost for k in answers) == 0
    assert all(k.worst_dupes <= 1 for k in run.kills)
    assert all(k.recovery <= faults.AIM_RECOVERY for k in run.kills)
    assert run.dead == 0
    assert run.kills[0].reached == 24 + 4  # every member of #network got the question after all (and the 4 others there)
