"""What an operator sees when the database or a setting is wrong: one line naming it, exit code 2."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from tests.core.test_cli import yhdessa

POSTGRES_URL = os.environ.get("YHDESSA_TEST_POSTGRES_URL")


def one_line(done, *words: str) -> str:  # type: ignore[no-untyped-def]
    """The run stopped with exit code 2 and one line on stderr, no traceback, naming `words`."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_garbage_database_url_names_the_setting(tmp_path: Path) -> None:
    one_line(yhdessa(tmp_path, "run", env={"YHDESSA_DATABASE_URL": "garbage"}), "YHDESSA_DATABASE_URL", "sqlite:///")


def test_unreachable_postgresql_names_the_server(tmp_path: Path) -> None:
    line = one_line(
        yhdessa(tmp_path, "run", env={"YHDESSA_DATABASE_URL": "postgresql://postgres:secret@127.0.0.1:1/test"}),
        "YHDESSA_DATABASE_URL", "127.0.0.1:1", "start it",
    )
    assert "secret" not in line


def test_damaged_sqlite_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "yhdessa.db").write_bytes(b"this is not a database" + os.urandom(4096))
    one_line(yhdessa(tmp_path, "run"), "yhdessa.db", "backup")


def _migrated(tmp_path: Path) -> Path:
    assert yhdessa(tmp_path, "db", "upgrade").returncode == 0
    return tmp_path / "yhdessa.db"


def test_lost_migration_record_stops_start_up(tmp_path: Path) -> None:
    path = _migrated(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE alembic_version")
    one_line(yhdessa(tmp_path, "run"), "alembic_version", "backup")


def test_unknown_revision_stops_start_up(tmp_path: Path) -> None:
    path = _migrated(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999' WHERE version_num = '0001' OR rowid = 1")
    one_line(yhdessa(tmp_path, "run"), "9999", "another version")


@pytest.mark.skipif(not POSTGRES_URL, reason="YHDESSA_TEST_POSTGRES_URL is not set")
def test_wrong_postgresql_database_name_is_named(tmp_path: Path) -> None:
    assert POSTGRES_URL
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/no_such_database_yhdessa"
    one_line(yhdessa(tmp_path, "run", env={"YHDESSA_DATABASE_URL": url}), "YHDESSA_DATABASE_URL", "no_such_database_yhdessa")


WRONG_SETTINGS = [
    ("YHDESSA_LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("YHDESSA_LANGUAGE", "de", "'fi', 'sv' or 'en'"),
    ("YHDESSA_TIMEZONE", "a" * 300, "time zone"),
    ("YHDESSA_ANONYMITY_THRESHOLD", "2", "3"),
    ("YHDESSA_ANONYMITY_THRESHOLD", "²", "integer"),
    ("YHDESSA_WORKING_HOURS", "17-9", "9-17"),
    ("YHDESSA_WORKING_HOURS", "nine to five", "9-17"),
    ("YHDESSA_SCHEDULE_GRACE_HOURS", "-1", "0"),
    ("YHDESSA_LLM_TIMEOUT", "0", "0"),
    ("OPENAI_BASE_URL", "localhost:11434", "http"),
    ("SLACK_API_URL", "ftp://slack", "http"),
    ("YHDESSA_COORDINATORS", "slack:T0123: U0456", "platform:workspace:user"),
    ("YHDESSA_DATABASE_URL", "postgresql://u@h:notaport/db", "YHDESSA_DATABASE_URL"),
    ("OPENAI_BASE_URL", "zz", "https://api.openai.com/v1"),  # the example is the setting's own
    ("YHDESSA_PUBLIC_URL", "yhdessa.example.org", "http"),
    ("YHDESSA_CHART_DIR", "/etc/passwd", "is a file"),
    ("YHDESSA_CHART_DIR", "/etc/passwd/charts", "cannot be made a folder"),
    ("YHDESSA_OUTBOX_RETENTION_DAYS", "abc", "number"),
    ("YHDESSA_CHART_LINK_HOURS", "0", "0"),
]


def test_each_wrong_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value, named in WRONG_SETTINGS:
        with monkeypatch.context() as env:
            env.setenv(variable, value)
            with pytest.raises(SettingsError) as refused:
                load_settings()
        assert str(refused.value).startswith(f"{variable}: ") and named in str(refused.value), (variable, str(refused.value))


def test_a_loud_log_level_stops_the_real_command(tmp_path: Path) -> None:
    one_line(yhdessa(tmp_path, "run", env={"YHDESSA_LOG_LEVEL": "LOUD"}), "YHDESSA_LOG_LEVEL", "DEBUG, INFO")


def test_odd_command_line_numbers_are_refused(tmp_path: Path) -> None:
    for args in (("run", "--port", "²"), ("run", "--port", "99999999"), ("export", "--round", "99999999999999999999")):
        done = yhdessa(tmp_path, *args)
        assert done.returncode == 2 and "Traceback" not in done.stderr and "is not a whole number" in done.stderr


def test_a_chart_folder_that_cannot_be_written_is_said_in_the_console(tmp_path: Path) -> None:
    """A folder that passes the check but fails at writing (a read-only mount, a pseudo file
    system): the member is told in one line which setting to change, not shown a traceback."""
    import asyncio

    from adapters.console.transport import ConsoleTransport
    from flows.i18n import Catalog
    from flows.messages import Audience, Document

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    said: list[str] = []
    transport = ConsoleTransport(Catalog.load(), "console:local:alice", blocked / "charts", write=said.append)
    document = Document(Audience.member("console:local:alice"), b"{}", "my-data.json", "application/json", "Tietosi", "fi")
    assert asyncio.run(transport.deliver(document)) is None
    assert len(said) == 1 and "YHDESSA_CHART_DIR" in said[0] and "my-data.json" in said[0] and "En voinut" in said[0]
