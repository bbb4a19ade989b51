"""The answer turn without the ORM: a known member answering a question of a session they have.

This is the turn every click and card submit is, so it runs on storage/answer_sql.py (plain
statements on the driver, plain rows) and touches no mapped object. Whatever is not that turn
(a new member or network, a name to refresh, a round the member joins by answering, a member
select, which lists the other members) goes the general way: `answer` raises GeneralPath, its
savepoint (claim included) is rolled back, and the engine runs the general turn instead.
The rules are those of flows/rounds.record_answer, which the general way and typed answers use.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows import repeats
from flows.answers import Invalid, parse_answer, response_row, shown
from flows.arguments import as_int
from flows.definition import Flow, Step
from flows.events import MemberAnswered
from flows.messages import Audience, Notice, Outbound, Prompt, PromptClosed, to_json
from flows.turn import EngineConfig, Refused, render_prompt
from flows.welcome import welcome_notice
from storage import anonymous
from storage.answer_sql import AnswerContext, AnswerStatements
from storage.models import Round, utcnow


PROMPT_CACHE = 2048  # rendered prompts kept (round x step x language)


class GeneralPath(Exception):
    """Not a plain answer: the engine's general turn handles it (nothing of this one is kept)."""


async def answer(tx: AsyncSession, config: EngineConfig, event: MemberAnswered) -> list[Outbound]:
    """Handle the answer in `tx`; [] if it was handled before. Raises Refused, or GeneralPath."""
    now = utcnow()
    sql = await AnswerStatements.of(tx)
    if not await sql.claim(event.idempotency_key, now.replace(minute=0, second=0, microsecond=0)):
        return []
    round_text, _, step_id = event.prompt_ref.partition(":")
    round_id = as_int(round_text, 1)
    context = await sql.context(event.network.key, event.member.key, round_id) if round_id is not None else None
    if context is None or _needs_general(context, event):
        raise GeneralPath
    lang = context.language
    flow = config.flows.get(context.flow_id) if context.flow_id else None
    step = flow.step(step_id) if flow else None
    if flow is None or step is None:
        raise Refused(config.catalog.t(lang, "unknown_prompt"))
    if repeats.asks_organisations(flow):
        raise GeneralPath  # the member's own copy of the flow lists organisations (flows/repeats.py)
    if context.round_status != "open":
        raise Refused(config.catalog.t(lang, "round_not_open", id=context.round_id))
    await sql.lock(context)
    if context.round_status != "open":
        raise Refused(config.catalog.t(lang, "round_not_open", id=context.round_id))
    if context.session_status != "open" or step.id in context.answered:
        raise Refused(config.catalog.t(lang, "already_answered"))
    answered = [*context.answered, step.id]
    following = flow.next_step(step.id, set(answered))
    if step.kind == "members" or (following is not None and following.kind == "members"):
        raise GeneralPath  # a member select lists the other members: the general way reads them
    prepared: dict[int, dict[str, Any]] = {}  # the JSON of prompts rendered from the cache
    out = await _record(tx, sql, config, context, flow, step, following, answered, event, prepared)
    # A first click is a first interaction: the welcome comes with it, once (flows/welcome.py).
    # Stored to the hour, as the inbox claim is: no exact time beside an anonymous answer's day.
    if not context.welcomed and await sql.welcome(context.member_id, now.replace(minute=0, second=0, microsecond=0)):
        out.insert(0, welcome_notice(config, lang, event.network.key, context.network_name, event.member.key))
    await sql.enqueue([(m.audience.platform, m.audience.key, prepared.get(id(m)) or to_json(m)) for m in out], now)
    return out


def _needs_general(context: AnswerContext, event: MemberAnswered) -> bool:
    """A session to open, or names the general turn refreshes (flows/engine._begin, rounds.ensure_member)."""
    ref = event.member
    renamed = bool(ref.display_name) and context.display_name != ref.display_name and context.display_name == ref.user
    network_renamed = bool(event.network.name) and context.network_name == event.network.workspace
    return context.session_id is None or context.round_id is None or renamed or network_renamed


