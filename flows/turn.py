"""What one engine turn works with: the transaction, the network and member, and the replies so far."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from flows.definition import Flow, Step

if TYPE_CHECKING:
    from flows.after_commit import AfterCommit
from flows.events import ChannelRef, MemberRef
from flows.i18n import Catalog
from flows.messages import Audience, Notice, Option, Outbound, Prompt
from flows.registry import FlowRegistry
from storage.models import Member, Network, Round


class Directory(Protocol):
    """Who is in a channel, as the platform knows it (Slack conversations.members, a Teams roster)."""

    async def channel_members(self, channel_key: str) -> Sequence[MemberRef]: ...


class Summariser(Protocol):
    """What is posted when a round closes (the core posts counts; the reporting module, a report)."""

    async def round_closed(self, tx: AsyncSession, network: Network, round_: Round, audience: Audience) -> list[Outbound]: ...


CommandHandler = Callable[["Turn", list[str]], Awaitable[None]]
# Digest and themes plug in here: what a closing round adds (its digest), answers to prompts
# that are not a round's steps (`themes:<round>` ballots), and typed text no round question wants.
RoundClosedHook = Callable[[AsyncSession, "EngineConfig", Network, Round], Awaitable[list[Outbound]]]
AnswerHandler = Callable[["Turn", str, "str | list[str]"], Awaitable[None]]
TextHandler = Callable[["Turn", str], Awaitable[bool]]


@dataclass
class EngineConfig:
    catalog: Catalog
    flows: FlowRegistry
    default_language: str = "fi"
    default_timezone: str = "Europe/Helsinki"
    coordinators: frozenset[str] = frozenset()
    anonymity_threshold: int = 5
    directories: dict[str, Directory] = field(default_factory=dict)
    summariser: Summariser | None = None
    extra_commands: dict[str, CommandHandler] = field(default_factory=dict)
    verbs: set[str] = field(default_factory=set)  # every verb the engine answers, filled by the engine (help offers only those)
    extra_help: list[str] = field(default_factory=list)
    after_commit: "AfterCommit | None" = None
    round_closed_hooks: list["RoundClosedHook"] = field(default_factory=list)
    reflect_subcommands: dict[str, CommandHandler] = field(default_factory=dict)
    answer_handlers: dict[str, "AnswerHandler"] = field(default_factory=dict)  # prompt_ref prefix -> handler
    text_handlers: list["TextHandler"] = field(default_factory=list)
    # Rendered prompts and their JSON by (flow, version, step, round, language, anonymous), for
    # the answer turn (flows/answer_turn.py): the same for every member but the audience.
    prompts: dict[tuple[Any, ...], tuple[Prompt, dict[str, Any]]] = field(default_factory=dict)


class Refused(Exception):
    """A command or answer is refused; the message is already in the member's language."""


class SaveFailed(Exception):
    """The database could not be written, so nothing of the turn was kept and no reply could be
    queued: `notice` ("I could not save that…", in the member's language) must be sent directly."""

    def __init__(self, notice: Notice) -> None:
        super().__init__(notice.text)
        self.notice = notice


@dataclass
class Turn:
    tx: AsyncSession
    config: EngineConfig
    network: Network
    member: Member
    channel: ChannelRef | None = None
    is_direct: bool = True
    out: list[Outbound] = field(default_factory=list)
    new_member: bool = False  # the member was first met in this turn
    welcomed: bool = False  # the welcome went out in this turn (a "moi" with it is no answer)
    launches: list[int] = field(default_factory=list)  # rounds whose later chunks are invited after the commit
    # The outbox JSON of some of `out`, by id(), built in bulk (a launch's first chunk).
    prepared: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.member.language or self.network.language

    @property
    def catalog(self) -> Catalog:
        return self.config.catalog

    @property
    def is_coordinator(self) -> bool:
        return self.member.role == "coordinator"

    def t(self, key: str, /, **values: Any) -> str:
        return self.config.catalog.t(self.lang, key, **values)

    def reply(self, key: str, /, **values: Any) -> None:
        self.out.append(Notice(Audience.member(self.member.key), self.t(key, **values), self.lang))

    def reply_text(self, text: str) -> None:
        self.out.append(Notice(Audience.member(self.member.key), text, self.lang))

    def require_coordinator(self) -> None:
        if not self.is_coordinator:
            raise Refused(self.t("coordinator_only"))

    def emit(self, message: Outbound) -> None:
        self.out.append(message)


def language_of(member: Member, network: Network) -> str:
    return member.language or network.language


def render_prompt(
    catalog: Catalog,
    flow: Flow,
    step: Step,
    round_id: int,
    audience: Audience,
    lang: str,
    anonymous: bool,
    members: Sequence[Member] = (),
) -> Prompt:
    """A step as a neutral Prompt in `lang`, with the ui texts adapters need."""
    options: tuple[Option, ...] = ()
    scale_labels = None
    if step.kind == "scale":
        assert step.minimum is not None and step.maximum is not None and step.min_label and step.max_label
        scale_labels = (step.min_label[lang], step.max_label[lang])
        points = range(step.minimum, step.maximum + 1)
        options = tuple(
            Option(str(p), f"{p} {scale_labels[0]}" if p == step.minimum else f"{p} {scale_labels[1]}" if p == step.maximum else str(p))
            for p in points
        )
    elif step.kind in ("single", "multi", "organisations"):
        options = tuple(Option(c.id, c.label[lang]) for c in step.choices)
    elif step.kind == "members":
        options = tuple(Option(m.key, m.display_name) for m in members)
    index = flow.index(step.id) or 0
    # Organisations are chosen as any multiple choice is: every platform already renders that.
    shown_kind = "multi" if step.kind == "organisations" else step.kind
    ui = {
        "answer": catalog.t(lang, "ui_answer"),
        "submit": catalog.t(lang, "ui_submit"),
        "skip": catalog.t(lang, "ui_skip"),
        "placeholder": catalog.t(lang, "ui_placeholder"),
        "hint": catalog.t(lang, f"hint_{shown_kind}", min=step.minimum, max=step.maximum, length=step.max_length),
        # Who sees the answers is said once, on a round's first question, not under every item.
        "privacy": (catalog.t(lang, "ui_anonymous") if anonymous else catalog.t(lang, "round_named_note")) if index == 0 else "",
    }
    return Prompt(
        audience=audience,
        prompt_ref=f"{round_id}:{step.id}",
        kind=shown_kind,
        text=step.text[lang],
        title=flow.title[lang],
        language=lang,
        options=options,
        scale_labels=scale_labels,
        max_length=step.max_length,
        max_choices=step.max_choices,
        required=step.required,
        anonymous=anonymous,
        position=(index + 1, len(flow.steps)),
        ui=ui,
    )
