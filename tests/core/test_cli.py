"""The `yhdessa` command as a newcomer uses it: scripted console sessions in a fresh folder."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def yhdessa(cwd: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("YHDESSA_", "SLACK_", "Microsoft"))}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=full_env, timeout=120
    )


def export(cwd: Path, env: dict[str, str] | None = None) -> list[dict[str, str]]:
    done = yhdessa(cwd, "export", "--format", "csv", env=env)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def test_scripted_checkin_is_exported_with_alice(tmp_path: Path) -> None:
    done = yhdessa(tmp_path, "run", "--as", "alice", stdin="/yhdessa checkin\n4\nMapping the service path\n")
    assert done.returncode == 0, done.stderr
    assert "1/3" in done.stdout and "2/3" in done.stdout
    rows = export(tmp_path)
    assert [(r["step"], r["value"], r["member"]) for r in rows] == [
        ("mood", "4", "console:local:alice"),
        ("focus", "Mapping the service path", "console:local:alice"),
    ]


def test_pulse_answered_halfway_continues_in_a_second_run(tmp_path: Path) -> None:
    first = yhdessa(tmp_path, "run", "--as", "alice", stdin="/yhdessa pulse start\n4\n5\n3\n")
    assert first.returncode == 0, first.stderr
    second = yhdessa(tmp_path, "run", "--as", "alice", stdin="2\n")
    assert second.returncode == 0, second.stderr
    assert "(4/14)" in second.stdout  # shown again on start: the question where alice stopped
    assert "(5/14)" in second.stdout
    # Anonymous answers are held back until enough people have answered (storage/anonymous.py):
    # nothing is exported yet, and the four items given so far wait on alice's session.
    assert export(tmp_path) == []
    with sqlite3.connect(tmp_path / "yhdessa.db") as conn:
        [(held,)] = conn.execute("SELECT held FROM member_sessions WHERE status = 'open'").fetchall()
    assert len({item["step_id"] for item in json.loads(held)}) == 4


def test_end_of_input_exits_cleanly_and_help_is_fast(tmp_path: Path) -> None:
    done = yhdessa(tmp_path, "run", "--as", "bob", stdin="")
    assert done.returncode == 0
    assert yhdessa(tmp_path, "--help").returncode == 0


def test_wrong_setting_is_named(tmp_path: Path) -> None:
    done = yhdessa(tmp_path, "run", stdin="", env={"YHDESSA_TIMEZONE": "Mars/Olympus", "YHDESSA_ANONYMITY_THRESHOLD": "2"})
    assert done.returncode == 2
    assert "YHDESSA_TIMEZONE" in done.stderr and "Mars/Olympus" in done.stderr
    assert "YHDESSA_ANONYMITY_THRESHOLD" in done.stderr


def test_members_grant_from_the_command_line(tmp_path: Path) -> None:
    done = yhdessa(tmp_path, "members", "grant", "slack:T0123:U0456")
    assert done.returncode == 0, done.stderr
    listing = yhdessa(tmp_path, "members", "list", "--network", "slack:T0123")
    assert "slack:T0123:U0456" in listing.stdout and "coordinator" in listing.stdout
    bad = yhdessa(tmp_path, "members", "grant", "nonsense")
    assert bad.returncode == 2 and "platform:workspace:user" in bad.stderr


@pytest.mark.parametrize("fmt", ["json"])
def test_export_json_has_no_member_on_anonymous_rows(tmp_path: Path, fmt: str) -> None:
    yhdessa(tmp_path, "run", "--as", "alice", stdin="/yhdessa pulse start trust\n4\n/yhdessa checkin\n5\n")
    done = yhdessa(tmp_path, "export", "--format", fmt)
    import json

    rows = json.loads(done.stdout)
    # One person's anonymous answer is held back (fewer than the threshold have answered); the
    # named check-in answer is there with its member.
    assert [r["flow"] for r in rows if r["anonymous"]] == []
    named = [r for r in rows if not r["anonymous"]]
    assert named and named[0]["member"] == "console:local:alice"


def test_demo_fills_a_network_across_sectors_once(tmp_path: Path) -> None:
    env = {"YHDESSA_LANGUAGE": "en"}
    done = yhdessa(tmp_path, "demo", "--as", "alice", env=env)
    assert done.returncode == 0, done.stderr
    assert "30 members" in done.stdout and "console:local:alice is a coordinator" in done.stdout
    members = yhdessa(tmp_path, "members", "list", env=env).stdout.splitlines()
    assert len(members) == 30
    assert {line.split("\t")[4] for line in members} == {"public", "private", "third"}
    assert {line.split("\t")[5] for line in members} == {"internal", "external"}
    rows = export(tmp_path, env)
    assert {r["flow"] for r in rows} >= {"pulse", "checkin", "network-map"} and len(rows) > 1000
    again = yhdessa(tmp_path, "demo", "--as", "alice", env=env)
    assert again.returncode == 0 and "adds nothing" in again.stdout
    assert len(export(tmp_path, env)) == len(rows)
