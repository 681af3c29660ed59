"""Per-question statistics, derived from the answers every time (never hand-maintained counters)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.play.models import Answer, AttemptQuestion


@dataclass(frozen=True)
class QuestionStatistics:
    shown: int  # times the question was sent to a pupil in a contest
    answered: int  # answers received in time
    correct_rate: float | None  # share of answers with full credit
    mean_ms: float | None  # mean response time of the answers received in time


async def statistics_of(db: AsyncSession, question_ids: list[int]) -> dict[int, QuestionStatistics]:
    shown = dict((await db.execute(
        select(AttemptQuestion.question_id, func.count()).where(AttemptQuestion.question_id.in_(question_ids),
                                                                AttemptQuestion.shown_at.is_not(None))
        .group_by(AttemptQuestion.question_id))).all())
    answered = {row[0]: row[1:] for row in await db.execute(
        select(Answer.question_id, func.count(), func.avg(func.floor(Answer.credit)), func.avg(Answer.response_ms))
        .where(Answer.question_id.in_(question_ids), Answer.timed_out.is_(False)).group_by(Answer.question_id))}
    result = {}
    for question_id in question_ids:
        count, correct, mean_ms = answered.get(question_id, (0, None, None))
        result[question_id] = QuestionStatistics(shown.get(question_id, 0), count,
                                                 None if correct is None else float(correct),
                                                 None if mean_ms is None else float(mean_ms))
    return result
