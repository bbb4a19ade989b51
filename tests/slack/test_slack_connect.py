"""Slack Connect and not-installed workspaces, replayed from payloads in the shapes slack-bolt
records: a guest from another organisation answers in the host workspace's network (keeping their
own team in their member key), is welcomed when joining a shared channel, and no network is ever
made for the guest's organisation. A workspace where the app is not installed gets nothing."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select

from adapters.slack import events
from storage.models import Member, Network, Schedule
from tests.conftest import make_settings
from tests.slack.conftest import SECRET, SlackHarness, harness, payload
from tests.slack.fake_slack import BOT_USER, FakeSlack

HOST, GUEST_TEAM = "T05HOSTQ3ZK", "T07GUESTR2M"
COORD, ANNA, GUEST, NEWBIE = "U05COORD7QA", "U05ANNA8KXZ", "W07GUEST4LP", "W07NEWBIE2X"
SHARED = "C06NETWRK3Q"


@pytest_asyncio.fixture
async def connect(db_url: str, tmp_path: Path) -> AsyncIterator[SlackHarness]:
    fake = await FakeSlack().start()
    fake.add_user(COORD, "Coordinator", team=HOST)
    fake.add_user(ANNA, "Anna", team=HOST)
    fake.add_user(GUEST, "Gustav", team=GUEST_TEAM)
    fake.add_user(NEWBIE, "Nea", team=GUEST_TEAM)
    fake.add_user(BOT_USER, "Yhdessä", team=HOST, is_bot=True)
    fake.add_channel(SHARED, "network", [COORD, ANNA, GUEST, BOT_USER])
    fake.installs["xoxb-5801139398818-5822216093745-c0nnectT0kenValue"] = HOST  # auth.test answers the host team
    settings = make_settings(db_url, tmp_path, slack_bot_token="xoxb-5801139398818-5822216093745-c0nnectT0kenValue", slack_signing_secret=SECRET, slack_api_url=fake.base_url, coordinators=f"slack:{HOST}:{COORD}")
    async with harness(settings, fake) as running:
        yield running
    await fake.stop()
    assert not fake.refused, [(c.method, c.result) for c in fake.refused]


def test_the_workspace_is_the_installed_one_as_bolt_reads_it() -> None:
    connect = payload("slack_connect.json")
    assert events.team_of(connect["block_actions_guest"]) == HOST
    assert events.team_of(connect["view_submission_guest"]) == HOST  # not team.id, the guest's
    assert events.team_of(connect["member_joined_shared_channel"]) == HOST  # not the top-level team_id
    org_install = {"type": "block_actions", "team": None, "user": {"id": "W1", "team_id": "T0ORGTEAM1"}, "enterprise": {"id": "E0ORG"}}
    assert events.team_of(org_install) == "T0ORGTEAM1"


async def _command(slack: SlackHarness, text: str) -> None:
    form = payload("slash_command.json")
    form.update(team_id=HOST, user_id=COORD, user_name="coordinator", channel_id=SHARED, channel_name="network", text=text, trigger_id=f"t.{text}")
    status, _ = await slack.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    assert status == 200
    await slack.deliver()


def _latest_prompt(slack: SlackHarness, dm: str) -> tuple[str, list[dict]]:
    posts = [c for c in slack.posts_to(dm) if any(b.get("type") == "actions" for b in c.args.get("blocks") or ())]
    return posts[-1].result["ts"], posts[-1].args["blocks"]


def _guest_click(ts: str, blocks: list[dict], action: dict) -> dict:
    click = payload("slack_connect.json")["block_actions_guest"]
    dm = "D" + GUEST[1:]
    click["container"].update(channel_id=dm, message_ts=ts)
    click["channel"]["id"] = dm
    click["message"].update(ts=ts, blocks=blocks)
    click["actions"] = [{"action_ts": "1678455300.000200", **action}]
    return click


async def test_a_guest_answers_in_the_host_network_and_no_second_network_appears(connect: SlackHarness) -> None:
    await _command(connect, "pulse start trust here --named")
    ts, blocks = _latest_prompt(connect, "D" + GUEST[1:])
    block = next(b for b in blocks if b["type"] == "actions")
    button = block["elements"][3]
    await connect.interaction(_guest_click(ts, blocks, {"action_id": button["action_id"], "block_id": block["block_id"], "type": "button", "value": button["value"]}))
    assert [(a.step_id, a.value_num) for a in await connect.responses()] == [("trust-1", 4.0)]

    # A modal the guest opened and submitted: view.app_installed_team_id names the host.
    await _command(connect, "reflect start u-stage-1 here")
    ts, blocks = _latest_prompt(connect, "D" + GUEST[1:])
    opener = next(e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "yh_open")
    await connect.interaction(_guest_click(ts, blocks, {"action_id": "yh_open", "block_id": "yho|x", "type": "button", "value": opener["value"]}))
    modal = connect.fake.called("views.open")[-1].args["view"]
    submission = payload("slack_connect.json")["view_submission_guest"]
    submission["view"]["private_metadata"] = modal["private_metadata"]
    submission["view"]["state"]["values"]["yh_text"]["yh_text_input"]["value"] = "Our two organisations share the client's first visit."
    status, body = await connect.interaction(submission)
    assert status == 200 and body == ""
    texts = [a.value_text for a in await connect.responses() if a.value_text]
    assert texts == ["Our two organisations share the client's first visit."]

    # A new guest joins the shared channel: welcomed, registered with their own team.
    status, _ = await connect.post(json.dumps(payload("slack_connect.json")["member_joined_shared_channel"]), "application/json")
    assert status == 200
    await connect.deliver()
    assert any("Welcome" in c.args["text"] for c in connect.posts_to("D" + NEWBIE[1:]))

    # The guest types /yhdessa in the shared channel: the payload names the guest's own team.
    form = payload("slash_command.json")
    form.update(team_id=GUEST_TEAM, user_id=GUEST, user_name="gustav", channel_id=SHARED, channel_name="network", text="journey", trigger_id="t.guest")
    assert (await connect.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded"))[0] == 200

    async with connect.core.db.transaction() as tx:
        networks = (await tx.execute(select(Network.key))).scalars().all()
        keys = set((await tx.execute(select(Member.key))).scalars().all())
    assert networks == [f"slack:{HOST}"]
    assert {f"slack:{GUEST_TEAM}:{GUEST}", f"slack:{GUEST_TEAM}:{NEWBIE}"} <= keys
    assert f"slack:{HOST}:{GUEST}" not in keys  # the guest is one member, under their own team


@pytest_asyncio.fixture
async def oauth(db_url: str, tmp_path: Path) -> AsyncIterator[SlackHarness]:
    fake = await FakeSlack().start()
    settings = make_settings(
        db_url, tmp_path, slack_signing_secret=SECRET, slack_api_url=fake.base_url,
        slack_client_id="5801139398818.5822216093745", slack_client_secret="client-secret-value", slack_state_secret="state-secret-value", coordinators=f"slack:{HOST}:{COORD}",
    )
    async with harness(settings, fake) as running:
        yield running
    await fake.stop()
    assert not fake.refused, [(c.method, c.result) for c in fake.refused]


async def test_a_workspace_without_the_app_gets_nothing(oauth: SlackHarness) -> None:
    status, _ = await oauth.post(json.dumps(payload("slack_connect.json")["message_im_not_installed"]), "application/json")
    assert status == 200  # acknowledged, so Slack does not re-send it
    form = payload("slash_command.json")
    form.update(team_id="T09NOINSTAL", user_id="U09STRANGER", channel_id="C09ELSEWHER", text="pulse start")
    await oauth.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    await oauth.deliver()
    async with oauth.core.db.transaction() as tx:
        assert (await tx.execute(select(Network.id))).first() is None
        assert (await tx.execute(select(Member.id))).first() is None
        assert (await tx.execute(select(Schedule.id))).first() is None
    assert await oauth.outbox() == []
    # Only the command is answered, through its response_url: the app is not installed there, in
    # the deployment's language (bolt's own default would be English only).
    assert [c.method for c in oauth.fake.calls] == ["response_url"]
    assert oauth.fake.calls[0].args["text"] == oauth.core.catalog.t("en", "slack_not_installed")


async def _install_host(oauth: SlackHarness) -> None:
    from adapters.slack.installation_store import SlackInstallation

    oauth.fake.codes["code-host"] = HOST
    oauth.fake.add_user(COORD, "Coordinator", team=HOST)
    page = await oauth.client.get("/slack/install", allow_redirects=False)
    state = (await page.text()).split("state=", 1)[1].split("&", 1)[0].split('"', 1)[0]
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    await oauth.client.get("/slack/oauth_redirect", params={"code": "code-host", "state": state}, headers={"Cookie": cookie}, allow_redirects=False)
    assert await oauth.count(SlackInstallation) == 1


async def test_with_many_workspaces_a_guest_is_reached_through_the_host_installation(oauth: SlackHarness) -> None:
    await _install_host(oauth)
    fake = oauth.fake
    fake.add_user(GUEST, "Gustav", team=GUEST_TEAM)
    fake.add_user(BOT_USER, "Yhdessä", team=HOST, is_bot=True)
    fake.add_channel(SHARED, "network", [COORD, GUEST, BOT_USER])
    form = payload("slash_command.json")
    form.update(team_id=HOST, user_id=COORD, channel_id=SHARED, channel_name="network", text="pulse start trust here", trigger_id="t-guest")
    await oauth.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    await oauth.deliver()
    to_guest = oauth.posts_to("D" + GUEST[1:])
    assert to_guest and all(c.authorization == f"Bearer xoxb-{HOST.lower()}-installed" for c in to_guest)
    assert all(r.status == "sent" for r in await oauth.outbox())


async def test_uninstalling_removes_the_installation_and_pauses_the_schedules(oauth: SlackHarness) -> None:
    from adapters.slack.installation_store import SlackInstallation

    fake = oauth.fake
    await _install_host(oauth)
    form = payload("slash_command.json")
    form.update(team_id=HOST, user_id=COORD, channel_id="D05COORD7QA", channel_name="directmessage", text='schedule add pulse "every monday 09:00"', trigger_id="t-host")
    await oauth.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    async with oauth.core.db.transaction() as tx:
        schedules = (await tx.execute(select(Schedule))).scalars().all()
    assert schedules and not any(s.paused for s in schedules), [r.message for r in await oauth.outbox()]

    envelope = payload("event_callback.json")
    envelope.update(team_id=HOST, event_id="Ev05UNINSTAL", event={"type": "app_uninstalled", "event_ts": "1678455400.000100"})
    envelope["authorizations"] = [{"enterprise_id": None, "team_id": HOST, "user_id": "U05BOTUSR1", "is_bot": True, "is_enterprise_install": False}]
    status, _ = await oauth.post(json.dumps(envelope), "application/json")
    assert status == 200
    assert await oauth.count(SlackInstallation) == 0
    async with oauth.core.db.transaction() as tx:
        assert all(s.paused for s in (await tx.execute(select(Schedule))).scalars().all())
    # Its messages are no longer sent with the forgotten token.
    calls = len(fake.calls)
    form.update(text="help", trigger_id="t-after")
    await oauth.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    await oauth.deliver()
    assert not [c for c in fake.calls[calls:] if c.method == "chat.postMessage"]


def test_our_workspace_of_every_payload_bolt_recorded_is_bolts() -> None:
    """slack-bolt's own recorded payloads (copied verbatim, Slack Connect ones included): the
    workspace we file a request under is the one bolt's extract_team_id finds the installation by."""
    from slack_bolt.request.internals import extract_team_id

    recorded = payload("bolt_recorded.json")
    checked = 0
    for name, requests in recorded.items():
        if name.startswith("_"):
            continue
        for request in requests if isinstance(requests, list) else [requests]:
            assert events.team_of(request) == extract_team_id(request), (name, request.get("type"))
            checked += 1
    connect = [r for n, rs in recorded.items() if "slack_connect" in n for r in rs]
    assert checked >= 17 and {events.team_of(r) for r in connect} == {"INSTALLED_TEAM_ID"}  # never the actor's
    assert events.team_of(recorded["test_view_submission.connect_channel_payload"]) == "T-installed-workspace"


