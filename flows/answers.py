"""Turning what a member typed or clicked into a valid answer for a step, or a clear refusal."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from flows.arguments import as_int
from flows.definition import Step

_SCALE_NUMBER = re.compile(r"(-?[0-9]{1,9})(?:[.,]([0-9]{1,9}))?")


@dataclass(frozen=True, slots=True)
class Answer:
    number: float | None = None
    text: str | None = None
    choices: tuple[str, ...] | None = None
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why an answer was refused: a catalogue key and the values its text needs."""

    key: str
    values: dict[str, object]


def _split(raw: str | list[str]) -> list[str]:
    if isinstance(raw, list):
        return [str(v).strip() for v in raw if str(v).strip()]
    return [part.strip() for part in raw.split(",") if part.strip()]


def _pick(step: Step, token: str, lang: str) -> str | None:
    """An option by its number (1-based), id or label in the member's language (any case)."""
    number = as_int(token, 1, len(step.choices))
    if number is not None:
        return step.choices[number - 1].id
    folded = token.casefold()
    for choice in step.choices:
        if folded == choice.id.casefold() or any(folded == label.casefold() for label in choice.label.values()):
            return choice.id
    return None


def parse_answer(
    step: Step,
    raw: str | list[str],
    lang: str,
    skip_words: list[str],
    members: dict[str, str] | None = None,
) -> Answer | Invalid:
    """Validate `raw` for `step`. `members` maps a member's number/key/name (folded) to their key."""
    if isinstance(raw, str) and raw.strip().casefold() in skip_words:
        return Answer(skipped=True) if not step.required else Invalid("answer_required", {})
    if isinstance(raw, str) and not raw.strip():
        return Invalid("answer_empty", {})
    if step.kind == "scale":
        assert step.minimum is not None and step.maximum is not None
        token = raw[0] if isinstance(raw, list) and raw else raw
        # ASCII digits only: float() would also take '٣', '1_0', 'nan', '1e3' and 'inf'.
        match = _SCALE_NUMBER.fullmatch(str(token).strip())
        value = float(match.group(1) + "." + (match.group(2) or "0")) if match else None
        if value is None or not value.is_integer() or not step.minimum <= value <= step.maximum:
            return Invalid("answer_scale", {"min": step.minimum, "max": step.maximum})
        return Answer(number=value)
    if step.kind == "text":
        text = raw if isinstance(raw, str) else " ".join(raw)
        text = text.strip()
        if step.max_length is not None and len(text) > step.max_length:
            return Invalid("answer_too_long", {"max": step.max_length, "length": len(text)})
        return Answer(text=text)
    tokens = _split(raw)
    if not tokens:
        return Invalid("answer_empty", {})
    if step.kind == "single":
        if len(tokens) != 1:
            return Invalid("answer_one_choice", {"count": len(step.choices)})
        picked = _pick(step, tokens[0], lang)
        if picked is None:
            return Invalid("answer_unknown_choice", {"value": tokens[0], "count": len(step.choices)})
        return Answer(choices=(picked,), text=picked)
    chosen: list[str] = []
    for token in tokens:
        if step.kind in ("multi", "organisations"):
            picked = _pick(step, token, lang)
            if picked is None:
                return Invalid("answer_unknown_choice", {"value": token, "count": len(step.choices)})
        else:
            picked = (members or {}).get(token.casefold())
            if picked is None:
                return Invalid("answer_unknown_member", {"value": token})
        if picked not in chosen:
            chosen.append(picked)
    if step.max_choices is not None and len(chosen) > step.max_choices:
        return Invalid("answer_too_many", {"max": step.max_choices})
    return Answer(choices=tuple(chosen))


def response_row(
    round_id: int, anonymous: bool, step: Step, member_id: int | None, submission: str | None, sector: str | None, side: str | None, answer: Answer
) -> dict[str, Any]:
    """The stored row of an answer, the same whether the ORM turn or the driver's answer turn
    (flows/answer_turn.py) writes it."""
    now = datetime.now(timezone.utc)
    single = step.kind == "single"
    if step.about is not None:
        # A repeated step (flows/repeats.py) is stored under the id it repeats, with the
        # organisation it asked about as its text: `often` = 3 about "Kaupunki".
        return {**response_row(round_id, anonymous, _plain(step), member_id, submission, sector, side, answer), "value_text": step.about}
    return {
        "round_id": round_id,
        "step_id": step.id,
        "dimension": step.dimension,
        "member_id": None if anonymous else member_id,
        "submission": submission or secrets.token_hex(12),
        "value_num": answer.number,
        "value_text": answer.choices[0] if single and answer.choices else answer.text if step.kind == "text" else None,
        "value_list": list(answer.choices) if answer.choices is not None and not single else None,
        "sector": sector,
        "side": side,
        # An exact time could be matched against a member's activity; anonymous answers keep the day.
        "answered_at": now.replace(hour=0, minute=0, second=0, microsecond=0) if anonymous else now,
    }


def _plain(step: Step) -> Step:
    return replace(step, id=step.base or step.id, about=None, base=None)


def shown(step: Step, answer: Answer, lang: str) -> str:
    """An answer as the member is told it was saved."""
    if answer.skipped:
        return "–"
    if answer.number is not None:
        return str(int(answer.number))
    if answer.choices is not None and step.kind == "organisations":
        return ", ".join(answer.choices)  # stored as the organisations' names
    if answer.choices is not None and step.kind in ("single", "multi"):
        return ", ".join(c.label[lang] for c in step.choices if c.id in answer.choices)
    if answer.choices is not None:
        return str(len(answer.choices))
    return (answer.text or "")[:200]
