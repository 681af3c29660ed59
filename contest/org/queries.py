"""Read-only views of the tree for dashboards: units with their counts, in one query per list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import Role, User
from contest.collation import name_key, sort_key
from contest.org.models import District, School, SchoolClass


@dataclass(frozen=True)
class UnitCounts:
    id: int
    name: str
    code: str
    schools: int
    classes: int
    pupils: int
    enrolment: int


def _pupils_per(column):
    return select(column.label("unit_id"), func.count(User.id).label("n")).where(User.role == Role.PUPIL).group_by(column).subquery()


async def district_counts(db: AsyncSession, district_ids: list[int]) -> list[UnitCounts]:
    schools = (
        select(School.district_id, func.count(School.id).label("n"), func.sum(School.enrolment).label("enrolment"))
        .group_by(School.district_id).subquery()
    )
    classes = select(School.district_id, func.count(SchoolClass.id).label("n")).join(SchoolClass).group_by(School.district_id).subquery()
    pupils = (
        select(School.district_id, func.count(User.id).label("n"))
        .join(User, User.school_id == School.id).where(User.role == Role.PUPIL).group_by(School.district_id).subquery()
    )
    rows = await db.execute(
        select(District.id, District.name, District.code,
               func.coalesce(schools.c.n, 0), func.coalesce(classes.c.n, 0), func.coalesce(pupils.c.n, 0),
               func.coalesce(schools.c.enrolment, 0))
        .outerjoin(schools, schools.c.district_id == District.id)
        .outerjoin(classes, classes.c.district_id == District.id)
        .outerjoin(pupils, pupils.c.district_id == District.id)
        .where(District.id.in_(district_ids))
    )
    return sorted((UnitCounts(*row) for row in rows), key=lambda unit: sort_key(unit.name))


async def school_counts(db: AsyncSession, school_ids: list[int]) -> list[UnitCounts]:
    classes = select(SchoolClass.school_id, func.count(SchoolClass.id).label("n")).group_by(SchoolClass.school_id).subquery()
    pupils = _pupils_per(User.school_id)
    rows = await db.execute(
        select(School.id, School.name, School.code, 1, func.coalesce(classes.c.n, 0), func.coalesce(pupils.c.n, 0), School.enrolment)
        .outerjoin(classes, classes.c.school_id == School.id)
        .outerjoin(pupils, pupils.c.unit_id == School.id)
        .where(School.id.in_(school_ids))
    )
    return sorted((UnitCounts(*row) for row in rows), key=lambda unit: sort_key(unit.name))


async def class_counts(db: AsyncSession, school_id: int) -> list[tuple[SchoolClass, int]]:
    pupils = _pupils_per(User.class_id)
    rows = await db.execute(
        select(SchoolClass, func.coalesce(pupils.c.n, 0))
        .outerjoin(pupils, pupils.c.unit_id == SchoolClass.id)
        .where(SchoolClass.school_id == school_id)
        .order_by(SchoolClass.grade, SchoolClass.name)
    )
    return [(school_class, n) for school_class, n in rows]


async def pupils_of_class(db: AsyncSession, class_id: int) -> list[User]:
    pupils = await db.scalars(select(User).where(User.class_id == class_id, User.role == Role.PUPIL))
    return sorted(pupils, key=lambda pupil: name_key(pupil.full_name))