async def test_a_guest_mentioning_the_bot_is_the_member_their_clicks_are(connect: SlackHarness) -> None:
    """An app_mention in a shared channel, in the shape bolt records it: `user_team` and
    `user_profile.team` name the guest's organisation (E…), not their workspace."""
    await _command(connect, "pulse start trust here")
    mention = payload("bolt_recorded.json")["test_internals.slack_connect_events_api_no_actor_team_requests"][0]
    mention = json.loads(json.dumps(mention).replace("INSTALLED_TEAM_ID", HOST).replace("INSTALLED_ENTERPRISE_ID", "E05HOSTORG").replace("INSTALLED_BOT_USER_ID", "U05BOTUSR1").replace("USER_ID_ACTOR", GUEST).replace("ENTERPRISE_ID_ACTOR", "E03GUESTORG").replace("C111", SHARED))
    mention["event_id"] = "Ev07MENTION1"
    status, _ = await connect.post(json.dumps(mention), "application/json")
    assert status == 200
    await connect.deliver()
    async with connect.core.db.transaction() as tx:
        keys = set((await tx.execute(select(Member.key))).scalars().all())
    assert f"slack:{GUEST_TEAM}:{GUEST}" in keys
    assert not [k for k in keys if k.endswith(GUEST) and k != f"slack:{GUEST_TEAM}:{GUEST}"], keys  # no second member
    assert any("/yhdessa" in str(c.args.get("text")) for c in connect.posts_to(SHARED) + connect.posts_to("D" + GUEST[1:]))


