"""Step 1, study the facts: `fact add "…" [--source <link or reference>]`, `fact list`,
`fact export [--format csv|json]`, `fact remove N`. The fact base belongs to the network: every
member can list and export it. It names no authors (members may not have agreed to be named);
a fact is its author's data, shown in their my-data and erased with forget-me."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from flows.arguments import ArgumentError, parse_id
from flows.messages import Audience, Document
from flows.turn import Refused, Turn
from storage.models import Fact, utcnow

MAX_FACT = 1000
MAX_SOURCE = 500
SHOWN = 30


def _split_source(words: list[str]) -> tuple[str, str | None]:
    text: list[str] = []
    source: str | None = None
    i = 0
    while i < len(words):
        name, sep, inline = words[i].partition("=")
        if name in ("--source", "--lähde", "--källa"):
            if inline:
                source = inline
            elif i + 1 < len(words):
                i += 1
                source = words[i]
            else:
                raise ArgumentError("option_needs_value", option=name)
        else:
            text.append(words[i])
        i += 1
    return " ".join(text).strip(), source.strip() if source else None


async def facts_of(turn: Turn) -> list[Fact]:
    stmt = select(Fact).where(Fact.network_id == turn.network.id).order_by(Fact.id)
    return list((await turn.tx.execute(stmt)).scalars().all())


async def fact(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else "list"
    if sub in ("add", "lisää", "lägg"):
        text, source = _split_source(words[1:])
        if not text:
            raise ArgumentError("fact_add_usage")
        if len(text) > MAX_FACT or (source and len(source) > MAX_SOURCE):
            raise ArgumentError("fact_too_long", max=MAX_FACT, source_max=MAX_SOURCE)
        row = Fact(network_id=turn.network.id, member_id=turn.member.id, text=text, source=source, created_at=utcnow())
        turn.tx.add(row)
        await turn.tx.flush()
        turn.reply("fact_added", id=row.id, count=len(await facts_of(turn)))
    elif sub in ("list", "lista"):
        found = await facts_of(turn)
        if not found:
            turn.reply("fact_none")
            return
        lines = [turn.t("fact_header", count=len(found))]
        for row in found[-SHOWN:]:
            lines.append(turn.t("fact_line", id=row.id, text=row.text, source=row.source or turn.t("fact_no_source")))
        if len(found) > SHOWN:
            lines.append(turn.t("fact_more", count=len(found) - SHOWN))
        turn.reply_text("\n".join(lines))
    elif sub in ("export", "vie"):
        fmt = (words[2] if len(words) > 2 and words[1] == "--format" else words[1].removeprefix("--format=") if len(words) > 1 else "csv").lower()
        if fmt not in ("csv", "json"):
            raise ArgumentError("export_format", value=fmt)
        rows = [{"id": f.id, "fact": f.text, "source": f.source or "", "added": f.created_at.date().isoformat()} for f in await facts_of(turn)]
        content = _csv(rows) if fmt == "csv" else json.dumps(rows, ensure_ascii=False, indent=2)
        mime = "text/csv" if fmt == "csv" else "application/json"
        turn.emit(Document(Audience.member(turn.member.key), content.encode(), f"yhdessa-facts.{fmt}", mime, turn.t("fact_export_title", count=len(rows)), turn.lang))
    elif sub in ("remove", "poista", "ta-bort"):
        if len(words) < 2:
            raise ArgumentError("fact_remove_usage")
        fact_id = parse_id(words[1], "fact_unknown")
        row = await turn.tx.get(Fact, fact_id)
        if row is None or row.network_id != turn.network.id:
            raise ArgumentError("fact_unknown", value=words[1])
        if row.member_id != turn.member.id and not turn.is_coordinator:
            raise Refused(turn.t("fact_not_yours"))
        await turn.tx.delete(row)
        turn.reply("fact_removed", id=fact_id)
    else:
        raise ArgumentError("unknown_subcommand", verb="fact", value=sub, choices="add, list, export, remove")


def _csv(rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", "fact", "source", "added"])
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
