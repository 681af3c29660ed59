"""What a pupil plays: an attempt at a round, the questions drawn for it, and each answer.

These rows are the system of record for scores: leaderboards are derived from the attempts'
running totals and can be rebuilt from them at any time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base, UTCDateTime, utcnow


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The attempt's name in URLs: random, so attempts cannot be guessed or walked.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Where the pupil stood when they started (pupils move class; results stay where they were earned).
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)  # 1 for the first attempt at this round
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)  # the whole attempt's, server-owned
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(default=0)  # index of the question being played
    question_count: Mapped[int]
    # Running totals, updated in the answer's own transaction.
    score: Mapped[int] = mapped_column(default=0)
    correct_count: Mapped[int] = mapped_column(default=0)
    answered_count: Mapped[int] = mapped_column(default=0)
    time_ms: Mapped[int] = mapped_column(BigInteger, default=0)  # sum of response times
    streak: Mapped[int] = mapped_column(default=0)
    # The draw: seed and what each quota got, for audit.
    draw: Mapped[dict] = mapped_column(JSON, default=dict)

    questions: Mapped[list[AttemptQuestion]] = relationship(back_populates="attempt", order_by="AttemptQuestion.position")

    __table_args__ = (
        UniqueConstraint("round_id", "pupil_id", "number"),
        Index("ix_attempts_unfinished", "finished_at", "deadline"),
    )

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class AttemptQuestion(Base):
    __tablename__ = "attempt_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    # The question's name in the answer form: random per attempt, so it says nothing about the question.
    token: Mapped[str] = mapped_column(String(16))
    # Display order of the options (indices into the version's options) and their tokens, in that order.
    option_order: Mapped[list[int]] = mapped_column(JSON)
    option_tokens: Mapped[list[str]] = mapped_column(JSON)
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first time the server sent it
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # shown_at + the per-question limit

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    answer: Mapped[Answer | None] = relationship(back_populates="attempt_question")

    __table_args__ = (UniqueConstraint("attempt_id", "position"),)


class Answer(Base):
    """One answer, written once: the unique attempt_question_id makes a double submit a no-op."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_question_id: Mapped[int] = mapped_column(ForeignKey("attempt_questions.id", ondelete="CASCADE"), unique=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    response: Mapped[dict] = mapped_column(JSON)  # what the pupil sent, in the question's terms
    credit: Mapped[float]  # 0..1 from the question type
    points: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # server clock
    response_ms: Mapped[int] = mapped_column(BigInteger)  # received_at − shown_at
    client_ms: Mapped[int | None] = mapped_column(BigInteger)  # the browser's own measure, for audit only
    timed_out: Mapped[bool] = mapped_column(default=False)  # recorded by the server when time ran out

    attempt_question: Mapped[AttemptQuestion] = relationship(back_populates="answer")
