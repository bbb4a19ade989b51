"""Whatever members and coordinators write comes back as written and can never ping or link: names
from Slack profiles, organisations, the network's name, a typed answer echoed in its message, quotes
in a report, the themes ballot, the digest's response, facts, actors, prototypes, actions and
shared journal lines all carry `<!channel>`, `<@U…>` and a `<https://…|…>` link here, and every
payload the bot sends (the strict fake refuses any raw `<`, `>` or `&` in mrkdwn) shows them
escaped, so Slack renders the text instead of acting on it."""

from __future__ import annotations

import json
import re
from typing import Any

from flows.events import MemberAnswered, MemberRef, NetworkRef
from tests.slack.conftest import SlackHarness, payload
from tests.slack.fake_slack import TEAM

EVIL = "<!channel> <@UBEN> <https://evil.example|click>"
SHOWN = "&lt;!channel&gt; &lt;@UBEN&gt; &lt;https://evil.example|click&gt;"
# In a command a mention names a member, so it comes through as their bare id (events.command_text).
TYPED = "&lt;!channel&gt; UBEN &lt;https://evil.example|click&gt;"
LIVE = re.compile(r"<(!channel|!here|!everyone|@[UW]|#C|https?:|mailto:)")


def _mrkdwn(value: Any) -> list[str]:
    """Every string Slack would read as mrkdwn: `text` fields of messages and mrkdwn objects."""
    found: list[str] = []
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            found.append(value["text"])
        for item in value.values():
            found.extend(_mrkdwn(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_mrkdwn(item))
    return found


def _sent(slack: SlackHarness) -> list[str]:
    texts: list[str] = []
    for call in slack.fake.calls:
        if call.method.startswith("chat.") or call.method == "response_url":
            texts.append(str(call.args.get("text") or ""))
            texts.extend(_mrkdwn(call.args.get("blocks")))
        elif call.method.startswith("views."):
            texts.extend(_mrkdwn(call.args.get("view")))
    return texts


async def _answer_in_modal(slack: SlackHarness, user: str, dm: str, text: str) -> None:
    """Press the text prompt's button, then submit the modal with `text`."""
    post = next(c for c in reversed(slack.posts_to(dm)) if any(e.get("action_id") == "yh_open" for b in c.args.get("blocks") or () if b["type"] == "actions" for e in b["elements"]))
    opener = next(e for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"])
    await slack.interaction(slack.block_action(user, dm, post.result["ts"], {"action_id": "yh_open", "block_id": "yho|x", "type": "button", "value": opener["value"]}))
    modal = slack.fake.called("views.open")[-1].args["view"]
    data = payload("view_submission.json")
    data["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}
    data["view"]["private_metadata"] = modal["private_metadata"]
    data["view"]["state"]["values"]["yh_text"]["yh_text_input"]["value"] = text
    status, body = await slack.interaction(data)
    assert (status, body) == (200, ""), body


async def test_text_people_wrote_is_shown_escaped_in_every_payload(slack3: SlackHarness) -> None:
    slack = slack3
    for user in ("UANNA", "UBEN"):
        profile = slack.fake.users[user]["profile"]
        profile["display_name"] = f"{profile['display_name']} <!here> & co"
    dm = {"UCOORD": "DCOORD", "UANNA": "DANNA", "UBEN": "DBEN"}
    await slack.command("reflect start checkin here")  # the channel's people, named by their profiles
    for user in dm:
        await slack.command(f'members set me organisation="{EVIL} & {user}"', user=user, channel=dm[user], channel_name="directmessage")
    commands = (
        f'network name "{EVIL} network"',
        f'fact add "{EVIL} in 2025" --source https://example.org/a?b=1&c=2',
        f'actor propose "{EVIL}" org="<Library> & co" sector=public why="{EVIL}"',
        f'prototype add "If {EVIL}, then less waiting" owner=<@UANNA|anna> test="{EVIL}"',
        f'action add "{EVIL} map" --owner <@UANNA|anna> --due 2w',
        f'role add "{EVIL} keeps the agenda" --owner <@UANNA|anna>',
        f'charter propose "{EVIL} we listen"',
        f'charter propose "We speak for ourselves & {EVIL}"',
        f'vision draft "{EVIL} a shared service path"',
        'vision draft "Families find help & support in one place"',
    )
    for text in commands:
        await slack.command(text, channel="DCOORD", channel_name="directmessage")
    await slack.deliver()

    # Anna types her check-in answer in the modal; the others' answers share its theme.
    mood = next(c for c in reversed(slack.posts_to("DANNA")) if any(str(b.get("block_id", "")).startswith("yhq|") for b in c.args.get("blocks") or ()))
    block = next(b for b in mood.args["blocks"] if str(b.get("block_id", "")).startswith("yhq|"))
    await slack.interaction(slack.block_action("UANNA", "DANNA", mood.result["ts"], {"action_id": block["elements"][3]["action_id"], "block_id": block["block_id"], "type": "button", "value": block["elements"][3]["value"]}))
    await slack.deliver()
    await _answer_in_modal(slack, "UANNA", "DANNA", f"The experiment {EVIL}")
    network = NetworkRef("slack", TEAM)
    for user in ("UCOORD", "UBEN"):
        for step, value in (("mood", "4"), ("focus", f"The experiment and {EVIL}"), ("need", f"Time {EVIL}")):
            await slack.core.engine.handle(MemberAnswered(network, MemberRef("slack", TEAM, user), f"1:{step}", value, f"evil-{user}-{step}"))
    for user, line in (("UCOORD", "first"), ("UANNA", "second"), ("UBEN", "third")):
        await slack.command(f'journal share "{EVIL} {line}"', user=user, channel=dm[user], channel_name="directmessage")
    for text in ("reflect close 1", "reflect themes 1 --votes 1", "report 1", f'reflect publish 1 "{EVIL} thanks"', "members list", "fact list", "actor list", "prototype list all",
                 "action list all", "journal shared", "role list", "charter vote", "charter list", "vision list"):
        await slack.command(text, channel="DCOORD", channel_name="directmessage")
    await slack.deliver()
    await slack.event(dict(payload("events.json")["app_home_opened"], user="UANNA"), "EvEVILHOME")

    texts = _sent(slack)
    live = [t for t in texts if LIVE.search(t)]
    assert not live, live[:3]
    updates = [json.dumps(c.args, ensure_ascii=False) for c in slack.fake.called("chat.update")]
    assert any(SHOWN in u for u in updates)  # the typed answer, echoed in the answered message
    to_coordinator = "\n".join(str(c.args.get("text")) + json.dumps(c.args.get("blocks"), ensure_ascii=False) for c in slack.posts_to("DCOORD"))
    for kind in (f"{TYPED} network", f"{TYPED} in 2025", f"If {TYPED}, then", f"{TYPED} map", f"{TYPED} &amp; UANNA", "Anna &lt;!here&gt; &amp; co", f"{TYPED} second",
                 f"{TYPED} keeps the agenda", f"{TYPED} we listen", f"{TYPED} a shared service path"):
        assert kind in to_coordinator, kind
    digest = next(c for c in slack.posts_to("DBEN") if any(b.get("block_id") == "yh_digest_title" for b in c.args.get("blocks") or ()))
    assert f"&gt; {TYPED} thanks" in json.dumps(digest.args["blocks"], ensure_ascii=False)  # the response, quoted
    ballot = next(c for c in slack.posts_to("DBEN") if any(str(b.get("block_id", "")).startswith("yhp|themes:") for b in c.args.get("blocks") or ()))
    assert ballot.args["blocks"]
    home = json.dumps(slack.fake.called("views.publish")[-1].args["view"], ensure_ascii=False)
    assert SHOWN in home  # Anna's own answer among her recent ones
