"""The tables, as SQLAlchemy 2 typed models. Migrations in storage/migrations mirror this file."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no zone, so we store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Network(Base):
    __tablename__ = "networks"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    u_stage: Mapped[int] = mapped_column(Integer, default=0)
    report_channel: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("network_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300))
    display_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(10))  # public | private | third
    side: Mapped[str | None] = mapped_column(String(10))  # internal | external
    role: Mapped[str] = mapped_column(String(12), default="member")  # member | coordinator
    language: Mapped[str | None] = mapped_column(String(5))
    timezone: Mapped[str | None] = mapped_column(String(64))
    may_be_named: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Round(Base):
    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    flow_id: Mapped[str] = mapped_column(String(100))
    flow_version: Mapped[str] = mapped_column(String(20))
    audience: Mapped[str] = mapped_column(String(300))  # network | channel:<channel key>
    channel: Mapped[str | None] = mapped_column(String(300))  # where it was launched / is posted
    delivery: Mapped[str] = mapped_column(String(10), default="dm")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    invited: Mapped[int] = mapped_column(Integer, default=0)
    opens_at: Mapped[datetime] = mapped_column(default=utcnow)
    closes_at: Mapped[datetime | None] = mapped_column()
    remind_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    level: Mapped[str | None] = mapped_column(String(20))  # level of network work (flows/levels.py), migration 0016


class MemberSession(Base):
    """Where one member is in one round: the current step id and the flow version, not an index."""

    __tablename__ = "member_sessions"
    __table_args__ = (UniqueConstraint("round_id", "member_id"), Index("ix_sessions_member_status", "member_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    flow_version: Mapped[str] = mapped_column(String(20))
    step_id: Mapped[str | None] = mapped_column(String(100))
    answered: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done | closed
    # Groups one respondent's anonymous answers (for reliability) while the session runs; wiped
    # when the session ends, so afterwards nothing links the answers to the member.
    submission: Mapped[str | None] = mapped_column(String(40))
    # An anonymous round's answers so far, while the member is mid-way (migration 0007): moved to
    # the held pool, under a fresh id and with this copy wiped, when the session ends.
    held: Mapped[list[Any] | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_round_step", "round_id", "step_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[str | None] = mapped_column(String(40))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    submission: Mapped[str] = mapped_column(String(40))
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    value_list: Mapped[list[Any] | None] = mapped_column()
    sector: Mapped[str | None] = mapped_column(String(10))
    side: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class HeldAnswer(Base):
    """Anonymous answers waiting to be released into `responses` in shuffled batches (storage/anonymous.py).

    No member, no time; the key is random and on SQLite the table has no rowid, so neither the
    key nor the physical order says when or in which order respondents finished. `grp` keeps one
    respondent's items together (for reliability) and is replaced by a fresh id at release.
    """

    __tablename__ = "held_answers"
    __table_args__ = (Index("ix_held_answers_round", "round_id", "grp"), {"sqlite_with_rowid": False})
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    grp: Mapped[str] = mapped_column(String(32))
    step_id: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[str | None] = mapped_column(String(40))
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    value_list: Mapped[list[Any] | None] = mapped_column()
    sector: Mapped[str | None] = mapped_column(String(10))
    side: Mapped[str | None] = mapped_column(String(10))


class InboundEvent(Base):
    """Idempotency keys of inbound events, before the inbox (0006) took over; no longer written."""

    __tablename__ = "inbound_events"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxEntry(Base):
    """A platform request, stored before it was acknowledged (storage/inbox.py).

    `key` is a digest of the idempotency key; `payload` the neutral event, dropped once handled.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_pending", "status", "lease_until"),)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "platform", "available_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(10))
    audience: Mapped[str] = mapped_column(String(300))
    message: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    handle: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The worker holding a `sending` row; it renews the lease while it sends (bot/dispatcher.py).
    lease_owner: Mapped[str | None] = mapped_column(String(40))


class ConversationReference(Base):
    """How to reach a member or channel proactively (Teams conversation references, Slack DM ids)."""

    __tablename__ = "conversation_refs"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    platform: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Schedule(Base):
    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    flow_id: Mapped[str] = mapped_column(String(100))
    when: Mapped[str] = mapped_column(String(200))  # as the coordinator wrote it
    cron: Mapped[str] = mapped_column(String(100))  # normalised cron expression
    timezone: Mapped[str] = mapped_column(String(64))
    local_time: Mapped[bool] = mapped_column(Boolean, default=False)  # each member's own zone
    audience: Mapped[str] = mapped_column(String(300), default="network")
    closes_after: Mapped[int | None] = mapped_column(Integer)  # seconds
    remind_after: Mapped[int | None] = mapped_column(Integer)  # seconds
    anonymous: Mapped[bool | None] = mapped_column(Boolean)
    level: Mapped[str | None] = mapped_column(String(20))  # given to each round it opens (0016)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    last_fired_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    actor: Mapped[str | None] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


