"""How fast does Yhdessä start? Prints medians and ratios against `python -c pass`; not a unit test.

Each repetition runs, one after the other with the same interpreter (so a loaded machine slows all
of them alike):

- `python -c pass`: the floor, an interpreter that starts and stops;
- `yhdessa --help`: the installed entry point, to its exit;
- the console in a terminal (a pseudo-terminal, as a person has it) on a database that is already
  migrated, with an open question waiting for the member: the time to its first line, and to its
  first prompt (the waiting question shown, the console reading input);
- the console on a new database (the quick start's first run): the time to its first line, and to
  the answer of `/yhdessa help` typed at once.

    python benchmarks/startup.py [--repeat 7]

Aims (issue 12): `yhdessa --help` at most 3x `python -c pass`; console to first prompt under 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.i18n import Catalog  # noqa: E402

TIMEOUT = 30.0


def entry_point() -> str:
    """The `yhdessa` script installed beside this interpreter (the one a user runs)."""
    script = Path(sys.executable).parent / "yhdessa"
    if not script.exists():
        sys.exit(f"benchmarks/startup.py: no {script}; install the project (pip install -e .) into this environment first")
    return str(script)


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def console(argv: list[str], env: dict[str, str], marks: list[bytes], typed: bytes = b"") -> list[float]:
    """Start the console on a pseudo-terminal; seconds until each of `marks` has appeared, in order,
    in what it printed. Ends it with Ctrl-D, as a person does."""
    master, slave = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, close_fds=True)
    os.close(slave)
    if typed:
        os.write(master, typed)  # typed ahead, as someone who knows what to type does
    seen = b""
    times: list[float] = []
    after = 0
    try:
        while len(times) < len(marks):
            if time.perf_counter() - start > TIMEOUT:
                raise SystemExit(f"benchmarks/startup.py: the console did not show {marks[len(times)]!r} within {TIMEOUT:.0f} s; it showed {seen[-400:]!r}")
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the console ended
                raise SystemExit(f"benchmarks/startup.py: the console ended early; it showed {seen[-400:]!r}") from None
            seen += chunk
            now = time.perf_counter() - start
            while len(times) < len(marks):
                mark = marks[len(times)]
                found = seen.find(mark, after)
                if found < 0:
                    break
                times.append(now)
                after = found + len(mark)
        os.write(master, b"\x04")
        process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return times


def prepare(env: dict[str, str], yhdessa: str) -> None:
    """A migrated database in which the member has an open check-in question."""
    subprocess.run([yhdessa, "run", "--as", "bench"], input=b"/yhdessa checkin\n", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="repetitions of each measurement (default 7); medians are printed")
    args = parser.parse_args()
    yhdessa = entry_point()
    catalog = Catalog.load()
    banner_end = catalog.t("en", "console_banner", name="bench").encode()[-12:]
    resume = catalog.t("en", "console_resume").encode()
    welcome = catalog.t("en", "first_coordinator").encode()[:24]  # the first reply to the first member
    figures: dict[str, list[float]] = {key: [] for key in ("pass", "help", "line", "prompt", "new_line", "new_reply")}
    with tempfile.TemporaryDirectory(prefix="yhdessa-startup-") as folder:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("YHDESSA_", "SLACK_", "OPENAI_", "MicrosoftApp"))}
        base.update(YHDESSA_LANGUAGE="en", YHDESSA_CHART_DIR=str(Path(folder, "charts")), TERM="dumb")
        migrated = {**base, "YHDESSA_DATABASE_URL": f"sqlite:///{Path(folder, 'migrated.db')}"}
        prepare(migrated, yhdessa)
        for i in range(args.repeat):
            figures["pass"].append(timed([sys.executable, "-c", "pass"], base))
            figures["help"].append(timed([yhdessa, "--help"], base))
            line, prompt = console([yhdessa, "run", "--as", "bench"], migrated, [banner_end, resume])
            figures["line"].append(line)
            figures["prompt"].append(prompt)
            fresh = {**base, "YHDESSA_DATABASE_URL": f"sqlite:///{Path(folder, f'new-{i}.db')}"}
            new_line, new_reply = console([yhdessa, "run", "--as", "bench"], fresh, [banner_end, welcome], typed=b"/yhdessa help\n")
            figures["new_line"].append(new_line)
            figures["new_reply"].append(new_reply)
    median = {key: statistics.median(values) for key, values in figures.items()}
    floor = median["pass"]
    print(f"startup, median of {args.repeat} runs each, measured in this run on {os.cpu_count()} cores (a loaded machine slows all alike):")
    rows = [
        ("python -c pass", "pass", ""),
        ("yhdessa --help", "help", "aim: at most 3x"),
        ("console, first line (migrated database)", "line", ""),
        ("console, first prompt (migrated database)", "prompt", "aim: under 1.5 s"),
        ("console, first line (new database)", "new_line", ""),
        ("console, reply to /yhdessa help (new database)", "new_reply", ""),
    ]
    for label, key, aim in rows:
        spread = f"{min(figures[key]):.3f}-{max(figures[key]):.3f}"
        print(f"  {label:<48} {median[key]:7.3f} s  ({spread})  {median[key] / floor:5.1f}x python -c pass  {aim}")
    help_ok = median["help"] <= 3 * floor
    prompt_ok = median["prompt"] < 1.5
    print(f"yhdessa --help / python -c pass = {median['help'] / floor:.2f} ({'meets' if help_ok else 'misses'} the aim of 3)")
    print(f"console to first prompt = {median['prompt']:.2f} s ({'meets' if prompt_ok else 'misses'} the aim of 1.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
