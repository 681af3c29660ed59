"""A live game's record in the database: the game, its players and their answers.

While a game runs its state lives in Redis (contest/games/state.py); these rows are written at the
end of each question and at the end of the game, and are what the results page and its export read.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contest.db import Base, UTCDateTime, str_enum, utcnow


class GameStatus(str, enum.Enum):
    LOBBY = "lobby"  # created, players joining
    RUNNING = "running"
    ENDED = "ended"


class LiveGame(Base):
    __tablename__ = "live_games"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    pin: Mapped[str] = mapped_column(String(6), index=True)  # unique among games not yet ended (in Redis)
    host_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The host's unit when it was made: staff over this unit may run it too (contest/games/access.py).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"), index=True)
    source_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    # [[question id, version id], …] in play order; the versions are frozen when the game is made.
    questions: Mapped[list[list[int]]] = mapped_column(JSON)
    seconds_per_question: Mapped[int] = mapped_column(default=20)
    scoring: Mapped[str] = mapped_column(String(16), default="speed")  # contest/play/scoring.py
    speed_floor: Mapped[float] = mapped_column(default=0.5)
    streak_bonus: Mapped[int] = mapped_column(default=0)
    streak_cap: Mapped[int] = mapped_column(default=5)
    status: Mapped[GameStatus] = mapped_column(str_enum(GameStatus), default=GameStatus.LOBBY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GamePlayer(Base):
    __tablename__ = "live_game_players"

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("live_games.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # the player's id inside the game (Redis), in order of joining
    nickname: Mapped[str] = mapped_column(String(40))
    # None: a guest. A deleted pupil's players go with them (their answers stay, by number only: anonymous).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(default=0)
    correct_count: Mapped[int] = mapped_column(default=0)
    time_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    kicked: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("game_id", "number"),)


class GameAnswer(Base):
    __tablename__ = "live_game_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    game_id: Mapped[int] = mapped_column(ForeignKey("live_games.id", ondelete="CASCADE"), index=True)
    player_number: Mapped[int]
    position: Mapped[int]  # index of the question in the game
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    response: Mapped[dict] = mapped_column(JSON)  # in the question's terms (questions/kinds.py)
    credit: Mapped[float]
    points: Mapped[int]
    response_ms: Mapped[int] = mapped_column(BigInteger)  # from the question's start, by the server's clock

    __table_args__ = (UniqueConstraint("game_id", "player_number", "position"),)