# digest and themes (issue 13: "what we heard", sense-making with dot-votes)


class RoundDigest(Base):
    """A closed round's "what we heard" digest: held for the coordinators' response, or published."""

    __tablename__ = "round_digests"
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="held")  # held | published
    response: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column()


class DigestPolicy(Base):
    """Per flow of a network: whether a closing round's digest goes out at once (`auto`)."""

    __tablename__ = "digest_policies"
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)


class ThemeBallot(Base):
    """The sense-making step of a closed round: its themes are open to dot-votes (`votes` each)."""

    __tablename__ = "theme_ballots"
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    votes: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    method: Mapped[str] = mapped_column(String(10))  # llm | lemmas
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class RoundTheme(Base):
    """A theme of one question's answers: copies of the (pseudonymised) answers, never response ids,
    in sorted order, so neither the theme nor its order points back to a respondent."""

    __tablename__ = "round_themes"
    __table_args__ = (Index("ix_round_themes_round", "round_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("theme_ballots.round_id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)  # the number members vote with, 1 …
    label: Mapped[str] = mapped_column(String(200))
    answers: Mapped[list[Any]] = mapped_column(default=list)


class ThemeVote(Base):
    """One member's dot on one theme: member data (my-data, export, forget-me)."""

    __tablename__ = "theme_votes"
    __table_args__ = (UniqueConstraint("theme_id", "member_id"), Index("ix_theme_votes_member", "member_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("round_themes.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    voted_at: Mapped[datetime] = mapped_column(default=utcnow)
# U journey (issue 14): the journey's moves, the practices of steps 1-5 and 8.


class StageMove(Base):
    """One move of the network on the U: when each step began, for its evidence and the picture."""

    __tablename__ = "stage_moves"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    from_step: Mapped[int] = mapped_column(Integer)
    to_step: Mapped[int] = mapped_column(Integer)
    # True when the coordinator confirmed the move although the step left had no evidence at all.
    without_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    moved_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    moved_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fact(Base):
    """Step 1: a fact and its source in the network's shared fact base; erased with its author."""

    __tablename__ = "facts"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActorProposal(Base):
    """Step 2: an actor a member proposes to invite, to fill a gap in the network."""

    __tablename__ = "actor_proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(10))
    side: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="proposed")  # proposed | invited
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column()


class IntroBatch(Base):
    """Step 3: one round of cross-sector introductions, with the map's figures when it was made."""

    __tablename__ = "intro_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    # Figures of the network map at pairing time (ties, cross-sector ties, density, members).
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    follow_up_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IntroMember(Base):
    """A member's place in an intro group, and whether they say they met."""

    __tablename__ = "intro_members"
    __table_args__ = (UniqueConstraint("batch_id", "member_id"), Index("ix_intro_members_member", "member_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("intro_batches.id", ondelete="CASCADE"))
    grp: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    met: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[datetime | None] = mapped_column()
    # The outbox row of the "did you meet?" follow-up, held back a week; withdrawn if they answer first.
    follow_up: Mapped[int | None] = mapped_column(Integer)


class IntroOptOut(Base):
    """Members who do not want to be introduced; they are never paired."""

    __tablename__ = "intro_opt_outs"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class JournalEntry(Base):
    """Steps 4-5: a private journal entry. Only its author reads it (flows/journal.py); no report,
    export or coordinator command selects from this table, and forget-me erases it (cascade)."""

    __tablename__ = "journal_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    u_step: Mapped[int] = mapped_column(Integer)
    prompt: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharedLine(Base):
    """A line a member chose to share from their journal, anonymously: no member, no time, a
    random key and (on SQLite) no rowid; the network's pool is rewritten in random order on each
    share, as the anonymous answer pool is (storage/anonymous.py)."""

    __tablename__ = "shared_lines"
    __table_args__ = (Index("ix_shared_lines_network", "network_id", "u_step"), {"sqlite_with_rowid": False})
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    u_step: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class Prototype(Base):
    """Step 8: an experiment the network runs, with its hypothesis, next test and lesson."""

    __tablename__ = "prototypes"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    hypothesis: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    next_test: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="idea")  # idea | testing | paused | done | dropped
    lesson: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()
    # The outbox row of the next check-in to the owner, held back two weeks; moved on each update.
    check_in: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[str | None] = mapped_column(String(20))  # level of network work (0016)


# Charter and vision (issue 14, steps 3, 6 and 7): proposals and drafts, and the network's votes on them.


class CharterRule(Base):
    """Step 3: a ground rule for dialogue a member proposed; `kept` once the network voted for it.

    The author is stored (my-data, forget-me, withdrawing one's own) but never shown: lists,
    ballots and reports name no one. A kept rule is the network's and stays without its author
    after forget-me; a rule still proposed or set aside goes with them."""

    __tablename__ = "charter_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="proposed")  # proposed | kept | aside | removed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()


class VisionDraft(Base):
    """Steps 6-7: a member's draft of the network's vision; shown without its author, erased with them."""

    __tablename__ = "vision_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """A network's dot-vote on charter proposals or vision candidates (`votes` dots each)."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # charter | vision
    votes: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    method: Mapped[str] = mapped_column(String(10))  # proposals | lemmas | llm
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class DecisionOption(Base):
    """One choice on a decision's ballot. A charter option is one proposal; a vision candidate is
    a draft that stands for its group (`draft_id`, extractive) or a model's synthesis (no draft).
    Either goes with the text it copies when its author is forgotten (cascade)."""

    __tablename__ = "decision_options"
    __table_args__ = (Index("ix_decision_options_decision", "decision_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    drafts: Mapped[int] = mapped_column(Integer, default=1)  # how many drafts the candidate gathers
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("charter_rules.id", ondelete="CASCADE"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("vision_drafts.id", ondelete="CASCADE"))


class DecisionVote(Base):
    """One member's dot on one option: member data (my-data, forget-me)."""

    __tablename__ = "decision_votes"
    __table_args__ = (UniqueConstraint("option_id", "member_id"), Index("ix_decision_votes_member", "member_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("decision_options.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    voted_at: Mapped[datetime] = mapped_column(default=utcnow)


class NetworkVision(Base):
    """The vision the network chose (the newest is the current one): the network's, naming no one."""

    __tablename__ = "network_visions"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    voters: Mapped[int] = mapped_column(Integer, default=0)
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)


class LaunchChunk(Base):
    """Members of a round still to be invited (storage/fanout.py), a few hundred per row.

    A big launch invites its first chunk in the command's own turn and leaves the rest here; each
    chunk is then invited in a short transaction of its own that deletes the row, so a crash
    leaves it for the next worker, and another member's click never waits for the whole launch.
    """

    __tablename__ = "launch_chunks"
    __table_args__ = (Index("ix_launch_chunks_round", "round_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    members: Mapped[list[Any]] = mapped_column()  # member ids, ascending
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# actions, welcome, rounds (migration 0012)


class Action(Base):
    """An agreement or commitment made in the network: what, who owns it, by when, what came of it.

    Actions are named by design (a commitment is someone's); reports count them per sector and
    never show owners. `reminders_sent` caps the owner's reminders at two; `reviewed_round` is the
    last check-in or reflection round that asked about it, so one round asks once.
    """

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_network_status", "network_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    # The owner's sector when the action was made: reports count per sector without a member join,
    # and an erased owner's commitments still count where they were made.
    sector: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done | dropped
    due_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(Text)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_round: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    level: Mapped[str | None] = mapped_column(String(20))  # level of network work (0016)


class MemberWelcome(Base):
    """The member got the welcome (their first message anywhere); it is never sent twice."""

    __tablename__ = "member_welcomes"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


# Charts stored once (issue 12 meets the digest of issue 13)
class ChartImage(Base):
    """A chart's PNG, once, named by its sha256: outbox rows carry only the digest (storage/chart_images.py).

    Not personal data (charts show groups at or above the anonymity threshold); `used_at` is the
    last time a message with it was queued, so the purge keeps it as long as the outbox keeps rows."""

    __tablename__ = "chart_images"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DigestChunk(Base):
    """Digests still to be queued for a few hundred readers (bot/evaluation/digest_fanout.py).

    `editions` is the digest's outbox JSON per language (its chart by digest), `targets` the
    readers as [member key, language]. A chunk is queued in the transaction that deletes it, so
    a crash mid-publish neither loses nor repeats anyone's digest."""

    __tablename__ = "digest_chunks"
    __table_args__ = (Index("ix_digest_chunks_round", "round_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    editions: Mapped[dict[str, Any]] = mapped_column()
    targets: Mapped[list[Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Levels of network work, the strategic continuum, roles (migration 0016)


class NetworkPhase(Base):
    """Where the network is on the strategic continuum (seed slide 2): phase 1-4 of cycle N.

    A row of its own rather than columns of `networks`: a network without one has set no phase."""

    __tablename__ = "network_phases"
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True)
    phase: Mapped[int] = mapped_column(Integer)
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class CarriedItem(Base):
    """A theme of a phase-4 reflection carried forward as a starting item of the next cycle.

    Theme labels are made of released, pseudonymised answers (flows/themes.py): no member data."""

    __tablename__ = "carried_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    cycle: Mapped[int] = mapped_column(Integer)  # the cycle the item starts
    text: Mapped[str] = mapped_column(Text)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    from_round: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Role(Base):
    """Step 9, organise: a role or responsibility in the network, offered to an owner who accepts
    or declines it. Named by design (who does what); my-data, export and forget-me cover it."""

    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="offered")  # offered | accepted | declined | open | dropped
    level: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)  # why declined, as the owner wrote it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column()
