"""Which contests a member of staff may report on, and which slice of its results they see.

A report's scope is the whole contest, a district, a school or a class. Staff see a contest they
manage or one their unit plays in, but only the part of it inside their own scope (teacher: their
school; district organiser: their district; province organiser: all). A unit outside that answers
404, as everywhere (contest/org/scope.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.exceptions import NotFoundException
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.accounts.models import Role
from contest.collation import sort_key
from contest.contests.eligibility import staff_contests_clause
from contest.contests.models import Contest
from contest.i18n import gettext as _
from contest.leaderboards.access import manages
from contest.org.models import District, School, SchoolClass
from contest.org.scope import visible_class, visible_district, visible_school
from contest.play.models import Attempt

KINDS = ("contest", "district", "school", "class")


@dataclass(frozen=True)
class ReportScope:
    kind: str  # one of KINDS
    unit_id: int | None  # None for the whole contest
    name: str

    def where(self, contest: Contest):
        """The attempts this scope covers (where pupils stood when they played)."""
        column = {"district": Attempt.district_id, "school": Attempt.school_id, "class": Attempt.class_id}.get(self.kind)
        return Attempt.contest_id == contest.id if column is None else (Attempt.contest_id == contest.id) & (column == self.unit_id)

    def school_ids(self):
        """A select of the schools this scope covers (a class covers its school), for participation."""
        if self.kind == "district":
            return select(School.id).where(School.district_id == self.unit_id)
        if self.kind == "school":
            return select(School.id).where(School.id == self.unit_id)
        if self.kind == "class":
            return select(SchoolClass.school_id).where(SchoolClass.id == self.unit_id)
        return None

    @property
    def value(self) -> str:
        """As written in URLs and on the command line: "contest", "district:3", "school:12", "class:40"."""
        return self.kind if self.unit_id is None else f"{self.kind}:{self.unit_id}"


def parse_scope(value: str | None) -> tuple[str, int | None]:
    """("school", 12) from "school:12"; the whole contest for anything else."""
    kind, _sep, unit = (value or "").partition(":")
    if kind in KINDS[1:] and unit.isdigit():
        return kind, int(unit)
    return "contest", None


async def _province_and_district_of(db: AsyncSession, user: CurrentUser) -> tuple[int | None, int | None]:
    district_id = user.district_id
    if district_id is None and user.school_id is not None:
        district_id = await db.scalar(select(School.district_id).where(School.id == user.school_id))
    province_id = user.province_id
    if province_id is None and district_id is not None:
        province_id = await db.scalar(select(District.province_id).where(District.id == district_id))
    return province_id, district_id


async def reportable_contest(db: AsyncSession, user: CurrentUser, contest_id: int) -> Contest:
    """The contest, if this member of staff manages it or their unit plays in it; else 404."""
    contest = await db.get(Contest, contest_id)
    if contest is None:
        raise NotFoundException()
    if await manages(db, user, contest):
        return contest
    province_id, district_id = await _province_and_district_of(db, user)
    above = (contest.province_id is not None and contest.province_id == province_id) or (
        contest.district_id is not None and contest.district_id == district_id)
    if not above:
        raise NotFoundException()
    return contest


def reportable_contests_query(user: CurrentUser, province_id: int | None, district_id: int | None):
    """Contests listed on the reports page: the same rule as reportable_contest, as one query."""
    clauses = [staff_contests_clause(user)]
    if province_id is not None:
        clauses.append(Contest.province_id == province_id)
    if district_id is not None:
        clauses.append(Contest.district_id == district_id)
    return select(Contest).where(or_(*clauses)).order_by(Contest.opens_at.desc())


async def reportable_contests(db: AsyncSession, user: CurrentUser) -> list[Contest]:
    province_id, district_id = await _province_and_district_of(db, user)
    return list(await db.scalars(reportable_contests_query(user, province_id, district_id)))


async def _own_scope(db: AsyncSession, user: CurrentUser) -> ReportScope:
    """The widest scope a user may see of any contest."""
    if user.role is Role.ORGANISER and user.district_id is None:
        return ReportScope("contest", None, _("All participants"))
    if user.role is Role.ORGANISER:
        return ReportScope("district", user.district_id, (await visible_district(db, user, user.district_id)).name)
    return ReportScope("school", user.school_id, (await visible_school(db, user, user.school_id)).name)


async def scope_for(db: AsyncSession, user: CurrentUser | None, value: str | None) -> ReportScope:
    """The scope asked for ("school:12"), checked against the user's own (None: the command line, which
    sees everything). Asking for the whole contest gives the user's own widest scope; a unit outside
    it answers 404 (LookupError on the command line when it does not exist)."""
    kind, unit = parse_scope(value)
    if kind == "contest":
        return ReportScope("contest", None, _("All participants")) if user is None else await _own_scope(db, user)
    if user is None:
        return await _unit_scope(db, kind, unit)
    if kind == "district":
        if user.role is not Role.ORGANISER:
            raise NotFoundException()
        return ReportScope(kind, unit, (await visible_district(db, user, unit)).name)
    if kind == "school":
        return ReportScope(kind, unit, (await visible_school(db, user, unit)).name)
    school_class = await visible_class(db, user, unit)
    school = await db.get(School, school_class.school_id)
    return ReportScope(kind, unit, f"{school_class.name} · {school.name}")


async def _unit_scope(db: AsyncSession, kind: str, unit: int) -> ReportScope:
    model = {"district": District, "school": School, "class": SchoolClass}[kind]
    found = await db.get(model, unit)
    if found is None:
        raise LookupError(f"no {kind} {unit}")
    return ReportScope(kind, unit, found.name)


async def scope_choices(db: AsyncSession, user: CurrentUser) -> list[ReportScope]:
    """Every scope the user may pick: their own, then the districts, schools and classes inside it."""
    own = await _own_scope(db, user)
    choices = [own]
    if own.kind == "contest":
        districts = await db.scalars(select(District).where(District.province_id == user.province_id))
        choices += [ReportScope("district", d.id, d.name) for d in sorted(districts, key=lambda d: sort_key(d.name))]
    schools_where = {"contest": District.province_id == user.province_id, "district": School.district_id == own.unit_id,
                     "school": School.id == own.unit_id}[own.kind]
    schools = sorted(await db.scalars(select(School).join(District).where(schools_where)), key=lambda s: sort_key(s.name))
    if own.kind != "school":
        choices += [ReportScope("school", s.id, s.name) for s in schools]
    names = {s.id: s.name for s in schools}
    if len(schools) <= 1:  # one school: its classes too (a province's thousands of classes would not fit a menu)
        choices += [ReportScope("class", c.id, f"{c.name} · {names[c.school_id]}") for c in await db.scalars(
            select(SchoolClass).where(SchoolClass.school_id.in_(names)).order_by(SchoolClass.grade, SchoolClass.name))]
    return choices
