"""Block Kit layout per prompt kind, within Slack's limits (pure functions, no server)."""

from __future__ import annotations

import json

from adapters.slack import blocks, events
from flows.i18n import Catalog
from flows.messages import Audience, Option, Prompt

CATALOG = Catalog.load()
AUDIENCE = Audience.member("slack:T1:U1")
UI = {"answer": "Answer", "submit": "Send", "skip": "Skip", "placeholder": "…", "hint": "", "anonymous": "Anonymous."}


def prompt(kind: str, options: int = 0, **extra: object) -> Prompt:
    opts = tuple(Option(f"o{i}", f"Option {i}") for i in range(options))
    return Prompt(AUDIENCE, "7:step", kind, "How is it going?", title="Check-in", options=opts, ui=UI, **extra)  # type: ignore[arg-type]


def actions(bs: list[dict]) -> list[dict]:
    return [b for b in bs if b["type"] == "actions"]


def test_scale_is_buttons_labelled_at_the_ends_with_a_legend() -> None:
    scale = Prompt(
        AUDIENCE, "7:mood", "scale", "Mood?", options=tuple(Option(str(i), f"{i} Bad" if i == 1 else f"{i} Great" if i == 5 else str(i)) for i in range(1, 6)),
        scale_labels=("Bad", "Great"), ui=UI, position=(1, 3), title="Check-in",
    )
    bs = blocks.prompt_blocks(scale, CATALOG)
    buttons = actions(bs)[0]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["1 Bad", "2", "3", "4", "5 Great"]
    assert "(1/3)" in bs[0]["elements"][0]["text"]
    assert any(b["type"] == "context" and "1 = Bad" in b["elements"][0]["text"] for b in bs)


def test_single_choice_is_buttons_up_to_five_then_a_select() -> None:
    assert actions(blocks.prompt_blocks(prompt("single", 5), CATALOG))[0]["elements"][0]["type"] == "button"
    select = actions(blocks.prompt_blocks(prompt("single", 12), CATALOG))[0]["elements"][0]
    assert select["type"] == "static_select" and len(select["options"]) == 12
    assert len(actions(blocks.prompt_blocks(prompt("single", 150), CATALOG))[0]["elements"][0]["options"]) == 100


def test_multi_choice_is_checkboxes_with_a_submit_carrying_the_prompt() -> None:
    bs = actions(blocks.prompt_blocks(prompt("multi", 4, max_choices=2), CATALOG))
    assert bs[0]["block_id"] == events.pick_block_id("7:step") and bs[0]["elements"][0]["type"] == "checkboxes"
    assert bs[1]["elements"][0]["action_id"] == events.ACTION_SUBMIT and bs[1]["elements"][0]["value"] == "7:step"


def test_members_is_a_users_select_and_text_is_an_answer_button() -> None:
    members = actions(blocks.prompt_blocks(prompt("members"), CATALOG))
    assert members[0]["elements"][0]["type"] == "multi_users_select"
    text = actions(blocks.prompt_blocks(prompt("text", max_length=500), CATALOG))[0]["elements"][0]
    assert text["action_id"] == events.ACTION_OPEN and json.loads(text["value"])["max"] == 500


def test_optional_questions_can_be_skipped_and_anonymous_ones_say_so() -> None:
    bs = blocks.prompt_blocks(prompt("single", 3, required=False, anonymous=True), CATALOG)
    assert any(e["value"] == "skip" for b in actions(bs) for e in b["elements"])
    assert bs[-1]["type"] == "context" and "Anonymous" in bs[-1]["elements"][0]["text"]
    skip_block = next(b for b in actions(bs) if b["block_id"].endswith("|skip"))
    body = {"team": {"id": "T1"}, "user": {"id": "U1", "team_id": "T1"}, "container": {"channel_id": "D1", "message_ts": "1.2"}}
    event = events.choose_event(body, {"block_id": skip_block["block_id"], "type": "button", "value": "skip", "action_ts": "9"})
    assert event is not None and event.prompt_ref == "7:step" and event.value == "skip" and event.reply_handle == "D1|1.2"


def test_long_texts_are_split_within_limits() -> None:
    pages = blocks.notice_blocks("line\n" * 40000)
    assert all(len(p) <= 50 for p in pages)
    assert all(len(b["text"]["text"]) <= 3000 for p in pages for b in p)
    assert sum(b["text"]["text"].count("line") for p in pages for b in p) == 40000
