"""Practice answers: a table of their own, so practice can never touch a contest score or a leaderboard.

Contest answers live in contest/play/models.py; XP, badges and streaks read both tables
(contest/progress/achievements.py), nothing is kept as a running total.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from contest.db import Base, UTCDateTime, utcnow


class PracticeAnswer(Base):
    __tablename__ = "practice_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    # The exact text the pupil saw (frozen when shown, like a contest's).
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    credit: Mapped[float]  # 0..1 from the question type
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # server clock

    __table_args__ = (Index("ix_practice_answers_pupil_answered", "pupil_id", "answered_at"),)
