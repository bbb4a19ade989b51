"""One payload of every kind the Slack adapter sends, in one language: each step kind, the answered
message, the modal, App Home for a member and a coordinator (also at step 3 of the U journey),
reports, help and notices, the journey's kinds (facts, actors, intros, journal, prototypes,
actions, the themes ballot, the digest, the rounds listing) and the charter's and the vision's
ballots. Collected
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
    await drive_journey(slack)


PROFILES = {"UCOORD": ("public", "Kaupunki"), "UANNA": ("private", "Yritys & Oy"), "UBEN": ("third", "Yhdistys <ry>"), "UGUEST": ("private", "Vieras Oy")}
FOCUS = {  # three answers share a theme in each language, so a ballot is opened
    "fi": ("Kokeilun arviointi", "Kokeilun <tulokset>", "Kokeilun jakaminen & muuta", "Kevään tapahtuma"),
    "sv": ("Utvärdering av försöket", "Försökets <resultat>", "Att dela försöket & mer", "Ett evenemang i vår"),
    "en": ("Evaluating the experiment", "The experiment <results>", "Sharing the experiment & more", "A spring event"),
}


async def drive_journey(slack: SlackHarness) -> None:
    """The U journey's kinds, written with `<` and `&` as members would: facts, gaps and actors,
    the move to step 3 and its intro DMs, journal lines, prototypes, actions and the check-in
    that asks about them, a closed check-in's themes ballot and digest, the rounds listing, the
    actions report, and App Home at step 3 for a member and a coordinator."""
    from flows.events import MemberAnswered, MemberRef, NetworkRef

    for user, (sector, organisation) in PROFILES.items():
        await slack.command(f'members set me sector={sector} organisation="{organisation}"', user=user)
    for text in (
        'fact add "In 2025, <40 %> of clients used two services & more" --source https://example.org/facts?a=1&b=2',
        "fact list",
        "gaps",
        'actor propose "Kirjasto & co" org="City <library>" sector=public why="They meet everyone"',
        "actor list",
        "stage next",
        "stage set 3 confirm",
        "intro start",
        'prototype add "If we share the first visit, then clients wait <less> & sooner" owner=<@UANNA|anna> test="one week"',
        "prototype list all",
        'action add "Send the <map> & notes" --owner <@UANNA|anna> --due 2w',
        "action list all",
    ):
        await slack.command(text)
    for text in ('journal write "We noticed <something> & more"', 'journal share "Trust grows & <slowly>"', "journal list"):
        await slack.command(text, user="UANNA", channel="DANNA", channel_name="directmessage")
    await slack.deliver()
    await slack.command("checkin start network")  # Anna is asked about her action first
    await slack.deliver()
    async with slack.core.db.transaction() as tx:
        from sqlalchemy import func, select

        from storage.models import Round

        checkin = int((await tx.execute(select(func.max(Round.id)))).scalar_one())
    network = NetworkRef("slack", TEAM)
    for n, user in enumerate(PROFILES):
        who = MemberRef("slack", slack.fake.users[user]["team_id"], user)
        for step, value in (("mood", "4"), ("focus", FOCUS[slack.core.settings.language][n]), ("need", "-")):
            await slack.core.engine.handle(MemberAnswered(network, who, f"{checkin}:{step}", value, f"kinds-{user}-{step}"))
    for text in (f"reflect close {checkin}", f"reflect themes {checkin} --votes 2"):
        await slack.command(text)
    await slack.deliver()
    for text in (f'reflect publish {checkin} "Thank you & <see you> soon"', "rounds all", "report actions", "journey"):
        await slack.command(text)
    await slack.deliver()
    events = payload("events.json")
    await slack.event(dict(events["app_home_opened"], user="UANNA"), "Ev0A1HOMEANNA3")
    await slack.event(dict(events["app_home_opened"], user="UCOORD"), "Ev0A1HOMECOORD3")


Pages = list[list[dict[str, Any]]]


def sent_payloads(fake: FakeSlack) -> tuple[Pages, list[dict[str, Any]], Pages]:
    """Every message's blocks and every view the fake accepted, and the blocks of the messages
    changed after an answer (chat.update, among the messages too)."""
    messages = [c.args["blocks"] for c in fake.calls if c.method.startswith("chat.") and c.result.get("ok") and c.args.get("blocks")]
    views = [c.args["view"] for c in fake.calls if c.method.startswith("views.") and c.result.get("ok")]
    updates = [c.args["blocks"] for c in fake.called("chat.update") if c.result.get("ok") and c.args.get("blocks")]
    return messages, views, updates


async def collect(lang: str, folder: Path) -> tuple[Pages, list[dict[str, Any]], Pages]:
    """The coordinator's DM gets a score of messages: the pacing's minute is scaled down (and
    the fake has no tiers) so that one second per message does not make the test slow."""
    from bot.evaluation import themes

    themes.warm((lang,))  # loaded, the themes are found within the turn (not "in a moment")
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
            anonymity_threshold=3,  # four members: a theme of three answers is shown and voted on
        )
        async with harness(settings, fake) as slack:
            await drive(slack)
            catalog = slack.core.catalog
        assert not fake.refused, [(c.method, c.result) for c in fake.refused]
        messages, views, updates = sent_payloads(fake)
        sent = repr(messages)
        assert "role accept 1" in sent and "kalenteria" in sent, "the role offer with its buttons reached Ben"
        uploads = [c for c in fake.calls if "upload" in c.method or "files" in c.method]
        assert uploads, "the U picture of report journey went as a file"
        return [*messages, *prompt_layouts(lang, catalog)], views, updates
    finally:
        await fake.stop()
