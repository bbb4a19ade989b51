"""The App Home tab: the network's place on the U, the member's open questions and own recent
answers; coordinators also see open rounds with their response rates and quick actions.

Read-only queries over the core models; the view is published with views.publish (not through the
outbox: a Home tab is a view that is replaced, not a message that must arrive once)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks as bk
from adapters.slack.clients import NotInstalled, SlackClients
from adapters.slack.events import command_action_id
from adapters.slack.mrkdwn import heading_section
from adapters.slack.transport import is_rate_limited, retry_after_of
from flows.events import MemberRef, NetworkRef
from flows.i18n import Catalog
from flows.journey import where_you_are
from flows.rounds_listing import listed_rounds, round_line
from flows.turn import EngineConfig, Turn, language_of
from storage import repository as repo
from storage.database import Database

log = logging.getLogger(__name__)
MAX_HOME_BLOCKS = 100
RECENT_ANSWERS = 5
HOME_ROUNDS = 8


def _shown(value_num: float | None, value_text: str | None, value_list: list[Any] | None) -> str:
    if value_num is not None:
        return str(int(value_num)) if float(value_num).is_integer() else str(value_num)
    if value_list is not None:
        return ", ".join(str(v) for v in value_list)
    return bk.clip(value_text or "–", 200)


def _command_button(text: str, command: str, name: str, confirm: dict[str, Any] | None = None) -> dict[str, Any]:
    """A quick action; `name` makes its action_id unique in the block (Slack refuses duplicates)."""
    button: dict[str, Any] = {"type": "button", "text": bk.plain(text), "action_id": command_action_id(name), "value": command}
    if confirm:
        button["confirm"] = confirm
    return button


async def home_view(db: Database, config: EngineConfig, engine: Any, network_ref: NetworkRef, member_ref: MemberRef) -> dict[str, Any]:
    """The Home tab for one member, in their language."""
    catalog: Catalog = config.catalog
    prompts = await engine.pending_prompts(network_ref, member_ref)
    out: list[dict[str, Any]] = []
    async with db.transaction() as tx:
        network = await engine.network(tx, network_ref)
        member = await repo.member_by_key(tx, network.id, member_ref.key)
        if member is None:
            lang = network.language
            stage = catalog.t(lang, "stage_none") if network.u_stage == 0 else None
            coordinator = False
            recent: list[Any] = []
        else:
            lang = language_of(member, network)
            stage = None
            coordinator = member.role == "coordinator"
            recent = list(await repo.responses_of_member(tx, member.id, RECENT_ANSWERS))
        if stage is None:
            # The step, what it asks of the member this week and their open practices, through a
            # read-only Turn.
            stage = await where_you_are(Turn(tx, config, network, member)) if member else catalog.t(lang, "stage_none")
        out.append({"type": "header", "text": bk.plain(catalog.t(lang, "slack_home_title"), 150)})
        out.append(heading_section(catalog.t(lang, "slack_home_stage"), stage))
        out.append({"type": "divider"})
        out.append(heading_section(catalog.t(lang, "slack_home_open")))
        if not prompts:
            out.append(bk.context(catalog.t(lang, "slack_home_none_open")))
        for prompt in prompts:
            out.extend(bk.prompt_blocks(prompt, catalog))
        out.append({"type": "divider"})
        out.append(heading_section(catalog.t(lang, "slack_home_recent")))
        if not recent:
            out.append(bk.context(catalog.t(lang, "slack_home_no_answers")))
        lines = []
        for response, round_ in recent:
            flow = config.flows.get(round_.flow_id)
            step = flow.step(response.step_id) if flow else None
            question = step.text[lang] if step else response.step_id
            lines.append(
                catalog.t(lang, "slack_home_answer_line", question=bk.clip(question, 120), value=_shown(response.value_num, response.value_text, response.value_list))
            )
        if lines:
            out.append(bk.section("\n".join(lines)))
        out.extend(await _rounds_part(tx, config, network, member, lang))
        if coordinator:
            out.extend(await _coordinator_part(tx, config, network.id, lang))
    return {"type": "home", "blocks": out[:MAX_HOME_BLOCKS]}


async def _rounds_part(tx: Any, config: EngineConfig, network: Any, member: Any, lang: str) -> list[dict[str, Any]]:
    """The latest rounds the member may see, with their numbers, so `report N` can be found."""
    catalog = config.catalog
    part: list[dict[str, Any]] = [{"type": "divider"}, heading_section(catalog.t(lang, "slack_home_all_rounds"))]
    if member is None:
        part.append(bk.context(catalog.t(lang, "rounds_empty_all")))
        return part
    rows, total = await listed_rounds(tx, network.id, member, limit=HOME_ROUNDS)
    if not rows:
        part.append(bk.context(catalog.t(lang, "rounds_empty_all")))
        return part
    zone = member.timezone or network.timezone
    lines = [round_line(catalog, config.flows, lang, zone, row) for row in rows]
    if total > len(rows):
        lines.append(catalog.t(lang, "rounds_more", count=total - len(rows)))
    part.append(bk.section(bk.clip("\n".join(lines), 3000)))
    part.append(bk.context(catalog.t(lang, "rounds_footer", id=rows[0].id)))
    return part


async def _coordinator_part(tx: Any, config: EngineConfig, network_id: int, lang: str) -> list[dict[str, Any]]:
    catalog = config.catalog
    part: list[dict[str, Any]] = [{"type": "divider"}, heading_section(catalog.t(lang, "slack_home_rounds"))]
    rounds = await repo.open_rounds(tx, network_id)
    if not rounds:
        part.append(bk.context(catalog.t(lang, "no_open_rounds")))
    for round_ in rounds[:20]:
        invited, done = await repo.participation(tx, round_.id)
        flow = config.flows.get(round_.flow_id)
        line = catalog.t(
            lang,
            "slack_home_round_line",
            id=round_.id,
            title=flow.title[lang] if flow else round_.flow_id,
            done=done,
            invited=invited,
            rate=round(100 * done / invited) if invited else 0,
        )
        confirm = {
            "title": bk.plain(catalog.t(lang, "slack_home_close_title"), 100),
            "text": bk.plain(catalog.t(lang, "slack_home_close_confirm", id=round_.id), 300),
            "confirm": bk.plain(catalog.t(lang, "slack_home_close"), 30),
            "deny": bk.plain(catalog.t(lang, "slack_modal_cancel"), 30),
        }
        part.append({**bk.section(line), "accessory": _command_button(catalog.t(lang, "slack_home_close"), f"reflect close {round_.id}", f"close:{round_.id}", confirm)})
    part.append(
        {
            "type": "actions",
            "block_id": "yh_home_actions",
            "elements": [
                _command_button(catalog.t(lang, "slack_home_action_status"), "reflect status", "status"),
                _command_button(
                    catalog.t(lang, "slack_home_action_pulse"),
                    "pulse start all network",
                    "pulse",
                    {
                        "title": bk.plain(catalog.t(lang, "slack_home_pulse_title"), 100),
                        "text": bk.plain(catalog.t(lang, "slack_home_pulse_confirm"), 300),
                        "confirm": bk.plain(catalog.t(lang, "slack_home_start"), 30),
                        "deny": bk.plain(catalog.t(lang, "slack_modal_cancel"), 30),
                    },
                ),
                _command_button(catalog.t(lang, "slack_home_action_journey"), "journey", "journey"),
                _command_button(catalog.t(lang, "slack_home_action_help"), "help", "help"),
            ],
        }
    )
    return part


async def publish_home(core: Any, clients: SlackClients, client: AsyncWebClient, network: NetworkRef, member: MemberRef) -> None:
    """views.publish is Tier 4 per workspace: drawn from the workspace's bucket (on the client the
    transport uses for it, not bolt's per-request copy), and a 429 pauses that bucket."""
    try:
        client = await clients.for_team(network.workspace)
    except NotInstalled:
        pass
    family = clients.bucket_of(client)
    try:
        view = await home_view(core.db, core.config, core.engine, network, member)
        await clients.buckets.acquire(family, "views.publish", patient=True)
        await client.views_publish(user_id=member.user, view=view)
    except SlackApiError as exc:
        if not is_rate_limited(exc):
            log.exception("slack: publishing the Home tab failed")
            return
        clients.buckets.pause(clients.buckets.key(family, "views.publish"), retry_after_of(exc) or 1.0)
        log.warning("slack: the Home tab was not shown: views.publish is rate-limited for %s s", retry_after_of(exc))
    except Exception:
        log.exception("slack: publishing the Home tab failed")
