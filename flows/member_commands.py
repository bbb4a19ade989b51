"""Verbs about members and their data: members, my-data, forget-me, export."""

from __future__ import annotations

import json
from flows.arguments import ArgumentError, parse_arguments, parse_id, parse_timezone
from flows.definition import LANGUAGES
from flows import practices
from flows.events import MemberRef
from flows.messages import Audience, Document, Notice
from flows.rounds import ensure_member
from flows.turn import Refused, Turn
from storage import actions as actions_store
from storage import roles as roles_store
from storage import fanout, repository as repo
from storage.digests import member_votes
from storage.export import export_rows, to_csv, to_json
from storage.models import Member

SECTORS = ("public", "private", "third")
SIDES = ("internal", "external")
FIELDS = ("sector", "side", "organisation", "name", "tz", "lang", "named")


async def members(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else "list"
    if sub == "list":
        everyone = await repo.members_of(turn.tx, turn.network.id)
        lines = [turn.t("members_header", count=len(everyone))]
        for m in everyone:
            lines.append(
                turn.t(
                    "members_line",
                    name=m.display_name,
                    key=m.key,
                    role=turn.t(f"role_{m.role}"),
                    organisation=m.organisation or "–",
                    sector=turn.t(f"sector_{m.sector}") if m.sector else "–",
                    side=turn.t(f"side_{m.side}") if m.side else "–",
                )
            )
        turn.reply_text("\n".join(lines))
    elif sub == "set":
        await _set(turn, words[1:])
    elif sub in ("grant", "revoke"):
        turn.require_coordinator()
        if len(words) < 2:
            raise ArgumentError("members_grant_usage")
        target = await _target(turn, words[1])
        if sub == "revoke" and target.id == turn.member.id:
            raise Refused(turn.t("cannot_revoke_self"))
        target.role = "coordinator" if sub == "grant" else "member"
        await repo.audit(turn.tx, turn.network.id, turn.member.key, f"role_{sub}", member=target.key)
        turn.reply("members_granted" if sub == "grant" else "members_revoked", name=target.display_name)
    else:
        raise ArgumentError("unknown_subcommand", verb="members", value=sub, choices="list, set, grant, revoke")


async def _target(turn: Turn, word: str) -> Member:
    word = word.removeprefix("@") or word  # `@anna` names anna, as chat clients write it
    if word.lower() in ("me", "minä", "jag"):
        return turn.member
    try:
        ref = MemberRef.parse(word)
    except ValueError:
        for member in await repo.members_of(turn.tx, turn.network.id):
            if word.casefold() in (member.display_name.casefold(), member.key.rsplit(":", 1)[-1].casefold()):
                return member
        raise ArgumentError("unknown_member", value=word) from None
    member, _ = await ensure_member(turn.tx, turn.config, turn.network, ref)
    return member


async def _set(turn: Turn, words: list[str]) -> None:
    if not words:
        raise ArgumentError("members_set_usage")
    target = await _target(turn, words[0])
    if target.id != turn.member.id:
        turn.require_coordinator()
    changes = words[1:]
    if not changes:
        raise ArgumentError("members_set_usage")
    for change in changes:
        name, sep, value = change.partition("=")
        name = name.lower()
        if not sep or name not in FIELDS:
            raise ArgumentError("members_set_field", value=change, fields=", ".join(FIELDS))
        if name == "sector":
            if value not in SECTORS:
                raise ArgumentError("members_set_choice", field=name, value=value, choices=", ".join(SECTORS))
            target.sector = value
        elif name == "side":
            if value not in SIDES:
                raise ArgumentError("members_set_choice", field=name, value=value, choices=", ".join(SIDES))
            target.side = value
        elif name == "organisation":
            target.organisation = value[:200] or None
        elif name == "name":
            target.display_name = value[:200] or target.display_name
        elif name == "lang":
            if value not in LANGUAGES:
                raise ArgumentError("members_set_choice", field=name, value=value, choices=", ".join(LANGUAGES))
            target.language = value
        elif name == "named":
            target.may_be_named = value.lower() in ("yes", "true", "1", "kyllä", "ja")
        else:
            target.timezone = parse_timezone(value)
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "member_set", member=target.key, fields=[c.split("=")[0] for c in changes])
    turn.reply("members_set_done", name=target.display_name)


