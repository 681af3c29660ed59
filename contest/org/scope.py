"""What each account may see of the organisation tree.

A province organiser sees every district of the province, a district organiser one district, a
teacher one school, a pupil their own class. Objects outside a user's scope answer 404, as if they
did not exist, so scopes leak nothing about their neighbours.
"""

from __future__ import annotations

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.accounts.models import Role
from contest.org.models import District, School, SchoolClass


def districts_query(user: CurrentUser) -> Select[tuple[District]]:
    query = select(District).order_by(District.name)
    if user.role is not Role.ORGANISER:
        raise PermissionDeniedException()
    if user.district_id is not None:
        return query.where(District.id == user.district_id)
    return query.where(District.province_id == user.province_id)


def schools_query(user: CurrentUser) -> Select[tuple[School]]:
    query = select(School).order_by(School.name)
    if user.role is Role.ORGANISER:
        if user.district_id is not None:
            return query.where(School.district_id == user.district_id)
        return query.join(District).where(District.province_id == user.province_id)
    if user.school_id is None:
        raise PermissionDeniedException()
    return query.where(School.id == user.school_id)


async def visible_district(db: AsyncSession, user: CurrentUser, district_id: int) -> District:
    district = await db.scalar(districts_query(user).where(District.id == district_id))
    if district is None:
        raise NotFoundException()
    return district


async def visible_school(db: AsyncSession, user: CurrentUser, school_id: int) -> School:
    if user.role is Role.PUPIL:
        raise PermissionDeniedException()
    school = await db.scalar(schools_query(user).where(School.id == school_id))
    if school is None:
        raise NotFoundException()
    return school


async def visible_class(db: AsyncSession, user: CurrentUser, class_id: int) -> SchoolClass:
    school_class = await db.get(SchoolClass, class_id)
    if school_class is None:
        raise NotFoundException()
    await visible_school(db, user, school_class.school_id)
    return school_class
