"""A pupil's progress, derived from their answers every time it is shown (docs/gamification.md).

Nothing here is a running total: XP, levels, badges, personal bests and the streak are functions of
the contest answers (contest/play/models.py), the practice answers (contest/progress/models.py) and
the attempts, so they can never drift from what the pupil actually did. The rules are the pure
functions at the top (`xp_from`, `level_of`, `badge_progress`, `streak_from`); the queries feed them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.contests.models import Contest, Round
from contest.db import utcnow
from contest.i18n import TIMEZONE, lazy
from contest.play.models import Answer, Attempt
from contest.play.scoring import ranking_key
from contest.progress.models import PracticeAnswer
from questions.models import Question

# XP per unit of credit: a fully right contest answer earns 10, a fully right practice answer 5.
CONTEST_XP = 10
PRACTICE_XP = 5
FULL_CREDIT = 1 - 1e-9  # credit is a float; "fully right" is credit 1


def xp_from(contest_credit: float, practice_credit: float) -> int:
    """XP for these credit totals, rounded down: (1 + 1 + 0.5) in contests and 3 in practice give 25 + 15 = 40."""
    return math.floor(CONTEST_XP * contest_credit + PRACTICE_XP * practice_credit + 1e-6)


def level_threshold(level: int) -> int:
    """XP that level `level` needs: 100·n·(n−1)/2, so 0, 100, 300, 600, 1000, 1500… for levels 1, 2, 3, 4, 5, 6…"""
    return 50 * level * (level - 1)


@dataclass(frozen=True)
class Level:
    number: int
    xp: int
    floor: int  # XP where this level began
    ceiling: int  # XP where the next one begins

    @property
    def gained(self) -> int:
        """XP earned inside this level."""
        return self.xp - self.floor

    @property
    def span(self) -> int:
        """XP this level spans (100·n for level n)."""
        return self.ceiling - self.floor


def level_of(xp: int) -> Level:
    number = 1
    while level_threshold(number + 1) <= xp:
        number += 1
    return Level(number, xp, level_threshold(number), level_threshold(number + 1))


@dataclass(frozen=True)
class Badge:
    code: str
    name: str  # English msgid; shown through gettext
    area: str  # a competence ("4.2") or a whole domain ("4")
    needed: int  # fully right answers (contest or practice) on questions of the area

    def covers(self, competence: str) -> bool:
        return competence == self.area or competence.startswith(self.area + ".")


SKILL_RIGHTS = 10
DOMAIN_RIGHTS = 15
BADGES = (
    Badge("phishing-spotter", lazy("Phishing spotter"), "4.2", SKILL_RIGHTS),
    Badge("device-defender", lazy("Device defender"), "4.1", SKILL_RIGHTS),
    Badge("fact-checker", lazy("Fact checker"), "1.2", SKILL_RIGHTS),
    Badge("ai-critic", lazy("AI critic"), "6.2", SKILL_RIGHTS),
    Badge("domain-1", lazy("Data explorer"), "1", DOMAIN_RIGHTS),
    Badge("domain-2", lazy("Team player"), "2", DOMAIN_RIGHTS),
    Badge("domain-3", lazy("Content creator"), "3", DOMAIN_RIGHTS),
    Badge("domain-4", lazy("Safety guard"), "4", DOMAIN_RIGHTS),
    Badge("domain-5", lazy("Problem solver"), "5", DOMAIN_RIGHTS),
    Badge("domain-6", lazy("AI navigator"), "6", DOMAIN_RIGHTS),
)


@dataclass(frozen=True)
class BadgeProgress:
    badge: Badge
    count: int

    @property
    def earned(self) -> bool:
        return self.count >= self.badge.needed

    @property
    def is_domain(self) -> bool:
        return "." not in self.badge.area


def badge_progress(right_competences: Iterable[Iterable[str]]) -> list[BadgeProgress]:
    """Badges from the competences of each fully right answer (contest or practice), one entry per answer."""
    answers = [set(codes) for codes in right_competences]
    return [BadgeProgress(badge, sum(1 for codes in answers if any(badge.covers(c) for c in codes)))
            for badge in BADGES]


def streak_from(days: set[date], today: date) -> int:
    """Consecutive days with an answer, ending today or (not yet broken) yesterday; 0 otherwise."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def local_day(moment: datetime) -> date:
    return moment.astimezone(TIMEZONE).date()


