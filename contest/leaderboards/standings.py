"""From the database to the boards: each pupil's standing, written after every answer and rebuilt in bulk.

The database is the record; Redis holds what these functions derive from it. A pupil's standing in a
round is their counted attempt (best or last, as the round says; an attempt in progress counts with
its running totals), so the incremental writes and a full rebuild agree entry by entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.contests.models import Contest, Round
from contest.leaderboards.boards import Place, RoundBoards
from contest.leaderboards.encoding import Standing, encode_member, encode_score
from contest.org.models import District, School
from contest.play.models import Answer, Attempt
from contest.play.ranks import counted_attempts

CHUNK = 5_000  # members per bulk command in a rebuild


def standing_of(attempt: Attempt) -> Standing:
    return Standing(attempt.pupil_id, attempt.score, attempt.time_ms, attempt.finished_at, attempt.started_at)


def place_of_attempt(attempt: Attempt) -> Place:
    return Place(attempt.class_id, attempt.school_id, attempt.district_id)


async def write_after_answer(db: AsyncSession, redis: Redis, attempt: Attempt, round_: Round, contest: Contest) -> None:
    """Called after an answer is committed: one Redis round trip with the pupil's absolute standing."""
    counted = attempt
    if round_.attempts_allowed > 1:
        others = list(await db.scalars(select(Attempt).where(Attempt.round_id == round_.id,
                                                             Attempt.pupil_id == attempt.pupil_id)))
        counted = counted_attempts(others, round_.counting)[attempt.pupil_id]
    boards = RoundBoards(redis, contest.id, round_.id)
    if not await boards.write(standing_of(counted), place_of_attempt(counted), contest.unit_ranking.value,
                              contest.unit_top_n):
        await rebuild_contest(db, redis, contest.id)  # the answer is committed, so the rebuild includes it


class BoardUpdater:
    """The answer listener: writes the standing, tells screens, and heals boards that missed writes.

    When Redis is away the answer is still saved (the database is the record); the contest is noted
    as stale here and rebuilt from the database at its next answer, once Redis is back."""

    def __init__(self, redis: Redis, on_change: Callable[[int], None]) -> None:
        self.redis = redis
        self.on_change = on_change
        self.stale: set[int] = set()

    async def __call__(self, db: AsyncSession, attempt: Attempt, round_: Round, contest: Contest) -> None:
        try:
            if contest.id in self.stale:
                await rebuild_contest(db, self.redis, contest.id)
                self.stale.discard(contest.id)
            else:
                await write_after_answer(db, self.redis, attempt, round_, contest)
        except RedisError:
            self.stale.add(contest.id)
            raise
        self.on_change(contest.id)


async def _enrolment(db: AsyncSession) -> dict[str, int]:
    schools = await db.execute(select(School.id, School.enrolment))
    districts = await db.execute(select(School.district_id, func.sum(School.enrolment)).group_by(School.district_id))
    return {f"school:{i}": n for i, n in schools} | {f"district:{i}": int(n or 0) for i, n in districts}


async def _attempts_until(db: AsyncSession, round_id: int, cutoff: datetime | None) -> list[Attempt]:
    """The round's attempts as they stood at `cutoff` (now, when None): totals from the answers before it."""
    attempts = list(await db.scalars(select(Attempt).where(Attempt.round_id == round_id)))
    if cutoff is None:
        return attempts
    totals = {attempt_id: (int(points or 0), int(time_ms or 0)) for attempt_id, points, time_ms in await db.execute(
        select(Answer.attempt_id, func.sum(Answer.points), func.sum(Answer.response_ms))
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.round_id == round_id, Answer.received_at <= cutoff).group_by(Answer.attempt_id))}
    before = []
    for attempt in attempts:
        if attempt.started_at > cutoff:
            continue
        points, time_ms = totals.get(attempt.id, (0, 0))
        db.expunge(attempt)  # a snapshot for the frozen board only; never written back
        attempt.score, attempt.time_ms = points, time_ms
        if attempt.finished_at and attempt.finished_at > cutoff:
            attempt.finished_at = None
        before.append(attempt)
    return before


async def rebuild_round(db: AsyncSession, redis: Redis, contest: Contest, round_: Round, *,
                        cutoff: datetime | None = None) -> int:
    """Recompute every board of a round from the database (the frozen copy when `cutoff` is given)."""
    boards = RoundBoards(redis, contest.id, round_.id, frozen=cutoff is not None)
    old = [key async for key in redis.scan_iter(match=f"{boards.prefix}:*", count=1000)]
    if cutoff is None:
        old = [key for key in old if b":frozen" not in key]
    for start in range(0, len(old), CHUNK):
        await redis.delete(*old[start:start + CHUNK])
    enrolment = await _enrolment(db)
    await redis.hset(boards.enrolment, mapping=enrolment or {"none": 0})  # its existence says "built"

    counted = counted_attempts(await _attempts_until(db, round_.id, cutoff), round_.counting)
    sets: dict[str, dict[str, int]] = defaultdict(dict)
    members, points = {}, {}
    for attempt in counted.values():
        place = place_of_attempt(attempt)
        member = encode_member(standing_of(attempt))
        score = encode_score(attempt.score, attempt.time_ms)
        for key in (boards.key("pupils"), boards.key("district", place.district_id),
                    boards.key("school", place.school_id), boards.key("class", place.class_id)):
            sets[key][member] = score
        members[attempt.pupil_id], points[attempt.pupil_id] = member, attempt.score
    async with redis.pipeline(transaction=False) as pipe:
        for key, entries in sets.items():
            items = list(entries.items())
            for start in range(0, len(items), CHUNK):
                pipe.zadd(key, dict(items[start:start + CHUNK]))
        for mapping_key, mapping in ((boards.key("members"), members), (boards.key("points"), points)):
            items = list(mapping.items())
            for start in range(0, len(items), CHUNK):
                pipe.hset(mapping_key, mapping=dict(items[start:start + CHUNK]))
        await pipe.execute()
    rule, top_n = contest.unit_ranking.value, contest.unit_top_n
    for kind, unit_ids in (("school", {a.school_id for a in counted.values()}),
                           ("district", {a.district_id for a in counted.values()})):
        for unit_id in sorted(unit_ids):
            await boards.recompute_unit(kind, unit_id, rule, top_n)
    return len(counted)


async def rebuild_contest(db: AsyncSession, redis: Redis, contest_id: int) -> int:
    """`hoithi leaderboard rebuild`: every round of a contest, live boards (and the frozen ones if frozen)."""
    contest = await db.get(Contest, contest_id)
    if contest is None:
        raise LookupError(f"no contest {contest_id}")
    rounds = list(await db.scalars(select(Round).where(Round.contest_id == contest.id)))
    total = 0
    for round_ in rounds:
        total += await rebuild_round(db, redis, contest, round_)
        if contest.frozen_at is not None:
            await rebuild_round(db, redis, contest, round_, cutoff=contest.frozen_at)
    return total


async def rebuild_missing_boards(app) -> None:
    """At start-up: rebuild the boards of every published contest whose keys Redis does not have."""
    redis = app.state.redis
    async with app.state.sessionmaker() as db:
        for contest_id in await db.scalars(select(Contest.id).where(Contest.published.is_(True))):
            if not await redis.exists(RoundBoards(redis, contest_id, 0).enrolment):
                await rebuild_contest(db, redis, contest_id)
