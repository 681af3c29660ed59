"""Per-question statistics, derived from the answers every time (never hand-maintained counters)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.play.models import Answer, AttemptQuestion


@dataclass(frozen=True)
class QuestionStatistics:
    shown: int  # times the question was sent to a pupil in a contest
    answered: int  # answers received in time
    correct_rate: float | None  # share of answers with full credit
    mean_ms: float | None  # mean response time of the answers received in time


async def statistics_of(db: AsyncSession, question_ids: list[int],
                        attempts: Select | None = None) -> dict[int, QuestionStatistics]:
    """Over every attempt, or only those `attempts` selects (a select of attempt ids: one round, one school…)."""
    shown_where = [AttemptQuestion.question_id.in_(question_ids), AttemptQuestion.shown_at.is_not(None)]
    answered_where = [Answer.question_id.in_(question_ids), Answer.timed_out.is_(False)]
    if attempts is not None:
        shown_where.append(AttemptQuestion.attempt_id.in_(attempts))
        answered_where.append(Answer.attempt_id.in_(attempts))
    shown = dict((await db.execute(
        select(AttemptQuestion.question_id, func.count()).where(*shown_where)
        .group_by(AttemptQuestion.question_id))).all())
    answered = {row[0]: row[1:] for row in await db.execute(
        select(Answer.question_id, func.count(), func.avg(func.floor(Answer.credit)), func.avg(Answer.response_ms))
        .where(*answered_where).group_by(Answer.question_id))}
    result = {}
    for question_id in question_ids:
        count, correct, mean_ms = answered.get(question_id, (0, None, None))
        result[question_id] = QuestionStatistics(shown.get(question_id, 0), count,
                                                 None if correct is None else float(correct),
                                                 None if mean_ms is None else float(mean_ms))
    return result
