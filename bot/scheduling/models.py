"""The scheduler's own tables (migration 0004): default-schedule markers and per-member reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow


class ScheduleDefault(Base):
    """The network got its default pulse schedule once; removing that schedule must not bring it back."""

    __tablename__ = "schedule_defaults"
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoundReminder(Base):
    """One member's reminder for one round: planned at the round's remind time for the next working
    hour in the member's zone, sent then only if their session is still open. Holds the
    participation record only, never an answer."""

    __tablename__ = "round_reminders"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None] = mapped_column()
