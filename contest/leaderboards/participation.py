"""Participation during and after the window: pupils who started and finished, against enrolment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.collation import sort_key
from contest.contests.models import Contest
from contest.org.models import District, School
from contest.play.models import Attempt


@dataclass(frozen=True)
class Participation:
    id: int
    name: str
    district: str
    started: int
    finished: int
    enrolled: int

    @property
    def rate(self) -> float | None:
        return self.started / self.enrolled if self.enrolled else None


async def by_school(db: AsyncSession, contest: Contest) -> list[Participation]:
    started = select(Attempt.school_id, func.count(distinct(Attempt.pupil_id)).label("n")).where(
        Attempt.contest_id == contest.id).group_by(Attempt.school_id).subquery()
    finished = select(Attempt.school_id, func.count(distinct(Attempt.pupil_id)).label("n")).where(
        Attempt.contest_id == contest.id, Attempt.finished_at.is_not(None)).group_by(Attempt.school_id).subquery()
    query = (select(School.id, School.name, District.name, func.coalesce(started.c.n, 0), func.coalesce(finished.c.n, 0),
                    School.enrolment)
             .join(District).outerjoin(started, started.c.school_id == School.id)
             .outerjoin(finished, finished.c.school_id == School.id))
    if contest.school_ids:
        query = query.where(School.id.in_(contest.school_ids))
    elif contest.district_ids:
        query = query.where(School.district_id.in_(contest.district_ids))
    elif contest.district_id:
        query = query.where(School.district_id == contest.district_id)
    elif contest.school_id:
        query = query.where(School.id == contest.school_id)
    else:
        query = query.where(District.province_id == contest.province_id)
    schools = [Participation(*row) for row in await db.execute(query)]
    return sorted(schools, key=lambda school: (sort_key(school.district), sort_key(school.name)))


def by_district(schools: list[Participation]) -> list[Participation]:
    totals: dict[str, list[int]] = {}
    for school in schools:
        started, finished, enrolled = totals.setdefault(school.district, [0, 0, 0])
        totals[school.district] = [started + school.started, finished + school.finished, enrolled + school.enrolled]
    ordered = sorted(totals.items(), key=lambda item: sort_key(item[0]))
    return [Participation(0, name, name, *values) for name, values in ordered]
