"""The answer turn's statements, run on the driver's own connection inside the session's transaction.

Every answer runs the same handful of statements, so they are written once as plain SQL with
`:name` parameters and run on the driver (storage/driver.py), returning plain tuples and
dataclasses. The SQL is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.driver import Driver
from storage.inbox import digest

SQL: dict[str, str] = {
    "claim": (
        "INSERT INTO inbox (key, payload, status, attempts, received_at) VALUES (:key, NULL, 'done', 0, :at) "
        "ON CONFLICT (key) DO UPDATE SET payload = NULL, status = 'done', received_at = :at, lease_until = NULL "
        "WHERE inbox.status <> 'done' RETURNING key"
    ),
    # Network, member, round and the member's session in it: every answer starts with all four.
    "context": (
        "SELECT n.id, n.name, n.language, m.id, m.display_name, m.language, m.sector, m.side, "
        "r.id, r.flow_id, r.status, r.anonymous, r.delivery, s.id, s.status, s.step_id, s.answered, s.held, s.submission, w.member_id "
        "FROM networks n JOIN members m ON m.network_id = n.id AND m.key = :member "
        "LEFT JOIN rounds r ON r.id = :round AND r.network_id = n.id "
        "LEFT JOIN member_sessions s ON s.round_id = r.id AND s.member_id = m.id "
        "LEFT JOIN member_welcomes w ON w.member_id = m.id "
        "WHERE n.key = :network"
    ),
    # A member whose first interaction is a click is welcomed by it (flows/welcome.py).
    "welcome": "INSERT INTO member_welcomes (member_id, at) VALUES (:member, :at) ON CONFLICT (member_id) DO NOTHING RETURNING member_id",
    # PostgreSQL only (SQLite runs one transaction at a time): two clicks at once see each other
    # under the session's lock, and so does a close, which ends every open session of its round
    # (flows/rounds.close_round): locked first, the answer commits before the close touches the
    # session; closed first, the round's status read after the lock says so. No shared lock on
    # the round: many answers sharing one row lock turn it into a multixact, which serialises
    # them across processes.
    "lock_session": "SELECT status, step_id, answered, held, submission FROM member_sessions WHERE id = :id FOR UPDATE",
    "round_status": "SELECT status FROM rounds WHERE id = :id",
    "response": (
        "INSERT INTO responses (round_id, step_id, dimension, member_id, submission, value_num, value_text, value_list, sector, side, answered_at) "
        "VALUES (:round_id, :step_id, :dimension, :member_id, :submission, :value_num, :value_text, :value_list, :sector, :side, :answered_at)"
    ),
    "session": (
        "UPDATE member_sessions SET flow_version = :flow_version, step_id = :step_id, answered = :answered, status = :status, "
        "submission = :submission, held = :held, updated_at = :updated_at, completed_at = :completed_at WHERE id = :id"
    ),
    "outbox": (
        "INSERT INTO outbox (platform, audience, message, status, attempts, available_at, created_at) "
        "VALUES (:platform, :audience, :message, 'pending', 0, :at, :at)"
    ),
}


@dataclass(slots=True)
class AnswerContext:
    """What an answer needs to know, from one query. Round and session fields are None when absent."""

    network_id: int
    network_name: str
    network_language: str
    member_id: int
    display_name: str
    member_language: str | None
    sector: str | None
    side: str | None
    round_id: int | None
    flow_id: str | None
    round_status: str | None
    anonymous: bool
    delivery: str | None
    session_id: int | None
    session_status: str | None
    step_id: str | None
    answered: list[str]
    held: list[Any] | None
    submission: str | None
    welcomed: bool

    @property
    def language(self) -> str:
        return self.member_language or self.network_language


class AnswerStatements(Driver):
    """The answer turn's statements (SQL above) on the transaction's driver connection."""

    async def claim(self, key: str, hour: datetime) -> bool:
        """The turn's idempotency claim (storage/inbox.claim, on the driver)."""
        return await self.one(SQL["claim"], {"key": digest(key), "at": self.time(hour)}) is not None

    async def context(self, network_key: str, member_key: str, round_id: int) -> AnswerContext | None:
        row = await self.one(SQL["context"], {"network": network_key, "member": member_key, "round": round_id})
        if row is None:
            return None
        values = list(row)
        values[11] = bool(values[11])
        values[16] = self.loaded(values[16]) or []
        values[17] = self.loaded(values[17])
        values[19] = values[19] is not None
        return AnswerContext(*values)

    async def lock(self, context: AnswerContext) -> None:
        """On PostgreSQL, re-read the session under its lock, then the round's status."""
        if not self.postgres or context.session_id is None:
            return
        session_row = await self.one(SQL["lock_session"], {"id": context.session_id})
        round_row = await self.one(SQL["round_status"], {"id": context.round_id})
        context.round_status = None if round_row is None else round_row[0]
        if session_row is None:
            context.session_status = None
            return
        context.session_status, context.step_id, answered, held, context.submission = session_row
        context.answered, context.held = self.loaded(answered) or [], self.loaded(held)

    async def welcome(self, member_id: int, now: datetime) -> bool:
        """Marks the member welcomed; False when another turn did it first."""
        return await self.one(SQL["welcome"], {"member": member_id, "at": self.time(now)}) is not None

    async def add_response(self, values: dict[str, Any]) -> None:
        params = {**values, "value_list": self.json(values["value_list"]), "answered_at": self.time(values["answered_at"])}
        await self.one(SQL["response"], params)

    async def update_session(self, session_id: int, values: dict[str, Any]) -> None:
        params = {
            **values,
            "id": session_id,
            "answered": self.json(values["answered"]),
            "held": self.json(values["held"]),
            "updated_at": self.time(values["updated_at"]),
            "completed_at": None if values["completed_at"] is None else self.time(values["completed_at"]),
        }
        await self.one(SQL["session"], params)

    async def enqueue(self, messages: list[tuple[str, str, dict[str, Any]]], now: datetime) -> None:
        at = self.time(now)
        for platform, audience, message in messages:
            await self.one(SQL["outbox"], {"platform": platform, "audience": audience, "message": json.dumps(message), "at": at})
