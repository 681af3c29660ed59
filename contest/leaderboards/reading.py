"""Board rows for people: ranks from Redis, names from the database (a primary-key lookup per page).

Pupils are shown by given name and class ("Mai · 6A") unless the contest shows full names.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import User
from contest.contests.models import Contest
from contest.leaderboards.boards import RoundBoards
from contest.org.models import District, School, SchoolClass

SCOPES = ("overall", "district", "school", "class", "schools", "districts")
UNIT_SCOPES = ("district", "school", "class")  # boards of one unit's pupils: need `unit`
MAX_LIMIT = 200


@dataclass(frozen=True)
class Row:
    rank: int
    id: int
    name: str
    unit: str  # pupils: their school; schools: their district
    points: float
    time_ms: int
    played: int | None = None  # unit boards: pupils who played
    enrolled: int | None = None

    @property
    def participation(self) -> float | None:
        if self.played is None or not self.enrolled:
            return None
        return self.played / self.enrolled


def given_name(full_name: str) -> str:
    """The given name is the last word of a Vietnamese full name."""
    parts = full_name.split()
    return parts[-1] if parts else full_name


def public_name(full_name: str, class_name: str, full_names_public: bool = False) -> str:
    """How a pupil appears to the public (boards, projector, API, ceremony, live games): "Mai · 6A" unless
    a contest's organiser turned on full names."""
    return full_name if full_names_public else f"{given_name(full_name)} · {class_name}"


def board_scope(scope: str) -> str:
    return "pupils" if scope == "overall" else scope


async def rows(db: AsyncSession, boards: RoundBoards, contest: Contest, scope: str, unit: int | None,
               offset: int, limit: int) -> tuple[list[Row], int]:
    """One page of a board, and the board's size."""
    key_scope = board_scope(scope)
    entries = await boards.page(key_scope, unit if scope in UNIT_SCOPES else None, offset, min(limit, MAX_LIMIT))
    total = await boards.size(key_scope, unit if scope in UNIT_SCOPES else None)
    ids = [entry.pupil_id for entry in entries]
    if scope == "schools":
        names = {i: (name, district, enrolled) for i, name, district, enrolled in await db.execute(
            select(School.id, School.name, District.name, School.enrolment).join(District).where(School.id.in_(ids)))}
        played = await _played(boards, "school", ids)
        return [Row(e.rank, e.pupil_id, names[e.pupil_id][0], names[e.pupil_id][1], e.points, 0,
                    played[e.pupil_id], names[e.pupil_id][2]) for e in entries if e.pupil_id in names], total
    if scope == "districts":
        names = {i: name for i, name in await db.execute(select(District.id, District.name).where(District.id.in_(ids)))}
        enrolment = await _district_enrolment(db, ids)
        played = await _played(boards, "district", ids)
        return [Row(e.rank, e.pupil_id, names[e.pupil_id], "", e.points, 0, played[e.pupil_id], enrolment.get(e.pupil_id, 0))
                for e in entries if e.pupil_id in names], total
    people = {u.id: (u, class_name, school_name) for u, class_name, school_name in await db.execute(
        select(User, SchoolClass.name, School.name).join(SchoolClass, SchoolClass.id == User.class_id)
        .join(School, School.id == User.school_id).where(User.id.in_(ids)))}
    result = []
    for e in entries:
        if e.pupil_id not in people:
            continue  # a pupil deleted since (their data is gone; the board is rebuilt shortly)
        user, class_name, school_name = people[e.pupil_id]
        result.append(Row(e.rank, e.pupil_id, public_name(user.full_name, class_name, contest.full_names_public), school_name, e.points,
                          e.time_ms))
    return result, total


async def _played(boards: RoundBoards, kind: str, ids: list[int]) -> dict[int, int]:
    async with boards.redis.pipeline(transaction=False) as pipe:
        for unit_id in ids:
            pipe.zcard(boards.key(kind, unit_id))
        counts = await pipe.execute()
    return dict(zip(ids, counts))


async def _district_enrolment(db: AsyncSession, ids: list[int]) -> dict[int, int]:
    return {i: int(n or 0) for i, n in await db.execute(
        select(School.district_id, func.sum(School.enrolment)).where(School.district_id.in_(ids)).group_by(School.district_id))}


@dataclass(frozen=True)
class Rank:
    scope: str  # class | school | district | overall
    position: int
    out_of: int


async def pupil_ranks(boards: RoundBoards, pupil_id: int, class_id: int, school_id: int, district_id: int) -> list[Rank]:
    """A pupil's place in their class, school, district and the whole round, as this board shows it."""
    scopes = (("class", "class", class_id), ("school", "school", school_id), ("district", "district", district_id),
              ("overall", "pupils", None))
    places = await boards.ranks_and_sizes(pupil_id, [(scope, unit) for _label, scope, unit in scopes])
    return [Rank(label, rank, size) for (label, _scope, _unit), (rank, size) in zip(scopes, places) if rank is not None]