# The queries.


def _contest_answers(pupil_id: int):
    return select(Answer).join(Attempt, Attempt.id == Answer.attempt_id).where(Attempt.pupil_id == pupil_id)


async def xp_of(db: AsyncSession, pupil_id: int) -> int:
    contest = await db.scalar(_contest_answers(pupil_id).with_only_columns(func.coalesce(func.sum(Answer.credit), 0.0)))
    practice = await db.scalar(select(func.coalesce(func.sum(PracticeAnswer.credit), 0.0))
                               .where(PracticeAnswer.pupil_id == pupil_id))
    return xp_from(float(contest), float(practice))


async def badges_of(db: AsyncSession, pupil_id: int) -> list[BadgeProgress]:
    in_contests = await db.scalars(_contest_answers(pupil_id).join(Question, Question.id == Answer.question_id)
                                   .where(Answer.credit >= FULL_CREDIT).with_only_columns(Question.competences))
    in_practice = await db.scalars(select(Question.competences).join(PracticeAnswer, PracticeAnswer.question_id == Question.id)
                                   .where(PracticeAnswer.pupil_id == pupil_id, PracticeAnswer.credit >= FULL_CREDIT))
    return badge_progress([code for code in competences.split(",") if code]
                          for competences in [*in_contests, *in_practice])


@dataclass(frozen=True)
class Best:
    """The pupil's best finished attempt at one round."""

    contest: Contest
    round: Round
    attempt: Attempt
    attempts: int  # finished attempts at this round


async def bests_of(db: AsyncSession, pupil_id: int) -> list[Best]:
    rows = (await db.execute(
        select(Attempt, Round, Contest).join(Round, Round.id == Attempt.round_id).join(Contest, Contest.id == Attempt.contest_id)
        .where(Attempt.pupil_id == pupil_id, Attempt.finished_at.is_not(None))
        .order_by(Contest.opens_at.desc(), Contest.id, Round.position)
    )).all()
    by_round: dict[int, list] = {}
    for attempt, round_, contest in rows:
        by_round.setdefault(round_.id, []).append((attempt, round_, contest))
    bests = []
    for group in by_round.values():  # insertion order: newest contest first, rounds in order
        attempt, round_, contest = min(group, key=lambda row: ranking_key(row[0].score, row[0].time_ms,
                                                                          row[0].finished_at, row[0].started_at))
        bests.append(Best(contest, round_, attempt, len(group)))
    return bests


async def answer_days(db: AsyncSession, pupil_id: int) -> set[date]:
    """Local days (Asia/Ho_Chi_Minh) on which the pupil answered something. A question the server
    recorded as timed out while the pupil was away is not an answer of theirs."""
    contest = await db.scalars(_contest_answers(pupil_id).where(Answer.timed_out.is_(False))
                               .with_only_columns(Answer.received_at))
    practice = await db.scalars(select(PracticeAnswer.answered_at).where(PracticeAnswer.pupil_id == pupil_id))
    return {local_day(moment) for moment in [*contest, *practice]}


@dataclass(frozen=True)
class Streak:
    days: int
    today: bool  # already answered today (else the streak ends yesterday and needs an answer today)


async def streak_of(db: AsyncSession, pupil_id: int, now: datetime | None = None) -> Streak:
    days = await answer_days(db, pupil_id)
    today = local_day(now or utcnow())
    return Streak(streak_from(days, today), today in days)


@dataclass(frozen=True)
class Progress:
    xp: int
    level: Level
    badges: list[BadgeProgress]
    bests: list[Best]
    streak: Streak


async def progress_of(db: AsyncSession, pupil_id: int, now: datetime | None = None) -> Progress:
    xp = await xp_of(db, pupil_id)
    return Progress(xp, level_of(xp), await badges_of(db, pupil_id), await bests_of(db, pupil_id),
                    await streak_of(db, pupil_id, now))
