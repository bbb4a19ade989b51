"""Whether a database is already at the newest migrations, answered without loading Alembic.

Every start checks the migrations, and loading Alembic with its scripts to learn that nothing is
due was a fifth of the console's time to its first prompt. The heads are read from the revision
files' own `revision` and `down_revision` lines (tests/core/test_migration_heads.py holds them to
Alembic's answer); when the database records exactly those, there is nothing to run. Anything
else, a missing table included, goes to Alembic as before, which migrates or explains.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*(?:#.*)?$", re.MULTILINE)


@lru_cache(maxsize=1)
def heads() -> frozenset[str]:
    """The revisions no other revision builds on."""
    revisions: set[str] = set()
    below: set[str] = set()
    try:
        for path in VERSIONS.glob("*.py"):
            found = dict(match.groups() for match in _LINE.finditer(path.read_text(encoding="utf-8")))
            if "revision" not in found:
                continue
            revisions.add(ast.literal_eval(found["revision"]))
            down = ast.literal_eval(found.get("down_revision", "None"))
            below.update([down] if isinstance(down, str) else down or ())
    except (OSError, ValueError, SyntaxError):  # a form this reading does not know: Alembic decides
        return frozenset()
    return frozenset(revisions - below)


async def up_to_date(conn: AsyncConnection) -> bool:
    """True when the database records exactly the current heads; False when in doubt."""
    try:
        recorded = set((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    except DBAPIError:  # no such table yet (a new database), or it cannot be read: Alembic decides
        await conn.rollback()
        return False
    await conn.rollback()
    return bool(recorded) and recorded == heads()
