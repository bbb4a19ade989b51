"""The operator's `yhdessa export` gives the network's actions as the chat `export` does: beside
the answers when writing to a file, on their own with --actions, and says when it leaves them out."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.core.test_cli import yhdessa

SESSION = '/yhdessa action add "Map the service path" --due 2w\n/yhdessa checkin\n4\n'


def test_export_to_a_file_writes_the_actions_beside_the_answers(tmp_path: Path) -> None:
    done = yhdessa(tmp_path, "run", "--as", "alice", stdin=SESSION)
    assert done.returncode == 0, done.stderr
    out = yhdessa(tmp_path, "export", "--output", "answers.csv")
    assert out.returncode == 0, out.stderr
    assert "wrote 1 answer to answers.csv" in out.stderr and "wrote 1 action to answers-actions.csv" in out.stderr
    answers = list(csv.DictReader(io.StringIO((tmp_path / "answers.csv").read_text())))
    assert [(r["step"], r["value"]) for r in answers] == [("mood", "4")]
    [action] = list(csv.DictReader(io.StringIO((tmp_path / "answers-actions.csv").read_text())))
    assert action["text"] == "Map the service path" and action["status"] == "open" and action["due"]

    alone = yhdessa(tmp_path, "export", "--actions", "--format", "json")
    assert alone.returncode == 0, alone.stderr
    assert [a["text"] for a in json.loads(alone.stdout)] == ["Map the service path"]

    plain = yhdessa(tmp_path, "export")  # standard output holds one table: it says what it left out
    assert plain.returncode == 0 and "1 action left out of this output" in plain.stderr and "--actions" in plain.stderr
    assert "Map the service path" not in plain.stdout

    one_round = yhdessa(tmp_path, "export", "--round", "1", "--output", "round.csv")
    assert one_round.returncode == 0 and not (tmp_path / "round-actions.csv").exists()  # a round's export is its answers
    refused = yhdessa(tmp_path, "export", "--actions", "--round", "1")
    assert refused.returncode == 2 and "leave out --round" in refused.stderr and "Traceback" not in refused.stderr
