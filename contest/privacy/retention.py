"""The retention purge: personal data of contests closed longer than the retention period goes,
anonymous statistics stay.

For each such contest, once: count the answers per question and the results per school (the
attempts that counted, best or last as each round says), keep those counts, then delete every
attempt with its questions and answers, and the pupils' certificates (schools keep theirs), and
drop the contest's boards from Redis. Practice answers
older than the period go too. `hoithi privacy purge` runs it; so does every app instance, a few
times a day (running it twice, or on two instances at once, purges nothing twice).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contest.contests.models import Contest, Round
from contest.db import utcnow
from contest.play.models import Answer, Attempt
from contest.play.ranks import counted_attempts
from contest.privacy.models import ContestPurge, QuestionStatistic, SchoolStatistic
from contest.progress.models import PracticeAnswer
from contest.reports.models import Certificate

PURGE_EVERY_SECONDS = 6 * 3600
FIRST_PURGE_AFTER_SECONDS = 60  # not while a starting instance is busy rebuilding boards
logger = logging.getLogger("hoithi.privacy")


@dataclass(frozen=True)
class PurgeReport:
    contests: list[int]
    attempts: int
    practice_answers: int


async def purge_expired(db: AsyncSession, redis: Redis, retention_days: int, now: datetime | None = None) -> PurgeReport:
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    due = list(await db.scalars(select(Contest).where(Contest.closes_at < cutoff,
                                                       Contest.id.not_in(select(ContestPurge.contest_id)))
                                .order_by(Contest.id)))
    purged, attempts = [], 0
    for contest in due:
        try:
            attempts += await _purge_contest(db, contest)
        except IntegrityError:  # another instance purged it at the same moment
            await db.rollback()
            continue
        purged.append(contest.id)
        await _drop_boards(redis, contest.id)
    old_practice = PracticeAnswer.answered_at < cutoff
    practice = await db.scalar(select(func.count(PracticeAnswer.id)).where(old_practice))
    if practice:  # look before deleting: an empty DELETE still takes SQLite's write lock
        await db.execute(delete(PracticeAnswer).where(old_practice))
        await db.commit()
    return PurgeReport(purged, attempts, practice)


async def _purge_contest(db: AsyncSession, contest: Contest) -> int:
    """Keep the anonymous counts and delete the attempts, in one transaction."""
    purge = ContestPurge(contest_id=contest.id)
    db.add(purge)
    await db.flush()  # claims the contest first: a second purger fails here, before deleting anything
    answers = await db.execute(
        select(Attempt.round_id, Answer.question_id, func.count(Answer.id),
               func.sum(case((Answer.credit >= 1, 1), else_=0)), func.sum(Answer.credit))
        .join(Attempt, Attempt.id == Answer.attempt_id).where(Attempt.contest_id == contest.id)
        .group_by(Attempt.round_id, Answer.question_id))
    db.add_all(QuestionStatistic(contest_id=contest.id, round_id=round_id, question_id=question_id, answers=count,
                                 fully_right=int(right or 0), credit_total=float(credit or 0))
               for round_id, question_id, count, right, credit in answers)
    attempts = list(await db.scalars(select(Attempt).where(Attempt.contest_id == contest.id)))
    rounds = {round_.id: round_ for round_ in await db.scalars(select(Round).where(Round.contest_id == contest.id))}
    by_round: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        by_round[attempt.round_id].append(attempt)
    for round_id, round_attempts in by_round.items():
        schools: dict[int, list[Attempt]] = defaultdict(list)
        for attempt in counted_attempts(round_attempts, rounds[round_id].counting).values():
            schools[attempt.school_id].append(attempt)
        db.add_all(SchoolStatistic(contest_id=contest.id, round_id=round_id, school_id=school_id, pupils=len(counted),
                                   finished=sum(a.finished_at is not None for a in counted),
                                   points_total=sum(a.score for a in counted), best_points=max(a.score for a in counted))
                   for school_id, counted in schools.items())
    await db.execute(delete(Attempt).where(Attempt.contest_id == contest.id))  # cascades to questions and answers
    await db.execute(delete(Certificate).where(Certificate.contest_id == contest.id, Certificate.pupil_id.is_not(None)))
    purge.attempts_removed = len(attempts)
    await db.commit()
    return len(attempts)


async def _drop_boards(redis: Redis, contest_id: int) -> None:
    keys = [key async for key in redis.scan_iter(match=f"lb:{{c{contest_id}}}:*", count=1000)]
    if keys:
        await redis.delete(*keys)


async def keep_purging(sessionmaker, redis: Redis, retention_days: int) -> None:
    """The app's own schedule: soon after start-up, then every few hours (no cron needed)."""
    if not retention_days:
        return  # HOITHI_RETENTION_DAYS=0: data is kept until a teacher deletes it
    await asyncio.sleep(FIRST_PURGE_AFTER_SECONDS)
    while True:
        try:
            async with sessionmaker() as db:
                report = await purge_expired(db, redis, retention_days)
            if report.contests or report.practice_answers:
                logger.info("retention purge: contests %s, %d attempts, %d practice answers",
                            report.contests, report.attempts, report.practice_answers)
        except Exception:  # a database hiccup must not end the loop; the next round catches up
            logger.exception("the retention purge failed")
        await asyncio.sleep(PURGE_EVERY_SECONDS)
