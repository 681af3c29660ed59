"""Who may play which contest and round, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.contests.models import Contest, Round
from contest.i18n import gettext as _
from contest.org.models import District, School, SchoolClass
from contest.play.models import Attempt
from contest.play.ranks import counted_attempts, key_of


@dataclass(frozen=True)
class PupilPlace:
    """Where a pupil sits in the tree, with everything eligibility and boards need."""

    pupil_id: int
    class_id: int
    grade: int
    school_id: int
    district_id: int
    province_id: int


async def place_of(db: AsyncSession, pupil: CurrentUser) -> PupilPlace:
    row = (await db.execute(
        select(SchoolClass.grade, School.id, District.id, District.province_id)
        .join(School, School.id == SchoolClass.school_id).join(District, District.id == School.district_id)
        .where(SchoolClass.id == pupil.class_id)
    )).one()
    return PupilPlace(pupil.id, pupil.class_id, row[0], row[1], row[2], row[3])


def contests_for(place: PupilPlace):
    """Published contests whose owner is above this pupil and whose narrowing and grades include them."""
    owned = or_(Contest.school_id == place.school_id, Contest.district_id == place.district_id,
                Contest.province_id == place.province_id)
    return select(Contest).where(Contest.published.is_(True), owned).order_by(Contest.opens_at.desc())


def includes(contest: Contest, place: PupilPlace) -> bool:
    owner_ok = (contest.school_id == place.school_id or contest.district_id == place.district_id
                or contest.province_id == place.province_id)
    return (contest.published and owner_ok
            and (not contest.district_ids or place.district_id in contest.district_ids)
            and (not contest.school_ids or place.school_id in contest.school_ids)
            and (not contest.grades or place.grade in contest.grades))


def window_refusal(contest: Contest, now: datetime) -> str | None:
    if now < contest.opens_at:
        return _("This contest has not opened yet.")
    if now >= contest.closes_at:
        return _("This contest has closed.")
    return None


async def qualified_pupils(db: AsyncSession, final: Round) -> set[int]:
    """The pupils a final admits: the top N of its qualifier round per school, district or contest."""
    qualifier = await db.get(Round, final.qualifier_round_id)
    attempts = list(await db.scalars(select(Attempt).where(Attempt.round_id == qualifier.id,
                                                           Attempt.finished_at.is_not(None))))
    groups: dict[int, list[Attempt]] = {}
    for attempt in counted_attempts(attempts, qualifier.counting).values():
        group = {"school": attempt.school_id, "district": attempt.district_id}.get(final.qualify_per, 0)
        groups.setdefault(group, []).append(attempt)
    return {a.pupil_id for group in groups.values() for a in sorted(group, key=key_of)[: final.qualify_top_n]}


async def round_refusal(db: AsyncSession, contest: Contest, round_: Round, place: PupilPlace, now: datetime) -> str | None:
    """Why this pupil may not start this round now; None when they may."""
    if not includes(contest, place):
        return _("This contest is not open to your school or grade.")
    if reason := window_refusal(contest, now):
        return reason
    if round_.qualifier_round_id and place.pupil_id not in await qualified_pupils(db, round_):
        return _("This final is open only to the pupils who qualified in the previous round.")
    return None


def staff_contests_clause(user: CurrentUser):
    """Contests a member of staff manages: those owned at or below their scope."""
    if user.role.value == "teacher":
        return Contest.school_id == user.school_id
    if user.district_id is not None:
        schools = select(School.id).where(School.district_id == user.district_id)
        return or_(Contest.district_id == user.district_id, Contest.school_id.in_(schools))
    if user.province_id is not None:
        districts = select(District.id).where(District.province_id == user.province_id)
        schools = select(School.id).where(School.district_id.in_(districts))
        return or_(Contest.province_id == user.province_id, Contest.district_id.in_(districts),
                   Contest.school_id.in_(schools))
    return and_(false())
