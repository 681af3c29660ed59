"""What the retention purge leaves behind: anonymous counts per question and per school, and a note
that a contest's personal data is gone (so the purge runs once per contest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contest.db import Base, UTCDateTime, utcnow


class ContestPurge(Base):
    __tablename__ = "contest_purges"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts_removed: Mapped[int] = mapped_column(default=0)


class QuestionStatistic(Base):
    """How one question of one round was answered, with nobody's name on it."""

    __tablename__ = "question_statistics"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    answers: Mapped[int] = mapped_column(default=0)
    fully_right: Mapped[int] = mapped_column(default=0)  # answers with full credit
    credit_total: Mapped[float] = mapped_column(default=0.0)

    __table_args__ = (UniqueConstraint("round_id", "question_id"),)


class SchoolStatistic(Base):
    """How one school did in one round: counts and points of the attempts that counted."""

    __tablename__ = "school_statistics"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    pupils: Mapped[int] = mapped_column(default=0)  # who played
    finished: Mapped[int] = mapped_column(default=0)  # whose counted attempt was finished
    points_total: Mapped[int] = mapped_column(default=0)
    best_points: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("round_id", "school_id"),)
