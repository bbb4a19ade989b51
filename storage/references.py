"""Conversation references through prebuilt Core statements: the look-ups of every delivery.

A proactive send needs the member's conversation (a Slack DM channel, a Teams conversation
reference); the dispatcher looks up a whole batch's at once (`load_many`), and the adapters keep
what they read in memory. Plain dicts come back, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import ConversationReference, utcnow
from storage.units import Executor, dialect_of

_REFS = ConversationReference.__table__
_ONE = select(_REFS.c.data).where(_REFS.c.key == bindparam("key"))
_MANY = select(_REFS.c.key, _REFS.c.data).where(_REFS.c.key.in_(bindparam("keys", expanding=True)))
# Upserts per dialect, built once: on a second sight the stored reference is replaced.
def _upsert(insert: Any) -> Any:
    stmt = insert(_REFS)
    return stmt.on_conflict_do_update(index_elements=["key"], set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at})


_SAVE = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}
# Keys in one IN list: far below SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 500


async def load(tx: Executor, key: str) -> dict[str, Any] | None:
    return (await tx.execute(_ONE, {"key": key})).scalar_one_or_none()


async def load_many(tx: Executor, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored references of `keys` (those not stored are left out)."""
    wanted = sorted(set(keys))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        for key, data in await tx.execute(_MANY, {"keys": wanted[start : start + CHUNK]}):
            found[key] = data
    return found


async def save(tx: Executor, key: str, platform: str, data: dict[str, Any]) -> None:
    """Store or replace one reference."""
    await tx.execute(_SAVE[dialect_of(tx)], {"key": key, "platform": platform, "data": data, "updated_at": utcnow()})
