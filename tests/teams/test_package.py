"""`yhdessa teams-package` builds the zip Teams accepts: manifest.json and two icons of the right size."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main

APP_ID = "1b2c3d4e-0000-4000-8000-123456789abc"


def test_package_has_the_manifest_and_icons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "app.zip"
    assert main(["teams-package", "--app-id", APP_ID, "--output", str(output), "--version", "1.2.3"]) == 0
    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert Image.open(io.BytesIO(archive.read("color.png"))).size == (192, 192)
        assert Image.open(io.BytesIO(archive.read("outline.png"))).size == (32, 32)
    assert manifest["id"] == APP_ID and manifest["version"] == "1.2.3"
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"personal", "team", "groupChat"}
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert "help" in titles and "pulse start" in titles and len(titles) <= 10
    assert all(len(t) <= 32 for t in titles)


def test_package_without_app_id_names_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("YHDESSA_TEAMS_APP_ID", "MicrosoftAppId"):
        monkeypatch.delenv(name, raising=False)
    assert main(["teams-package"]) == 2
    assert "MicrosoftAppId" in capsys.readouterr().err
    assert main(["teams-package", "--app-id", "my-bot"]) == 2
    assert "not an Azure app id" in capsys.readouterr().err
