"""Start-up as a person meets it: `yhdessa --help` and the console come up without the heavy
libraries (charts, numpy, the web server, the platform SDKs), and a terminal shows its first line
before the database's migrations are loaded. Timings are in benchmarks/startup.py, not here."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

# What only reports (charts, the network map, the themes' lemmatiser), the Slack/Teams server or an LLM need.
HEAVY = ("matplotlib", "numpy", "networkx", "PIL", "aiohttp", "slack_bolt", "slack_sdk", "microsoft_agents", "openai", "simplemma")

# Runs the real `yhdessa` main in a fresh interpreter, then says which heavy packages it loaded and
# in what order its output and the first import of alembic (the migrations) came.
PROBE = """
import importlib.abc, json, sys
class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "alembic":
            print("<<alembic imported>>", flush=True)
            sys.meta_path.remove(self)
        return None
sys.meta_path.insert(0, Watch())
from bot.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # argparse ends --help so
    code = exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(%r)))
print("<<heavy " + json.dumps(heavy) + ">>", flush=True)
sys.exit(code)
""" % json.dumps(HEAVY)


def env_for(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YHDESSA_", "SLACK_", "Microsoft", "OPENAI_"))}
    env.update(YHDESSA_LANGUAGE="en", YHDESSA_DATABASE_URL=f"sqlite:///{tmp_path / 'y.db'}", YHDESSA_CHART_DIR=str(tmp_path / "charts"))
    return env


def heavy_loaded(output: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith("<<heavy "))
    return json.loads(line.removeprefix("<<heavy ").removesuffix(">>"))


def probe(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], input=stdin, capture_output=True, text=True, cwd=tmp_path, env=env_for(tmp_path), timeout=120
    )


def test_help_loads_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    done = probe(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "report" in done.stdout and "teams-package" in done.stdout  # the optional parts still list themselves
    assert heavy_loaded(done.stdout) == []


def test_a_console_check_in_loads_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    done = probe(tmp_path, "run", "--as", "alice", stdin="/yhdessa checkin\n4\n")
    assert done.returncode == 0, done.stderr
    assert "(2/3)" in done.stdout  # the check-in was started and its first answer taken
    assert heavy_loaded(done.stdout) == []


def test_a_second_start_on_a_migrated_database_does_not_load_the_migrations(tmp_path: Path) -> None:
    first = probe(tmp_path, "run", "--as", "alice", stdin="/yhdessa checkin\n")
    assert first.returncode == 0, first.stderr
    assert "<<alembic imported>>" in first.stdout  # a new database: migrated
    again = probe(tmp_path, "run", "--as", "alice", stdin="4\n")
    assert again.returncode == 0, again.stderr
    assert "(2/3)" in again.stdout  # the waiting check-in took its answer
    assert "<<alembic imported>>" not in again.stdout


def test_a_report_still_draws_its_charts(tmp_path: Path) -> None:
    """The charts load when asked for: the lazy import must not lose them."""
    env = env_for(tmp_path)
    demo = subprocess.run([sys.executable, "-m", "bot", "demo", "--as", "alice", "--members", "8", "--months", "2"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert demo.returncode == 0, demo.stderr
    report = subprocess.run([sys.executable, "-m", "bot", "report", "trends"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert report.returncode == 0, report.stderr
    charts = list((tmp_path / "charts").glob("*.png"))
    assert charts and all(path.read_bytes().startswith(b"\x89PNG") for path in charts)


def read_until(master: int, needle: bytes, timeout: float = 60.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        assert time.monotonic() < deadline, f"the console did not show {needle!r}; it showed {seen[-500:]!r}"
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:  # the console ended
                break
    return seen


def test_the_terminal_shows_its_first_line_before_the_migrations_load(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", PROBE, "run", "--as", "alice"], stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, cwd=tmp_path, env=env_for(tmp_path)
    )
    os.close(slave)
    try:
        shown = read_until(master, b"<<alembic imported>>")
        os.write(master, b"/yhdessa help\n")
        shown += read_until(master, b"help all")  # the console answers once it is up
        os.write(master, b"\x04")  # Ctrl-D ends it
        shown += read_until(master, b"<<heavy ")
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    text = shown.decode()
    banner = text.find("Yhdessä console — you are alice")
    assert 0 <= banner < text.find("<<alembic imported>>")


def test_a_pipe_gets_no_banner(tmp_path: Path) -> None:
    """Scripts that feed the console keep the output they always had."""
    done = probe(tmp_path, "run", "--as", "alice", stdin="")
    assert done.returncode == 0, done.stderr
    assert "Yhdessä console" not in done.stdout


def run_without(tmp_path: Path, blocked: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`yhdessa ARGS` in an interpreter where the package `blocked` is not installed."""
    code = f"import sys; sys.modules[{blocked!r}] = None; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tmp_path, env={**env_for(tmp_path), **env}, timeout=120
    )


def test_an_llm_setting_without_the_llm_extra_stops_start_up_naming_the_extra(tmp_path: Path) -> None:
    for command in (["run", "--as", "alice"], ["report"]):
        done = run_without(tmp_path, "openai", *command, env={"OPENAI_API_KEY": "sk-test"})
        assert done.returncode == 2, done.stderr
        assert "OPENAI_API_KEY" in done.stderr and "pip install 'yhdessa[llm]'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "y.db").exists()  # refused before anything was opened


def test_without_an_llm_setting_the_bot_runs_without_the_llm_extra(tmp_path: Path) -> None:
    done = run_without(tmp_path, "openai", "run", "--as", "alice", env={})
    assert done.returncode == 0, done.stderr


def test_no_console_stops_with_a_message_when_no_platform_is_configured(tmp_path: Path) -> None:
    """What a container without Slack or Teams settings says, instead of a console that ends at once."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--no-console"], capture_output=True, text=True, cwd=tmp_path, env=env_for(tmp_path), timeout=120
    )
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN" in done.stderr and "YHDESSA_TEAMS_APP_ID" in done.stderr and "Traceback" not in done.stderr
