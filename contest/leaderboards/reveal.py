"""The award ceremony's reveal, in the manner of the ICPC Resolver.

It starts from the frozen board. Each step takes the lowest-placed pupil whose result changed after
the freeze and gives them their final result, so they climb to their true place; when no change is
left, the awards follow (third, second and first place, the best school of each district, the best
district). The plan is computed from the frozen and the live boards of the contest's first round,
so it always ends at the true final board.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import User
from contest.contests.models import Contest, Round
from contest.i18n import gettext as _, ngettext
from contest.leaderboards.boards import RoundBoards
from contest.leaderboards.encoding import decode_score, pupil_of
from contest.leaderboards.reading import public_name
from contest.org.models import District, School, SchoolClass

CONSIDERED = 30  # pupils near the top of either board take part in the reveal
SHOWN = 10


@dataclass(frozen=True)
class Line:
    rank: int
    pupil_id: int
    name: str
    points: int


@dataclass(frozen=True)
class Step:
    board: tuple[Line, ...]
    moved: int | None = None  # the pupil who just received their final result
    citation: str | None = None  # an award being announced


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)

    def step(self, number: int) -> Step:
        return self.steps[min(number, len(self.steps) - 1)]


async def _top(redis: Redis, key: str) -> dict[int, tuple[float, bytes]]:
    rows = await redis.zrevrange(key, 0, CONSIDERED - 1, withscores=True)
    return {pupil_of(member): (score, member) for member, score in rows}


async def _names(db: AsyncSession, contest: Contest, pupil_ids: set[int]) -> dict[int, str]:
    rows = await db.execute(select(User.id, User.full_name, SchoolClass.name).join(SchoolClass, SchoolClass.id == User.class_id)
                            .where(User.id.in_(pupil_ids)))
    return {i: public_name(full, class_name, contest.full_names_public) for i, full, class_name in rows}


def _board(state: dict[int, tuple[float, bytes]], names: dict[int, str]) -> tuple[Line, ...]:
    ordered = sorted(state.items(), key=lambda item: (item[1][0], item[1][1]), reverse=True)[:SHOWN]
    return tuple(Line(n, pupil, names.get(pupil, "?"), decode_score(score)[0]) for n, (pupil, (score, _m)) in
                 enumerate(ordered, start=1))


async def plan(db: AsyncSession, redis: Redis, contest: Contest) -> Plan:
    round_ = await db.scalar(select(Round).where(Round.contest_id == contest.id).order_by(Round.position).limit(1))
    if round_ is None:
        return Plan([Step(())])
    live, frozen = RoundBoards(redis, contest.id, round_.id), RoundBoards(redis, contest.id, round_.id, frozen=True)
    final = await _top(redis, live.key("pupils"))
    state = await _top(redis, frozen.key("pupils"))
    for pupil in set(final) - set(state):  # climbed into view after the freeze: starts where it stood
        member = await redis.hget(frozen.key("members"), pupil)
        score = await redis.zscore(frozen.key("pupils"), member) if member else None
        state[pupil] = (score or 0.0, member or b"")
    names = await _names(db, contest, set(state) | set(final))
    steps = [Step(_board(state, names))]
    pending = {pupil for pupil in set(state) | set(final) if final.get(pupil) != state.get(pupil) and pupil in final}
    while pending:
        ordered = sorted(state.items(), key=lambda item: (item[1][0], item[1][1]))  # lowest first
        pupil = next(p for p, _v in ordered if p in pending)
        state[pupil] = final[pupil]
        pending.discard(pupil)
        steps.append(Step(_board(state, names), moved=pupil))
    steps += await _awards(db, redis, live, _board(state, names))
    return Plan(steps)


async def _awards(db: AsyncSession, redis: Redis, live: RoundBoards, board: tuple[Line, ...]) -> list[Step]:
    steps = []
    for line in reversed(board[:3]):
        steps.append(Step(board, citation=ngettext("Place %(rank)d: %(name)s, %(num)d point",
                                                   "Place %(rank)d: %(name)s, %(num)d points", line.points,
                                                   rank=line.rank, name=line.name)))
    schools = [int(m) for m in await redis.zrevrange(live.key("schools"), 0, -1)]
    if schools:
        info = {i: (name, district_id, district) for i, name, district_id, district in await db.execute(
            select(School.id, School.name, District.id, District.name).join(District).where(School.id.in_(schools)))}
        seen: set[int] = set()
        for school_id in schools:  # best first, so the first school met in each district is its best
            name, district_id, district = info[school_id]
            if district_id not in seen:
                seen.add(district_id)
                steps.append(Step(board, citation=_("Best school of %(district)s: %(school)s", district=district, school=name)))
    best_district = await redis.zrevrange(live.key("districts"), 0, 0)
    if best_district:
        name = await db.scalar(select(District.name).where(District.id == int(best_district[0])))
        steps.append(Step(board, citation=_("Best district: %(district)s", district=name)))
    return steps
