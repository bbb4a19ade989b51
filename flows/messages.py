"""Outbound neutral messages: what the engine asks adapters to show.

Every text in here is already in the audience's language (taken from the flow and message
catalogues); adapters only lay it out as Block Kit, Adaptive Cards or numbered console text.
Messages round-trip through JSON because they wait in the outbox table before delivery.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

STEP_KINDS = ("scale", "single", "multi", "text", "members")


@dataclass(frozen=True, slots=True)
class Audience:
    """Exactly one of a member (sent as a direct message) or a channel."""

    platform: str
    member_key: str | None = None
    channel_key: str | None = None

    def __post_init__(self) -> None:
        if (self.member_key is None) == (self.channel_key is None):
            raise ValueError("an audience is either one member or one channel")

    @classmethod
    def member(cls, member_key: str) -> "Audience":
        return cls(platform=member_key.split(":", 1)[0], member_key=member_key)

    @classmethod
    def channel(cls, channel_key: str) -> "Audience":
        return cls(platform=channel_key.split(":", 1)[0], channel_key=channel_key)

    @property
    def workspace(self) -> str:
        return (self.member_key or self.channel_key or "").split(":", 2)[1]

    @property
    def target_id(self) -> str:
        """The platform's own user or conversation id."""
        return (self.member_key or self.channel_key or "").split(":", 2)[2]

    @property
    def key(self) -> str:
        return self.member_key or self.channel_key or ""


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """One question. `prompt_ref` comes back on the answer (MemberAnswered.prompt_ref).

    For a scale, `options` lists every point (value and label, the ends labelled) and
    `scale_labels` holds the two end labels. `ui` carries the localized button texts adapters need
    (keys: answer, submit, skip, placeholder, hint, privacy: who sees the answers, on a round's first question).
    """

    audience: Audience
    prompt_ref: str
    kind: str
    text: str
    title: str = ""
    language: str = "en"
    options: tuple[Option, ...] = ()
    scale_labels: tuple[str, str] | None = None
    max_length: int | None = None
    max_choices: int | None = None
    required: bool = True
    anonymous: bool = False
    position: tuple[int, int] | None = None
    ui: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notice:
    """Plain text. `actions` are optional command buttons, each (label, command): pressing one is
    as if the member typed the command (`("Check-in", "checkin")`). Adapters with buttons show
    them (Teams: Action.Submit); the others may ignore them, so the text must stand on its own."""

    audience: Audience
    text: str
    language: str = "en"
    actions: tuple[tuple[str, str], ...] = ()
    # The confirmation to a member who erased their data: deleted from the outbox once delivered.
    erase_when_sent: bool = False


@dataclass(frozen=True, slots=True)
class Chart:
    audience: Audience
    png: bytes
    alt_text: str
    title: str = ""
    filename: str = "chart.png"
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Document:
    """A file for the audience: an export, an HTML report. The console writes it to disk."""

    audience: Audience
    content: bytes
    filename: str
    mime: str
    title: str = ""
    language: str = "en"


@dataclass(frozen=True, slots=True)
class ReportSection:
    heading: str
    lines: tuple[str, ...] = ()
    # A table for renderers that draw one (the HTML report): the first row is the header. Chat
    # renderers show `lines`, which then say the same in sentences.
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    audience: Audience
    title: str
    sections: tuple[ReportSection, ...] = ()
    charts: tuple[Chart, ...] = ()
    language: str = "en"


@dataclass(frozen=True, slots=True)
class PromptClosed:
    """Mark a delivered prompt as answered, so nobody answers it twice by accident.

    `reply_handle` is the adapter's handle from MemberAnswered; `text` says what was answered
    (or only that it was, for anonymous prompts).
    """

    audience: Audience
    prompt_ref: str
    reply_handle: str
    text: str
    language: str = "en"
    question: str = ""  # the prompt's question, so the answered card still reads as a conversation


@dataclass(frozen=True, slots=True)
class Digest:
    """"What we heard": a closed round told back to everyone who was asked (flows/digest.py).

    `summary` is how many answered; `figures` the headline figures as (label, value); `sections`
    the themes of each question and the ranked dot-vote; `response` the coordinators' words under
    `response_heading`; `note` how anonymity was kept; `chart` the round's chart, if any.
    """

    audience: Audience
    title: str
    summary: str
    figures: tuple[tuple[str, str], ...] = ()
    sections: tuple[ReportSection, ...] = ()
    response_heading: str = ""
    response: str = ""
    note: str = ""
    chart: Chart | None = None
    language: str = "en"


