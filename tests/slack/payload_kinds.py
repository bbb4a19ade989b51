"""One payload of every kind the Slack adapter sends, in one language: each step kind, the answered
message, the modal, App Home for a member and a coordinator, reports, help and notices, the
charter's and the vision's ballots. Collected
from the whole bot driven through the strict fake (so each has passed its rules) plus the prompt
layouts only a flow could produce (a select, checkboxes, a multi-select)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.slack import blocks
from bot.settings import load_settings
from flows.i18n import Catalog
from flows.messages import Audience, Option, Prompt
from tests.slack.conftest import BOT_TOKEN, SECRET, SlackHarness, harness, payload, populate
from tests.slack.fake_slack import TEAM, FakeSlack

UI = {"submit": "OK", "skip": "Skip", "anonymous": "Anonymous."}


def _prompt(lang: str, kind: str, options: int, **extra: Any) -> Prompt:
    opts = tuple(Option(f"o{i}", f"Vaihtoehto <{i}> & muu" if i % 2 else f"Option {i}") for i in range(options))
    return Prompt(Audience.member(f"slack:{TEAM}:U0A1B2C3D4E"), "41:step-1", kind, "Mitä <kysely> & sen jälkeen?", title="Otsikko", options=opts, ui=UI, language=lang, **extra)


def prompt_layouts(lang: str, catalog: Catalog) -> list[list[dict[str, Any]]]:
    return [
        blocks.prompt_blocks(_prompt(lang, "single", 12), catalog),
        blocks.prompt_blocks(_prompt(lang, "single", 4, required=False, anonymous=True), catalog),
        blocks.prompt_blocks(_prompt(lang, "multi", 7, max_choices=3), catalog),
        blocks.prompt_blocks(_prompt(lang, "multi", 40, max_choices=3), catalog),
        blocks.prompt_blocks(_prompt(lang, "members", 0), catalog),
        blocks.prompt_blocks(_prompt(lang, "text", 0, max_length=800), catalog),
        *partners_layouts(lang, catalog),
        *digest_layouts(lang),
    ]


def partners_layouts(lang: str, catalog: Catalog) -> list[list[dict[str, Any]]]:
    """The partners flow as a member's own copy renders it: organisations to pick (checkboxes for
    a few, a multi-select for many; names with commas and markup), then a question about each."""
    from flows import repeats
    from flows.registry import FlowRegistry
    from flows.turn import render_prompt

    flow = FlowRegistry.load(None)["partners"]
    few = ["Oulun kaupunki", "Sosiaali- ja terveyspalvelut, Oulu", "Yhdistys <ry> & kumppanit"]
    many = few + [f"Organisaatio {n}" for n in range(12)]
    me = Audience.member(f"slack:{TEAM}:U0A1B2C3D4E")
    layouts = []
    for names in (few, many):
        copy = repeats.with_organisations(flow, names)
        layouts.append(blocks.prompt_blocks(render_prompt(catalog, copy, copy.steps[0], 41, me, lang, False), catalog))
    chosen = repeats.after_choosing(flow, repeats.with_organisations(flow, few).steps[0], few[1:])
    for step_id in ("often#1", "how#1", "resources#2"):
        step = chosen.step(step_id)
        assert step is not None and step.about in few
        layouts.append(blocks.prompt_blocks(render_prompt(catalog, chosen, step, 41, me, lang, False), catalog))
    return layouts


def digest_layouts(lang: str) -> list[list[dict[str, Any]]]:
    """A "what we heard" digest with every part (figures, themes, ranked votes, a response, the note)."""
    from adapters.slack.digest_blocks import digest_blocks
    from flows.messages import Digest, ReportSection

    sections = (ReportSection("Mikä <verkoston> työssä & nyt?", ("• kokeilu (6 vastausta)", "   “Kokeilu opetti”")), ReportSection("Mikä on tärkeintä", ("1. kokeilu — 5 ääntä",)))
    digest = Digest(Audience.member(f"slack:{TEAM}:U0A1B2C3D4E"), "Mitä kuulimme", "6/9", (("Luottamus", "3,9/5"), ("Sitoutuminen", "alle 5")), sections, "Vastaus", "Kiitos!\n\nJatketaan.", "Nimettömiä.", None, lang)
    return digest_blocks(digest)


async def drive(slack: SlackHarness) -> None:
    """A coordinator's and two members' first hour with the bot."""
    for text in ("help", "pulse start trust here", "reflect start checkin here", "reflect start network-map here", "reflect start u-stage-1 here", "members list", "reflect status"):
        await slack.command(text)
    await slack.deliver()
    dm = [c for c in slack.posts_to("DANNA") if any(b.get("type") == "actions" for b in c.args.get("blocks") or ())][0]
    block = next(b for b in dm.args["blocks"] if b["type"] == "actions")
    button = block["elements"][-1]
    await slack.interaction(slack.block_action("UANNA", "DANNA", dm.result["ts"], {"action_id": button["action_id"], "block_id": block["block_id"], "type": "button", "value": button["value"]}))
    text_prompt = next(c for c in slack.posts_to("DBEN") if any(e.get("action_id") == "yh_open" for b in c.args.get("blocks") or () if b["type"] == "actions" for e in b["elements"]))
    opener = next(e for b in text_prompt.args["blocks"] if b["type"] == "actions" for e in b["elements"])
    await slack.interaction(slack.block_action("UBEN", "DBEN", text_prompt.result["ts"], {"action_id": "yh_open", "block_id": "yho|x", "type": "button", "value": opener["value"]}))
    # The charter's and the vision's ballots (checkboxes after their options in full), and the
    # open vote in App Home.
    await slack.command('charter propose "We listen to the end <before> we answer & *then* speak"', user="UANNA")
    await slack.command('charter propose "Every sector speaks before we decide"', user="UBEN")
    await slack.command("charter vote")
    await slack.command('vision draft "One contact is enough for every client"', user="UANNA")
    await slack.command('vision draft "The city & the firms plan <services> together"', user="UBEN")
    await slack.command("vision vote")
    assert slack.core.config.after_commit is not None
    await slack.core.config.after_commit.wait()
    await slack.deliver()
    events = payload("events.json")
    await slack.event(events["app_home_opened"], "Ev0A1HOMECOORD")
    await slack.event(dict(events["app_home_opened"], user="UBEN"), "Ev0A1HOMEBEN")
    for text in ("reflect close 1", "report", "report trends", "report network", "reflect start factors", 'action add "Map the service path" --due 2w', "report factors", "report outcomes"):
        await slack.command(text)
    # The continuum's announcement, a role offered with its buttons, the level and journey reports.
    for text in ("phase set 2", 'role add "Pitää <yhteistä> kalenteria & muistiota" --owner UBEN --level strategy', "role list", "report levels", "report journey", "stage"):
        await slack.command(text)
    await slack.deliver()


def sent_payloads(fake: FakeSlack) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
    """Every message's blocks and every view the fake accepted."""
    messages = [c.args["blocks"] for c in fake.calls if c.method.startswith("chat.") and c.result.get("ok") and c.args.get("blocks")]
    views = [c.args["view"] for c in fake.calls if c.method.startswith("views.") and c.result.get("ok")]
    return messages, views


async def collect(lang: str, folder: Path) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
    """The coordinator's DM gets a score of messages: the pacing's minute is scaled down (and
    the fake has no tiers) so that one second per message does not make the test slow."""
    fake = await FakeSlack().start()
    populate(fake)
    try:
        settings = load_settings(
            database_url=f"sqlite:///{folder / f'kinds-{lang}.db'}",
            language=lang,
            chart_dir=str(folder / "charts"),
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=fake.base_url,
            coordinators=f"slack:{TEAM}:UCOORD",
        )
        async with harness(settings, fake) as slack:
            await drive(slack)
            catalog = slack.core.catalog
        assert not fake.refused, [(c.method, c.result) for c in fake.refused]
        messages, views = sent_payloads(fake)
        sent = repr(messages)
        assert "role accept 1" in sent and "kalenteria" in sent, "the role offer with its buttons reached Ben"
        uploads = [c for c in fake.calls if "upload" in c.method or "files" in c.method]
        assert uploads, "the U picture of report journey went as a file"
        return [*messages, *prompt_layouts(lang, catalog)], views
    finally:
        await fake.stop()
