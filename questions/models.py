"""The bank's tables: a question, its versions, and the history of its review.

A question's content lives in versions. The newest version is edited in place until a pupil first
meets it (an attempt or a live game freezes it); after that an edit makes a new version, so an
answer always points at exactly the text the pupil saw. The question row keeps copies of the
current version's searchable facts (type, competences, levels, folded text) for fast filtering.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base, UTCDateTime, str_enum, utcnow


class Status(str, enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.DRAFT, index=True)
    translation_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Owner: a school, a district or a province; none of them for the shared starter bank.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"), index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version")
    )
    # Copies of the current version's facts, for filtering without reading JSON.
    type: Mapped[str] = mapped_column(String(24))
    competences: Mapped[str] = mapped_column(String(120), default="")  # ",4.2,1.2,"
    level_min: Mapped[int] = mapped_column(default=1)
    level_max: Mapped[int] = mapped_column(default=8)
    difficulty: Mapped[str] = mapped_column(String(8), default="medium")
    tags: Mapped[str] = mapped_column(Text, default="")  # ",otp,sms,"
    stem: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)  # folded: lower case, no diacritics
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)  # of the folded content, for duplicates
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", foreign_keys="QuestionVersion.question_id", order_by="QuestionVersion.number"
    )
    current_version: Mapped[QuestionVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)
    events: Mapped[list[ReviewEvent]] = relationship(back_populates="question", order_by="ReviewEvent.id")

    __table_args__ = (Index("ix_questions_status_language", "status", "language"),)


class QuestionVersion(Base):
    __tablename__ = "question_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content: Mapped[dict] = mapped_column(JSON)  # a QuestionData, see questions/store.py
    # Set when a pupil first meets this version; from then on it never changes.
    frozen: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="versions", foreign_keys=[question_id])

    __table_args__ = (UniqueConstraint("question_id", "number"),)


class ReviewEvent(Base):
    """One step of the review: a status change or a comment, with who and when."""

    __tablename__ = "question_review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[Status | None] = mapped_column(str_enum(Status))
    to_status: Mapped[Status | None] = mapped_column(str_enum(Status))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="events")
    actor = relationship("User")
