"""Contests and their rounds: who may play, when, what is drawn, and how it is scored."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import Base, UTCDateTime, str_enum, utcnow


class Visibility(str, enum.Enum):
    LIVE = "live"  # boards update as pupils play
    AFTER_CLOSE = "after_close"  # boards appear when the contest closes
    CEREMONY = "ceremony"  # hidden until the organiser reveals them


class UnitRanking(str, enum.Enum):
    """How schools and districts are ranked (docs/leaderboards.md)."""

    MEAN_TOP_N = "mean_top_n"
    TOTAL = "total"
    PARTICIPATION = "participation"


class Contest(Base):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_vi: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    theme: Mapped[str] = mapped_column(String(200), default="")
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    # Who runs it (an organiser's province or district, or a teacher's school) ...
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    # ... and who may play: everyone under the owner, narrowed to these districts or schools if any.
    district_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    school_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    grades: Mapped[list[int]] = mapped_column(JSON, default=list)  # empty: every grade
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility), default=Visibility.LIVE)
    full_names_public: Mapped[bool] = mapped_column(default=False)
    unit_ranking: Mapped[UnitRanking] = mapped_column(str_enum(UnitRanking), default=UnitRanking.MEAN_TOP_N)
    unit_top_n: Mapped[int] = mapped_column(default=10)
    published: Mapped[bool] = mapped_column(default=False)
    # Freeze and ceremony: public boards stop at frozen_at; a ceremony contest shows them once revealed,
    # and the ceremony's reveal has gone reveal_step steps from the frozen board towards the final one.
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revealed: Mapped[bool] = mapped_column(default=False)
    reveal_step: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rounds: Mapped[list[Round]] = relationship(back_populates="contest", order_by="Round.position",
                                               cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("closes_at > opens_at", name="window_forward"),)

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_vi

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" and self.description_en else self.description_vi


class Selection(str, enum.Enum):
    FIXED = "fixed"  # the same list for everyone
    RANDOM = "random"  # a draw per pupil, by quotas


class Explanations(str, enum.Enum):
    AFTER_EACH = "after_each"
    AFTER_ROUND = "after_round"
    AFTER_CLOSE = "after_close"


class Counting(str, enum.Enum):
    BEST = "best"
    LAST = "last"


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="vi")  # of the questions drawn
    selection: Mapped[Selection] = mapped_column(str_enum(Selection), default=Selection.RANDOM)
    question_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # FIXED: in this order
    question_count: Mapped[int] = mapped_column(default=10)  # RANDOM: how many to draw
    # RANDOM: at least this many of a domain and of a difficulty, e.g. {"4": 6, "1": 2} and {"hard": 2}.
    domain_quotas: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    difficulty_quotas: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    seconds_per_question: Mapped[int | None] = mapped_column(default=None)
    seconds_per_round: Mapped[int | None] = mapped_column(default=None)
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    counting: Mapped[Counting] = mapped_column(str_enum(Counting), default=Counting.BEST)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    explanations: Mapped[Explanations] = mapped_column(str_enum(Explanations), default=Explanations.AFTER_EACH)
    scoring: Mapped[str] = mapped_column(String(16), default="accuracy")  # see contest/play/scoring.py
    speed_floor: Mapped[float] = mapped_column(default=0.5)  # share of points kept by the slowest right answer
    streak_bonus: Mapped[int] = mapped_column(default=0)  # points per answer in a streak; 0 = no streak bonus
    streak_cap: Mapped[int] = mapped_column(default=5)
    # A final: open only to the top N of the qualifier round, per school or district.
    qualifier_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    qualify_top_n: Mapped[int] = mapped_column(default=3)
    qualify_per: Mapped[str] = mapped_column(String(8), default="school")  # school | district | contest

    contest: Mapped[Contest] = relationship(back_populates="rounds")

    __table_args__ = (
        UniqueConstraint("contest_id", "position"),
        CheckConstraint("attempts_allowed >= 1", name="attempts_positive"),
        CheckConstraint("seconds_per_question IS NOT NULL OR seconds_per_round IS NOT NULL", name="has_time_limit"),
    )
