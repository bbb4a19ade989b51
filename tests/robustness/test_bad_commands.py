"""Odd input on every verb gets a clear answer in the member's language, never a crashed turn."""

from __future__ import annotations

import pytest

from flows.arguments import ArgumentError, as_int, parse_duration, parse_int, valid_timezone
from flows.messages import Notice
from tests.conftest import Console

SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes, int() says no


def notices(out: list) -> str:
    return "\n".join(m.text for m in out if isinstance(m, Notice))


@pytest.mark.parametrize("text", ["²", "٣", "1_0", "-1", "+1", "1e3", " ", "", "0x10", "99999999999999999999999"])
def test_only_ascii_digits_within_range_are_numbers(text: str) -> None:
    assert as_int(text, 0, 2_147_483_647) is None
    with pytest.raises(ArgumentError) as refused:
        parse_int(text, "bad_round")
    assert refused.value.key == "bad_round"


def test_a_number_in_range_is_read() -> None:
    assert parse_int(" 42 ", "bad_round", 1, 100) == 42
    assert as_int("101", 1, 100) is None


def test_durations_are_bounded() -> None:
    assert parse_duration("365d").days == 365
    with pytest.raises(ArgumentError) as refused:
        parse_duration("99999999d")
    assert refused.value.key == "duration_too_long"
    with pytest.raises(ArgumentError):
        parse_duration("²d")


@pytest.mark.parametrize("zone", ["a" * 300, "../../etc/passwd", "/etc/localtime", "Europe/Nowhere", "", "Europe/ Helsinki"])
def test_time_zones_are_checked_by_name(zone: str) -> None:
    assert not valid_timezone(zone)


def test_real_time_zones_pass() -> None:
    assert valid_timezone("Europe/Helsinki") and valid_timezone("America/Argentina/Buenos_Aires") and valid_timezone("Etc/GMT+5")


ODD_COMMANDS = [
    (f"report {SUPERSCRIPT_TWO}", "report <round number>"),
    ("report 99999999999999999999", "is not a round of this network"),
    (f"stage set {SUPERSCRIPT_TWO}", "The U-process has steps 1 to 10"),
    ("stage set 99999999999999999999", "The U-process has steps 1 to 10"),
    (f"reflect close {SUPERSCRIPT_TWO}", "is not a round of this network"),
    (f"reflect status {SUPERSCRIPT_TWO}", "is not a round of this network"),
    ("reflect status 99999999999999999999", "is not a round of this network"),
    (f"schedule remove {SUPERSCRIPT_TWO}", "There is no schedule"),
    ("schedule remove 99999999999999999999", "There is no schedule"),
    (f"export --round {SUPERSCRIPT_TWO}", "is not a round of this network"),
    ("export --round 99999999999999999999", "is not a round of this network"),
    ("members set me tz=" + "a" * 300, "is not a time zone I know"),
    ("members set me tz=../../../etc/passwd", "is not a time zone I know"),
    ("reflect start checkin --closes 99999999d", "at most 365 days"),
    ("reflect start checkin --remind 99999999w --closes 1d", "at most 365 days"),
    ("schedule add pulse \"every monday 09:00\" --closes 99999999d", "at most 365 days"),
    ("schedule add pulse \"every monday 09:00\" --tz " + "b" * 300, "b" * 10),
    (f"schedule add pulse \"every {SUPERSCRIPT_TWO} weeks monday 9:00\"", "use 1 to 52"),
    (f"schedule add pulse \"0 9 * * {SUPERSCRIPT_TWO}\"", "weekday"),
    (f"reflect start u-stage {SUPERSCRIPT_TWO}", "There is no flow called"),
]


async def test_odd_arguments_are_refused_with_a_clear_message(console: Console) -> None:
    await console.command("alice", "/yhdessa help")  # alice coordinates
    for command, expected in ODD_COMMANDS:
        out = await console.command("alice", f"/yhdessa {command}")
        assert expected in notices(out), (command, notices(out))


async def test_odd_scale_answers_are_asked_again(console: Console) -> None:
    await console.command("alice", "/yhdessa checkin")
    for odd in ("²", "٣", "nan", "inf", "1e0", "4_0", "99999999999999999999"):
        out = await console.say("alice", odd)
        assert "whole number from 1 to 5" in notices(out), odd
    out = await console.say("alice", "4")
    assert "whole number" not in notices(out)


async def test_a_prompt_id_with_odd_digits_is_unknown(console: Console) -> None:
    await console.command("alice", "/yhdessa checkin")
    for ref in ("²:mood", "99999999999999999999:mood", ":mood", "1"):
        out = await console.answer("alice", ref, "4")
        assert "can't find that question" in notices(out), ref


async def test_the_refusal_speaks_the_members_language(console: Console) -> None:
    await console.command("alice", "/yhdessa lang fi")
    out = await console.command("alice", "/yhdessa reflect start checkin --closes 99999999d")
    assert "enintään 365 päivän" in notices(out)