async def _record(
    tx: AsyncSession,
    sql: AnswerStatements,
    config: EngineConfig,
    context: AnswerContext,
    flow: Flow,
    step: Step,
    following: Step | None,
    answered: list[str],
    event: MemberAnswered,
    prepared: dict[int, dict[str, Any]],
) -> list[Outbound]:
    lang = context.language
    me = Audience.member(event.member.key)
    assert context.round_id is not None and context.session_id is not None
    result = parse_answer(step, event.value, lang, config.catalog.words(lang, "skip_words"), None)
    if isinstance(result, Invalid):
        problem = config.catalog.t(lang, result.key, **result.values)
        return [Notice(me, config.catalog.t(lang, "invalid_answer", problem=problem), lang), _prompt(config, flow, step, context, me, prepared)]
    out: list[Outbound] = []
    changes: dict[str, Any] = {
        "answered": answered,
        "updated_at": utcnow(),
        "held": context.held,
        "submission": context.submission,
        "status": "open",
        "completed_at": None,
    }
    if context.anonymous:
        # Kept on the session until it ends, then pooled (storage/anonymous.py).
        if not result.skipped:
            changes["held"] = [*(context.held or []), anonymous.item(response_row(context.round_id, context.anonymous, step, context.member_id, context.submission, context.sector, context.side, result))]
    elif not result.skipped:
        await sql.add_response(response_row(context.round_id, context.anonymous, step, context.member_id, context.submission, context.sector, context.side, result))
    if event.reply_handle:
        told = config.catalog.t(lang, "answered_anonymous") if context.anonymous else config.catalog.t(lang, "answered_value", value=shown(step, result, lang))
        out.append(PromptClosed(me, f"{context.round_id}:{step.id}", event.reply_handle, told, lang, step.text[lang]))
    if following is None:
        if context.anonymous:
            await anonymous.hold(tx, context.round_id, [changes["held"] or []])
            await anonymous.release_due(tx, _RoundForRelease(context.round_id, await _opened(tx, context.round_id)), config.anonymity_threshold)  # type: ignore[arg-type]
            if config.after_commit is not None:
                config.after_commit.wipe_log(tx)
        changes.update(status="done", step_id=None, completed_at=utcnow(), submission=None, held=None, flow_version=flow.version)
        out.append(Notice(me, flow.outro[lang] if flow.outro else config.catalog.t(lang, "round_thanks"), lang))
    else:
        changes.update(step_id=following.id, flow_version=flow.version)
        if context.delivery == "dm":
            out.append(_prompt(config, flow, following, context, me, prepared))
    await sql.update_session(context.session_id, changes)
    return out


class _RoundForRelease:
    """What storage/anonymous.release_due reads of a round."""

    def __init__(self, round_id: int, opens_at: Any) -> None:
        self.id = round_id
        self.opens_at = opens_at


async def _opened(tx: AsyncSession, round_id: int) -> Any:
    """When the round opened (released anonymous answers carry that day): once per finished session."""
    rounds = Round.__table__
    return (await tx.execute(select(rounds.c.opens_at).where(rounds.c.id == round_id))).scalar_one()


def _prompt(config: EngineConfig, flow: Flow, step: Step, context: AnswerContext, audience: Audience, prepared: dict[int, dict[str, Any]]) -> Prompt:
    """The step's prompt for this member: every member of a round gets the same one but for the
    audience, so it is rendered (and made JSON) once per round, step and language."""
    assert context.round_id is not None
    key = (flow.id, flow.version, step.id, context.round_id, context.language, context.anonymous)
    cached = config.prompts.get(key)
    if cached is None:
        if len(config.prompts) >= PROMPT_CACHE:
            config.prompts.clear()  # rounds come and go: start afresh rather than grow
        rendered = render_prompt(config.catalog, flow, step, context.round_id, audience, context.language, context.anonymous)
        cached = config.prompts[key] = (rendered, to_json(rendered))
    prompt, data = cached
    personal = replace(prompt, audience=audience)
    prepared[id(personal)] = {**data, "audience": {name: getattr(audience, name) for name in audience.__dataclass_fields__}}
    return personal



