"""Migration 0007 on a database written before it: old idempotency keys (which name members) and
old anonymous answers (in arrival order, with their respondent's token and time) are brought in
line with what the code now writes."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from sqlalchemy import create_engine, text

from storage.database import alembic_config


def test_old_keys_are_hashed_and_old_anonymous_answers_reshuffled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0005")  # the schema as it was, without 0007
        conn.execute(text("INSERT INTO networks (id, key, name, language, timezone, u_stage, created_at) VALUES (1, 'console:local', 'n', 'en', 'UTC', 0, '2026-01-01')"))
        conn.execute(text("INSERT INTO rounds (id, network_id, flow_id, flow_version, audience, delivery, anonymous, status, invited, opens_at)"
                          " VALUES (1, 1, 'pulse-trust', '1', 'network', 'dm', 1, 'open', 12, '2026-03-04 10:11:12')"))
        for i in range(12):
            conn.execute(text("INSERT INTO members (id, network_id, key, display_name, role, may_be_named, created_at) VALUES (:i, 1, :k, :k, 'member', 0, '2026-01-01')"), {"i": i + 1, "k": f"console:local:m{i}"})
            conn.execute(text("INSERT INTO member_sessions (round_id, member_id, flow_version, answered, status, submission, started_at, updated_at)"
                              " VALUES (1, :m, '1', '[]', 'open', :s, '2026-03-04', '2026-03-04')"), {"m": i + 1, "s": f"tok{i}"})
            for step in range(4):
                conn.execute(text("INSERT INTO responses (round_id, step_id, submission, value_num, answered_at) VALUES (1, :step, :s, :v, :at)"),
                             {"step": f"trust-{step + 1}", "s": f"tok{i}", "v": float(i * 4 + step), "at": datetime(2026, 3, 4, 12, i, step)})
            conn.execute(text("INSERT INTO inbound_events (key, received_at) VALUES (:k, '2026-03-04 12:34:56.789')"), {"k": f"slack:T1:U{i}:action"})
        command.upgrade(alembic_config(conn), "heads")
        old_keys = conn.execute(text("SELECT count(*) FROM inbound_events")).scalar_one()
        keys = conn.execute(text("SELECT key FROM inbox")).scalars().all()
        rows = conn.execute(text("SELECT id, submission, value_num, answered_at FROM responses ORDER BY id")).all()
        tokens = conn.execute(text("SELECT submission FROM member_sessions")).scalars().all()
    engine.dispose()
    # The keys named members; 0006 keeps digests of the last hour's only, and these are older.
    assert old_keys == 0 and not any("U" in k for k in keys)
    assert len(rows) == 48 and {str(r.answered_at)[:10] for r in rows} == {"2026-03-04"} and len({r.answered_at for r in rows}) == 1
    assert not {r.submission for r in rows} & {f"tok{i}" for i in range(12)} and tokens == [None] * 12
    # One respondent's four items still share a token (reliability), under a fresh one.
    by_token: dict[str, set[int]] = {}
    for r in rows:
        by_token.setdefault(r.submission, set()).add(int(r.value_num) // 4)
    assert len(by_token) == 12 and all(len(people) == 1 for people in by_token.values())
    # The order of ids no longer follows the order in which people answered.
    assert [int(r.value_num) for r in rows] != sorted(int(r.value_num) for r in rows)
