"""Block Kit layout per prompt kind, within Slack's limits (pure functions, no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.slack import blocks, events
from flows.i18n import Catalog
from flows.loader import FlowError, load_flows
from flows.messages import Audience, Option, Prompt

CATALOG = Catalog.load()
AUDIENCE = Audience.member("slack:T1:U1")
UI = {"answer": "Answer", "submit": "Send", "skip": "Skip", "placeholder": "…", "hint": "", "privacy": "Anonymous."}


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


def _mrkdwn_texts(value: object) -> list[str]:
    """Every mrkdwn text in a payload, wherever it sits."""
    if isinstance(value, dict):
        found = [value["text"]] if value.get("type") == "mrkdwn" else []
        return found + [t for v in value.values() for t in _mrkdwn_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _mrkdwn_texts(v)]
    return []


def test_text_renders_as_written_and_cannot_ping_or_link() -> None:
    sneaky = "Should we ask <!channel> & <@U0A1B2C3D4E>? See <https://evil.example|here> — a<b>c"
    question = Prompt(AUDIENCE, "7:step", "single", sneaky, title="<Retro & more>", options=(Option("a", "<!here> yes"), Option("b", "no & never")), ui=UI)
    texts = _mrkdwn_texts(blocks.prompt_blocks(question, CATALOG))
    texts += _mrkdwn_texts(blocks.notice_blocks("Use reflect start <flow> [audience] with <kysely> & <member>"))
    assert texts and not any(c in t.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "") for t in texts for c in "<>&")
    assert any("&lt;!channel&gt; &amp; &lt;@U0A1B2C3D4E&gt;" in t for t in texts)
    assert any("reflect start &lt;flow&gt;" in t for t in texts)  # the help's placeholders show as typed
    assert "<!here>" not in blocks.prompt_fallback(question) and "&lt;" in blocks.prompt_fallback(question)
    # Read back from the clicked message and shown again (answered message, modal): escaped once.
    posted = blocks.prompt_blocks(question, CATALOG)
    shown = next(b["text"]["text"] for b in posted if b.get("block_id", "").startswith("yh_q|"))
    again = blocks.answered_blocks({"head": "", "text": shown}, "Answered: <!here>")
    assert again[0]["text"]["text"] == shown and "&lt;!here&gt;" in again[-1]["elements"][0]["text"]


def test_long_option_labels_stay_distinct_after_clipping() -> None:
    stem = "We share the client's path through the services of three organisations, from the first contact"
    options = tuple(Option(f"v{i}", f"{stem} {i}") for i in range(3))
    for kind, count in (("single", 3), ("single", 7), ("multi", 3)):
        layout = blocks.prompt_blocks(Prompt(AUDIENCE, "7:step", kind, "Which?", options=options * (count // 3) if count == 3 else tuple(Option(f"v{i}", f"{stem} {i}") for i in range(count)), ui=UI), CATALOG)
        element = next(b for b in actions(layout))["elements"]
        labels = [e["text"]["text"] for e in element] if element[0]["type"] == "button" else [o["text"]["text"] for o in element[0]["options"]]
        assert all(len(label) <= 75 for label in labels) and len(set(labels)) == len(labels), labels


def test_every_button_of_a_block_has_its_own_action_id() -> None:
    for layout in (blocks.prompt_blocks(prompt("single", 5, required=False), CATALOG), blocks.prompt_blocks(prompt("scale", 11), CATALOG)):
        for block in actions(layout):
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids)) and all(events.CHOOSE_PATTERN.match(i) or i.startswith("yh_") for i in ids)


def test_step_ids_that_would_break_slacks_id_limit_are_refused(tmp_path: Path) -> None:
    flow = "id: long\nkind: custom\ntitle: {fi: a, sv: b, en: c}\nsteps:\n  - id: STEP\n    kind: text\n    text: {fi: a, sv: b, en: c}\n"
    (tmp_path / "long.yaml").write_text(flow.replace("STEP", "s" * 201), encoding="utf-8")
    with pytest.raises(FlowError, match="255"):
        load_flows(tmp_path)
    (tmp_path / "long.yaml").write_text(flow.replace("STEP", "s" * 200), encoding="utf-8")
    step = load_flows(tmp_path)["long"].steps[0]
    layout = blocks.prompt_blocks(Prompt(AUDIENCE, f"{10**12}:{step.id}", "scale", "q", options=(Option("1", "1"), Option("2", "2")), required=False, ui=UI), CATALOG)
    assert all(len(b.get("block_id", "")) <= 255 for b in layout)


def test_modal_metadata_stays_json_within_slacks_limit() -> None:
    meta = {"ref": "7:step", "handle": "D0A1B2C3D4E|" + "1" * 3000, "lang": "fi", "req": True, "home": True}
    text = blocks.modal_metadata(meta)
    assert len(text) <= 3000 and json.loads(text)["ref"] == "7:step"


def test_mentions_in_commands_become_plain_ids() -> None:
    assert events.command_text("members grant <@U0A1B2C3D4E|anna>") == "members grant U0A1B2C3D4E"
    assert events.command_text("pulse start trust <#C0A1B2C3D4E|network>") == "pulse start trust #C0A1B2C3D4E"
    assert events.command_text("network channel C0A1B2C3D4E") == "network channel #C0A1B2C3D4E"
    assert events.command_text('network name "Hyvinvointi &amp; työ"') == 'network name "Hyvinvointi & työ"'
    assert events.command_text("reflect start checkin #general --closes 3d") == "reflect start checkin #general --closes 3d"
    assert events.command_text('network name "GROUP12345 network"') == 'network name "GROUP12345 network"'  # quoted: as typed