Outbound = Union[Prompt, Notice, Chart, Report, PromptClosed, Document, Digest]
_TYPES: dict[str, type] = {
    "prompt": Prompt,
    "notice": Notice,
    "chart": Chart,
    "report": Report,
    "prompt_closed": PromptClosed,
    "document": Document,
    "digest": Digest,
}
_NAMES = {cls: name for name, cls in _TYPES.items()}


def message_type(message: Outbound) -> str:
    return _NAMES[type(message)]


class ChartImages:
    """The PNGs of the charts in messages being queued, by sha256: the outbox row names its chart
    (`{"sha256": ...}`) and the image is stored once (storage/chart_images.py), not in every row.
    A digest to 2,000 members shares one bytes object, so each is hashed once."""

    def __init__(self) -> None:
        self.by_digest: dict[str, bytes] = {}
        self._known: dict[int, tuple[bytes, str]] = {}

    def put(self, png: bytes) -> str:
        known = self._known.get(id(png))
        if known is not None and known[0] is png:
            return known[1]
        digest = hashlib.sha256(png).hexdigest()
        self._known[id(png)] = (png, digest)
        self.by_digest[digest] = png
        return digest


def to_json(message: Outbound, images: ChartImages | None = None) -> dict[str, Any]:
    """The message as JSON; with `images`, charts are named by digest and their PNGs go there."""
    data = _plain(message, images)
    data["type"] = message_type(message)
    return data


def _plain(value: Any, images: ChartImages | None = None) -> Any:
    """JSON-ready data, bytes as base64; dataclasses.asdict deep-copies and is several times slower."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_plain(item, images) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item, images) for key, item in value.items()}
    if images is not None and isinstance(value, Chart):
        plain = {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__ if name != "png"}
        plain["png"] = {"sha256": images.put(value.png)}
        return plain
    return {name: _plain(getattr(value, name), images) for name in value.__dataclass_fields__}


def chart_digests(data: Mapping[str, Any]) -> set[str]:
    """The digests of the stored charts an outbox message names (empty for most messages)."""
    kind = data.get("type")
    if kind == "chart":
        charts = [data]
    elif kind == "report":
        charts = list(data.get("charts", ()))
    elif kind == "digest" and data.get("chart"):
        charts = [data["chart"]]
    else:
        return set()
    return {c["png"]["sha256"] for c in charts if isinstance(c.get("png"), dict) and "sha256" in c["png"]}


def _png(value: Mapping[str, Any], images: Mapping[str, bytes] | None) -> bytes:
    """Inline base64 (rows queued before charts were stored once) or a stored chart's digest."""
    if "b64" in value:
        return base64.b64decode(value["b64"])
    digest = value["sha256"]
    if images is None or digest not in images:
        raise KeyError(f"chart image {digest[:12]} is not stored")
    return images[digest]


def from_json(data: dict[str, Any], images: Mapping[str, bytes] | None = None) -> Outbound:
    """The message again; `images` holds the PNGs of the stored charts it names (chart_digests)."""
    data = dict(data)
    kind = data.pop("type")
    audience = Audience(**data.pop("audience"))
    if kind == "prompt":
        data["options"] = tuple(Option(**o) for o in data.get("options", ()))
        if data.get("scale_labels") is not None:
            data["scale_labels"] = tuple(data["scale_labels"])
        if data.get("position") is not None:
            data["position"] = tuple(data["position"])
    elif kind == "notice" and data.get("actions"):
        data["actions"] = tuple((str(label), str(command)) for label, command in data["actions"])
    elif kind == "chart":
        data["png"] = _png(data["png"], images)
    elif kind == "document":
        data["content"] = base64.b64decode(data["content"]["b64"])
    elif kind == "report":
        data["sections"] = tuple(
            ReportSection(s["heading"], tuple(s.get("lines", ())), tuple(tuple(r) for r in s.get("rows", ()))) for s in data.get("sections", ())
        )
        data["charts"] = tuple(from_json({**c, "type": "chart"}, images) for c in data.get("charts", ()))
    elif kind == "digest":
        data["figures"] = tuple((str(label), str(value)) for label, value in data.get("figures", ()))
        data["sections"] = tuple(
            ReportSection(s["heading"], tuple(s.get("lines", ()))) for s in data.get("sections", ())
        )
        data["chart"] = from_json({**data["chart"], "type": "chart"}, images) if data.get("chart") else None
    return _TYPES[kind](audience=audience, **data)
