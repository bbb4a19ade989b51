"""Activities -> neutral events and neutral prompts -> Adaptive Cards (pure translation)."""

from __future__ import annotations

from microsoft_agents.activity import Activity

from adapters.teams import activities, cards
from flows.events import CommandIssued, MemberAnswered, MessageReceived
from flows.messages import Audience, Option, Prompt
from tests.teams.wire import TENANT, card_submit, channel_message, member_key, personal_message

VERBS = {"help", "pulse", "reflect", "checkin"}
URL = "https://smba.trafficmanager.net/emea/"


def translate(raw: dict) -> activities.Translation:  # type: ignore[type-arg]
    return activities.translate(Activity.model_validate(raw), VERBS)


def test_channel_mention_is_stripped_and_names_the_channel_not_the_thread() -> None:
    result = translate(channel_message(URL, "alice", "reflect start checkin here"))
    [event] = result.events
    assert isinstance(event, CommandIssued)
    assert event.text == "reflect start checkin here"
    assert event.channel is not None and event.channel.key == f"teams:{TENANT}:19:general@thread.tacv2"
    assert event.member.key == member_key("alice") and not event.is_direct
    assert set(result.references) == {event.channel.key}
    assert member_key("alice") in result.partial_references


def test_personal_chat_commands_need_a_known_verb_or_yhdessa() -> None:
    assert isinstance(translate(personal_message(URL, "bob", "pulse start")).events[0], CommandIssued)
    assert isinstance(translate(personal_message(URL, "bob", "yhdessa lang fi")).events[0], CommandIssued)
    answer = translate(personal_message(URL, "bob", "Helping each other is easy here")).events[0]
    assert isinstance(answer, MessageReceived) and answer.text == "Helping each other is easy here"
    assert translate(personal_message(URL, "bob", "hi")).references[member_key("bob")]["conversation"]["id"] == "a:personal-bob"


def test_card_submit_becomes_an_answer_with_the_card_handle() -> None:
    raw = card_submit(URL, "bob", "act-7", {"yhdessa_prompt": "3:knowing", "yhdessa_multi": True, "answer": "teams:x:a,teams:x:b"})
    [event] = translate(raw).events
    assert isinstance(event, MemberAnswered)
    assert event.prompt_ref == "3:knowing" and event.value == ["teams:x:a", "teams:x:b"]
    assert event.reply_handle == "a:personal-bob|act-7"
    assert event.idempotency_key == f"teams:a:personal-bob:{raw['id']}"


def _prompt(kind: str, **extra: object) -> Prompt:
    return Prompt(Audience.member(member_key("bob")), "5:s1", kind, "Question?", "Title", "en", ui={"submit": "Send", "skip": "Skip", "placeholder": "Write"}, **extra)  # type: ignore[arg-type]


def _texts(key: str, **values: object) -> str:
    from flows.i18n import Catalog

    return Catalog.load().t("en", key, **values)


def test_prompt_cards_per_kind() -> None:
    text = cards.prompt_card(_prompt("text", max_length=500, required=False), _texts)
    field = next(i for i in text["body"] if i.get("id") == "answer")
    assert field["type"] == "Input.Text" and field["isMultiline"] and field["maxLength"] == 500
    assert field["label"] == "Your answer" and "errorMessage" not in field  # optional: nothing to complain about
    assert [a["title"] for a in text["actions"]] == ["Send", "Skip"]
    multi = cards.prompt_card(_prompt("multi", options=(Option("a", "A"), Option("b", "B")), max_choices=2), _texts)
    field = next(i for i in multi["body"] if i.get("id") == "answer")
    assert field["isMultiSelect"] is True and multi["actions"][0]["data"]["yhdessa_multi"] is True
    assert field["errorMessage"] and any(b.get("text") == "Pick at most 2." for b in multi["body"])
    people = cards.prompt_card(_prompt("members", options=(Option(member_key("eino"), "Eino"),), max_choices=1), _texts)
    picker = next(i for i in people["body"] if i.get("id") == "answer")
    assert "choices.data" not in picker  # Adaptive Cards 1.6; these cards are 1.5
    assert picker["choices"] == [{"title": "Eino", "value": "aad-eino"}]  # the picker's own value format
    assert any(b.get("text") == "Pick one." for b in people["body"])
    assert all(cards.size(c) < cards.MAX_CARD_BYTES for c in (text, multi, people))


def test_a_member_list_answer_comes_back_as_member_keys() -> None:
    raw = card_submit(URL, "bob", "act-8", {"yhdessa_prompt": "3:knowing", "yhdessa_multi": True, "yhdessa_members": True, "answer": "aad-eino,aad-dora"})
    [event] = translate(raw).events
    assert isinstance(event, MemberAnswered) and event.value == [member_key("eino"), member_key("dora")]


def test_a_command_button_is_the_typed_command() -> None:
    raw = card_submit(URL, "bob", "act-9", {"yhdessa_command": "checkin"})
    [event] = translate(raw).events
    assert isinstance(event, CommandIssued) and event.text == "checkin" and event.is_direct


def test_help_texts_show_the_command_as_it_is_typed_in_teams() -> None:
    from flows.i18n import Catalog

    text = Catalog.load().t("fi", "no_open_question")
    assert "/yhdessa help" in text
    assert "yhdessa help" in cards.command_syntax(text) and "/yhdessa" not in cards.command_syntax(text)
