"""Competence profiles: mastery per domain and competence of a unit, beside its district and the whole contest.

Mastery is the mean credit (0..1) of the answers to questions tagged with that domain or competence,
a timed-out answer counting 0. A question tagged with two competences counts for both. Sums are
taken in the database, grouped by the questions' tag lists, so a province's answers never travel.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.contests.models import Contest
from contest.i18n import gettext as _
from contest.org.models import District, School, SchoolClass
from contest.play.models import Answer, Attempt
from contest.reports.access import ReportScope
from contest.reports.results import ResultRow
from questions.models import Question


@dataclass(frozen=True)
class Mastery:
    code: str  # "4" for a domain, "4.2" for a competence
    values: tuple[float | None, ...]  # one per level, in Profile.levels order


@dataclass(frozen=True)
class Profile:
    levels: tuple[str, ...]  # the scope, then the wider units it is compared with
    domains: tuple[Mastery, ...]
    competences: tuple[Mastery, ...]


async def _levels(db: AsyncSession, contest: Contest, scope: ReportScope) -> list[tuple[str, ReportScope]]:
    """The scope and the wider units it is compared with: its school and district, then the whole contest."""
    levels = [(scope.name, scope)]
    if scope.kind == "class":
        school = await db.scalar(select(School).join(SchoolClass).where(SchoolClass.id == scope.unit_id))
        levels.append((school.name, ReportScope("school", school.id, school.name)))
        district = await db.get(District, school.district_id)
        levels.append((district.name, ReportScope("district", district.id, district.name)))
    elif scope.kind == "school":
        district = await db.scalar(select(District).join(School).where(School.id == scope.unit_id))
        levels.append((district.name, ReportScope("district", district.id, district.name)))
    if scope.kind != "contest":
        levels.append((_("All participants"), ReportScope("contest", None, _("All participants"))))
    return levels


async def _sums(db: AsyncSession, contest: Contest, scope: ReportScope) -> dict[str, tuple[float, int]]:
    """Credit and answers per domain and per competence."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for competences, credit, count in await db.execute(
            select(Question.competences, func.sum(Answer.credit), func.count()).join(Question, Question.id == Answer.question_id)
            .join(Attempt, Attempt.id == Answer.attempt_id).where(scope.where(contest)).group_by(Question.competences)):
        codes = [code for code in competences.split(",") if code]
        for code in {*codes, *(code.split(".")[0] for code in codes)}:
            totals[code][0] += float(credit or 0)
            totals[code][1] += count
    return {code: (credit, count) for code, (credit, count) in totals.items()}


def _code_order(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split("."))


async def profile_of(db: AsyncSession, contest: Contest, scope: ReportScope) -> Profile:
    levels = await _levels(db, contest, scope)
    sums = [await _sums(db, contest, level) for _name, level in levels]
    codes = sorted({code for level in sums for code in level}, key=_code_order)
    rows = [Mastery(code, tuple(level[code][0] / level[code][1] if code in level and level[code][1] else None
                                for level in sums)) for code in codes]
    return Profile(tuple(name for name, _level in levels), tuple(r for r in rows if "." not in r.code),
                   tuple(r for r in rows if "." in r.code))


def score_distribution(rows: list[ResultRow], buckets: int = 10) -> list[int]:
    """Pupils per band of right answers (0–10 %, 10–20 %, …, 90–100 %); 100 % falls in the last band."""
    counts = [0] * buckets
    for row in rows:
        counts[min(int(row.correct_share * buckets), buckets - 1)] += 1
    return counts