async def my_data(turn: Turn, words: list[str]) -> None:
    """Everything stored that is linked to the member: profile and non-anonymous answers."""
    m = turn.member
    answers = await repo.responses_of_member(turn.tx, m.id)
    profile = {
        "key": m.key, "name": m.display_name, "organisation": m.organisation, "sector": m.sector,
        "side": m.side, "role": m.role, "language": m.language, "timezone": m.timezone,
        "may_be_named": m.may_be_named, "since": m.created_at.isoformat(),
    }
    records = [
        {"round": r.id, "flow": r.flow_id, "step": a.step_id, "answered_at": a.answered_at.isoformat(),
         "value": _shown(a.value_num) if a.value_num is not None else a.value_list if a.value_list is not None else a.value_text}
        for a, r in answers
    ]
    # Of anonymous rounds only participation is linked to the member; the answers cannot be found.
    taken = [
        {"round": r.id, "flow": r.flow_id, "answered": s.status == "done" or bool(s.answered)}
        for r, s in await repo.anonymous_rounds_of(turn.tx, m.id)
    ]
    taken = [t for t in taken if t["answered"]]
    commitments = [actions_store.as_record(a, m.id) for a in await actions_store.of_member(turn.tx, m.id)]
    lines = [turn.t("mydata_header", name=m.display_name, count=len(records))]
    lines += [turn.t("mydata_line", flow=rec["flow"], step=rec["step"], value=rec["value"], at=rec["answered_at"][:10]) for rec in records[:20]]
    if taken:
        shown = ", ".join(f"#{t['round']} {t['flow']}" for t in taken[:20])
        lines.append(turn.t("mydata_anonymous", count=len(taken), rounds=shown))
    if commitments:
        lines.append(turn.t("mydata_actions", count=len(commitments)))
    votes = [
        {"round": r.id, "flow": r.flow_id, "theme": t.position, "label": t.label, "voted_at": v.voted_at.isoformat()}
        for r, t, v in await member_votes(turn.tx, m.id)
    ]
    if votes:
        shown_votes = ", ".join(f"#{v['round']} {v['theme']}. {v['label']}" for v in votes[:20])
        lines.append(turn.t("mydata_votes", count=len(votes), votes=shown_votes))
    journey_data = await practices.member_data(turn)
    lines.append(practices.member_data_line(turn, journey_data))
    lines.append(turn.t("mydata_footer"))
    turn.reply_text("\n".join(lines))
    data = {"profile": profile, "answers": records, "anonymous_rounds_taken_part_in": taken, "theme_votes": votes, "actions": commitments, **journey_data}
    # A launch still on its way holds the member's id until it asks them (storage/fanout.py).
    data["rounds_still_to_ask_you"] = await fanout.invitations_waiting(turn.tx, m.network_id, m.id)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    turn.emit(Document(Audience.member(m.key), content, "my-data.json", "application/json", turn.t("mydata_file"), turn.lang))


def _shown(number: float) -> int | float:
    """A scale answer as it was given: 4, not 4.0."""
    return int(number) if number.is_integer() else number


async def forget_me(turn: Turn, words: list[str]) -> None:
    if not words or words[0].lower() not in ("confirm", "vahvista", "bekräfta"):
        turn.reply("forget_confirm")
        return
    lang, network_id = turn.lang, turn.network.id
    counts = await repo.forget_member(turn.tx, turn.member)
    if turn.config.after_commit is not None:
        turn.config.after_commit.wipe_log(turn.tx, rewrite=True)  # no copy of the erased rows left in the log or file
    await repo.audit(turn.tx, network_id, None, "member_forgotten", answers=counts["answers"])
    turn.out.clear()
    farewell = turn.catalog.t(lang, "forget_done", answers=counts["answers"], count=counts["answers"])
    turn.emit(Notice(Audience.member(turn.member.key), farewell, lang, erase_when_sent=True))


async def export(turn: Turn, words: list[str]) -> None:
    turn.require_coordinator()
    args = parse_arguments(words)
    fmt = args.options.get("--format", "csv").lower()
    if fmt not in ("csv", "json"):
        raise ArgumentError("export_format", value=fmt)
    round_id = parse_id(args.options["--round"], "bad_round") if "--round" in args.options else None
    rows = await export_rows(turn.tx, turn.network, round_id, turn.config.anonymity_threshold)
    content = (to_csv(rows) if fmt == "csv" else to_json(rows)).encode()
    mime = "text/csv" if fmt == "csv" else "application/json"
    turn.emit(Document(Audience.member(turn.member.key), content, f"yhdessa-export.{fmt}", mime, turn.t("export_title", count=len(rows)), turn.lang))
    if round_id is None:  # the network's agreements and commitments, beside its answers
        agreed = await actions_store.export_rows(turn.tx, turn.network)
        if agreed:
            data = (to_csv(agreed, actions_store.EXPORT_COLUMNS) if fmt == "csv" else to_json(agreed)).encode()
            turn.emit(Document(Audience.member(turn.member.key), data, f"yhdessa-actions.{fmt}", mime, turn.t("export_actions_title", count=len(agreed)), turn.lang))
        held = await roles_store.export_rows(turn.tx, turn.network)
        if held:  # who does what (step 9): named by design, like commitments
            data = (to_csv(held, roles_store.EXPORT_COLUMNS) if fmt == "csv" else to_json(held)).encode()
            turn.emit(Document(Audience.member(turn.member.key), data, f"yhdessa-roles.{fmt}", mime, turn.t("export_roles_title", count=len(held)), turn.lang))
