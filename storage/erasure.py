"""Erasing a member: every row keyed by them, and whatever else names them (forget-me).

Anonymous answers have no link to anyone and stay. What is removed or rewritten, and why, is in
docs/architecture.md (Erasure); tests/core/test_erasure.py greps the database for what is left.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, cast, column, delete, or_, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import actions, decisions, digest_chunks, roles
from storage.digests import forget_answers
from storage.fanout import forget_invitee
from storage.journey_erasure import texts_of as journey_texts
from storage.mentions import forget_mentions
from storage.models import AuditEntry, ConversationReference, Member, MemberSession, OutboxMessage, Response, ThemeVote


async def forget_member(session: AsyncSession, member: Member) -> dict[str, int]:
    """Erase a member from every table; anonymous answers have no link to them and stay.

    Besides the rows keyed by the member, whatever names them is removed: outbox rows (sent or
    waiting; documents are decoded first) that mention their key, user id, display name or one
    of their named free-text answers, audit details about them, conversation references holding
    their account, and the installer's user fields of a Slack installation they made.
    """
    answers = (await session.execute(select(Response.value_text).where(Response.member_id == member.id))).scalars().all()
    answers = [*answers, *await journey_texts(session, member.id)]  # facts, proposals, journal (cascade-deleted)
    answers = [*answers, *await decisions.forget(session, member.id)]  # ground rules not kept, vision drafts, their dots
    user_id = member.key.rsplit(":", 1)[-1]
    # Short names and answers ("Al", "yes") would match inside other people's messages: the key
    # always counts, a name or user id from four characters, an answer from eight.
    named = {n for n in (user_id, member.display_name) if len(n) >= 4}
    needles = {member.key, *named, *(a for a in answers if a and len(a) >= 8)}
    await actions.forget(session, member, needles)
    await roles.forget(session, member, needles)
    await forget_mentions(session, member.network_id, needles)  # in prototypes, facts, digests others wrote
    answered = await session.execute(delete(Response).where(Response.member_id == member.id))
    sessions = await session.execute(delete(MemberSession).where(MemberSession.member_id == member.id))
    await session.execute(delete(ThemeVote).where(ThemeVote.member_id == member.id))  # their dot-votes
    await forget_answers(session, [a for a in answers if a])  # and their named answers quoted in themes
    refs = ConversationReference.__table__
    await session.execute(
        delete(refs).where((refs.c.key == member.key) | refs.c.key.endswith(f":{member.key}", autoescape=True) | _mentions(refs.c.data, {user_id}))
    )
    audit_log = AuditEntry.__table__
    await session.execute(update(audit_log).where(audit_log.c.actor == member.key).values(actor=None))
    await session.execute(update(audit_log).where(_mentions(audit_log.c.detail, needles)).values(detail={}))
    await _forget_in_outbox(session, member.key, needles)
    await _forget_installer(session, user_id)
    await forget_invitee(session, member.network_id, member.id)
    await digest_chunks.forget(session, member.key)
    await session.delete(member)
    return {"answers": int(answered.rowcount or 0), "sessions": int(sessions.rowcount or 0)}


def _mentions(column: Any, needles: set[str]) -> Any:
    """JSON text containing any needle, as written or as JSON escapes it (non-ASCII names)."""
    forms = {form for n in needles if n for form in (n, json.dumps(n)[1:-1])}
    text_of = cast(column, Text)
    return or_(*(text_of.contains(form, autoescape=True) for form in forms))


async def _forget_in_outbox(session: AsyncSession, key: str, needles: set[str]) -> None:
    """Their own messages go; sent messages naming them go; a message still waiting for someone
    else keeps its place with the mentions replaced (files, base64 in the row, are looked into)."""
    box = OutboxMessage.__table__
    await session.execute(delete(box).where(box.c.audience == key))
    suspects = _mentions(box.c.message, needles) | cast(box.c.message, Text).contains('"b64"')
    rows = (await session.execute(select(box.c.id, box.c.status, box.c.message).where(suspects))).all()
    doomed = []
    for row_id, status, message in rows:
        scrubbed = _scrub(message, needles, key)
        if scrubbed == message:
            continue
        if status in ("sent", "dead") or scrubbed is None:
            doomed.append(row_id)
        else:
            await session.execute(update(box).where(box.c.id == row_id).values(message=scrubbed))
    if doomed:
        await session.execute(delete(box).where(box.c.id.in_(doomed)))


def _scrub(message: dict[str, Any], needles: set[str], key: str) -> dict[str, Any] | None:
    """The message with every mention replaced by a dash; None if that cannot be done cleanly.
    A question that offered the member as an answer (a member select) no longer offers them."""
    ordered = sorted((n for n in needles if n), key=len, reverse=True)
    if isinstance(message.get("options"), list):
        message = {**message, "options": [o for o in message["options"] if not (isinstance(o, dict) and o.get("value") == key)]}
    encoded = json.dumps(message)
    for needle in ordered:
        encoded = encoded.replace(json.dumps(needle)[1:-1], "\\u2013")
    try:
        scrubbed = json.loads(encoded)
    except ValueError:
        return None
    content = scrubbed.get("content") if isinstance(scrubbed, dict) else None
    if isinstance(content, dict) and isinstance(content.get("b64"), str):
        try:
            decoded = base64.b64decode(content["b64"]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return scrubbed
        for needle in ordered:
            decoded = decoded.replace(needle, "\u2013").replace(json.dumps(needle)[1:-1], "\u2013")
        content["b64"] = base64.b64encode(decoded.encode()).decode("ascii")
    return scrubbed


_INSTALLER_FIELDS = ("user_token", "user_scopes", "user_refresh_token", "user_token_expires_at")


async def _forget_installer(session: AsyncSession, user_id: str) -> None:
    """A Slack workspace installed by this member keeps its bot token, not the installer's identity.

    The table belongs to the Slack adapter (migration 0002); it is there whether or not Slack runs.
    """
    rows = (await session.execute(select(_INSTALLS.c.id, _INSTALLS.c.data).where(_INSTALLS.c.user_id == user_id))).all()
    for row_id, data in rows:
        values = {**(data or {}), "user_id": "", **{name: None for name in _INSTALLER_FIELDS}}
        await session.execute(update(_INSTALLS).where(_INSTALLS.c.id == row_id).values(user_id="", data=values))


_INSTALLS = table("slack_installations", column("id", Integer), column("user_id", String), column("data", JSON))