async def test_revoked_tokens_remove_the_installation_only_when_the_bot_token_is_among_them(oauth: SlackHarness) -> None:
    from adapters.slack.installation_store import SlackInstallation

    await _install_host(oauth)
    form = payload("slash_command.json")
    form.update(team_id=HOST, user_id=COORD, channel_id="D05COORD7QA", channel_name="directmessage", text='schedule add pulse "every monday 09:00"', trigger_id="t-revoke")
    await oauth.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    def revoked(tokens: dict[str, list[str]], event_id: str) -> str:
        envelope = payload("event_callback.json")
        envelope.update(team_id=HOST, event_id=event_id, event={"type": "tokens_revoked", "tokens": tokens, "event_ts": "1678455500.000100"})
        envelope["authorizations"] = [{"enterprise_id": None, "team_id": HOST, "user_id": "U05BOTUSR1", "is_bot": True, "is_enterprise_install": False}]
        return json.dumps(envelope)

    assert (await oauth.post(revoked({"oauth": ["UINSTALLER"]}, "Ev05REVOKEU"), "application/json"))[0] == 200
    assert await oauth.count(SlackInstallation) == 1  # a user's token only: we keep none, nothing changes
    async with oauth.core.db.transaction() as tx:
        assert not any(s.paused for s in (await tx.execute(select(Schedule))).scalars().all())
    assert (await oauth.post(revoked({"bot": ["U05BOTUSR1"]}, "Ev05REVOKEB"), "application/json"))[0] == 200
    assert await oauth.count(SlackInstallation) == 0
    async with oauth.core.db.transaction() as tx:
        schedules = (await tx.execute(select(Schedule))).scalars().all()
    assert schedules and all(s.paused for s in schedules)
