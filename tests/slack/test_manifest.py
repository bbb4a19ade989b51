"""The app manifest asks for what the code uses: every event listened to, the command, the scopes."""

from __future__ import annotations

from pathlib import Path

import yaml

from adapters.slack.installation_store import BOT_SCOPES
from adapters.slack.listeners import EVENTS

MANIFEST = Path(__file__).parents[2] / "adapters" / "slack" / "manifest.yaml"


def test_manifest_matches_the_code() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    settings = manifest["settings"]
    listened = {"message.im" if e == "message" else e for e in EVENTS}
    assert set(settings["event_subscriptions"]["bot_events"]) == listened
    assert {"app_uninstalled", "tokens_revoked"} <= listened
    assert "im:read" not in BOT_SCOPES  # nothing lists or reads DM channels
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/yhdessa"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    for url in (settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]):
        assert url.endswith("/slack/events")


def test_the_manifest_comment_names_every_address_to_change() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    places = sum(1 for line in text.splitlines() if not line.lstrip().startswith("#") and "https://yhdessa.example.org" in line)
    words = {2: "two", 3: "three", 4: "four", 5: "five"}
    assert f"({words[places]} places" in text, places
