"""Everything Hoithi holds about one pupil, as one JSON document (the right of access).

The database rows are the record; the boards, XP and badges are computed from them, and Redis holds
only copies: the login sessions (the account's name and class, listed above) and a practice question
in progress.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from contest.accounts.models import User
from contest.contests.models import Contest, Round
from contest.db import utcnow
from contest.games.models import GamePlayer, LiveGame
from contest.org.models import District, School, SchoolClass
from contest.play.models import Attempt, AttemptQuestion
from contest.progress.models import PracticeAnswer
from contest.progress.practice import practice_key
from contest.reports.models import Certificate

FORMAT = "hoithi-pupil-data"
VERSION = 1


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def pupil_data(db: AsyncSession, redis: Redis, pupil: User) -> dict[str, Any]:
    school_class = await db.get(SchoolClass, pupil.class_id)
    school = await db.get(School, pupil.school_id)
    district = await db.get(District, school.district_id)
    attempts = await db.execute(
        select(Attempt, Round.title, Contest.title_vi)
        .join(Round, Round.id == Attempt.round_id).join(Contest, Contest.id == Attempt.contest_id)
        .where(Attempt.pupil_id == pupil.id).order_by(Attempt.started_at)
        .options(selectinload(Attempt.questions).selectinload(AttemptQuestion.answer)))
    practice = await db.scalars(select(PracticeAnswer).where(PracticeAnswer.pupil_id == pupil.id)
                                .order_by(PracticeAnswer.answered_at))
    games = await db.execute(select(GamePlayer, LiveGame.title, LiveGame.created_at).join(LiveGame)
                             .where(GamePlayer.user_id == pupil.id).order_by(LiveGame.created_at))
    certificates = await db.scalars(select(Certificate).where(Certificate.pupil_id == pupil.id)
                                    .order_by(Certificate.issued_at))
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "pupil": {
            "id": pupil.id, "username": pupil.username, "full_name": pupil.full_name,
            "pupil_number": pupil.pupil_number, "class": school_class.name, "grade": school_class.grade,
            "school": school.name, "district": district.name, "account_created_at": _when(pupil.created_at),
            "active": pupil.is_active, "login_card_issued": pupil.card_code_hash is not None,
        },
        "contest_attempts": [_attempt(attempt, round_title, contest_title)
                             for attempt, round_title, contest_title in attempts],
        "practice_answers": [{"question_id": p.question_id, "question_version_id": p.version_id, "credit": p.credit,
                              "answered_at": _when(p.answered_at)} for p in practice],
        "practice_question_in_progress": bool(await redis.exists(practice_key(pupil.id))),
        "live_games": [{"game": title, "played_at": _when(played_at), "shown_as": player.nickname,
                        "score": player.score, "right_answers": player.correct_count, "time_ms": player.time_ms}
                       for player, title, played_at in games],
        "certificates": [{"code": c.code, "award": c.award.value, "name_printed": c.holder_name,
                          "school_printed": c.school_name, "issued_at": _when(c.issued_at)} for c in certificates],
    }


def _attempt(attempt: Attempt, round_title: str, contest_title: str) -> dict[str, Any]:
    return {
        "contest": contest_title, "round": round_title, "number": attempt.number,
        "started_at": _when(attempt.started_at), "finished_at": _when(attempt.finished_at),
        "score": attempt.score, "right_answers": attempt.correct_count, "answered": attempt.answered_count,
        "questions": attempt.question_count, "time_ms": attempt.time_ms,
        "answers": [{
            "position": question.position + 1, "question_id": question.question_id,
            "question_version_id": question.version_id, "response": question.answer.response,
            "credit": question.answer.credit, "points": question.answer.points,
            "received_at": _when(question.answer.received_at), "response_ms": question.answer.response_ms,
            "timed_out": question.answer.timed_out,
        } for question in attempt.questions if question.answer is not None],
    }
