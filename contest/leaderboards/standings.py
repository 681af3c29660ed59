"""From the database to the boards: each pupil's standing, written after every answer and rebuilt in bulk.

The database is the record; Redis holds what these functions derive from it. A pupil's standing in a
round is their counted attempt (best or last, as the round says; an attempt in progress counts with
its running totals), so the incremental writes and a full rebuild agree entry by entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.contests.models import Contest, Round
from contest.db import utcnow
from contest.leaderboards.boards import Place, RoundBoards
from contest.leaderboards.encoding import Standing, encode_member, encode_score
from contest.org.models import School
from contest.play.models import Answer, Attempt
from contest.play.ranks import counted_attempts

CHUNK = 5_000  # members per bulk command in a rebuild
# Answers received this long before a rebuild began may commit after it read the database: replayed.
REPLAY_MARGIN = timedelta(seconds=60)
REBUILD_LOCK_SECONDS = 600
REBUILD_WAIT_SECONDS = 1.0  # how long the answer that starts a rebuild waits for it
logger = logging.getLogger("hoithi.leaderboards")


def standing_of(attempt: Attempt | AttemptRow) -> Standing:
    return Standing(attempt.pupil_id, attempt.score, attempt.time_ms, attempt.finished_at, attempt.started_at)


def place_of_attempt(attempt: Attempt | AttemptRow) -> Place:
    return Place(attempt.class_id, attempt.school_id, attempt.district_id)


async def _write_standing(db: AsyncSession, redis: Redis, attempt: Attempt, round_: Round, contest: Contest) -> bool:
    """One Redis round trip with the pupil's absolute standing; False when the boards were never built."""
    counted = attempt
    if round_.attempts_allowed > 1:
        others = list(await db.scalars(select(Attempt).where(Attempt.round_id == round_.id,
                                                             Attempt.pupil_id == attempt.pupil_id)
                                       .execution_options(populate_existing=True)))
        counted = counted_attempts(others, round_.counting)[attempt.pupil_id]
    return await RoundBoards(redis, contest.id, round_.id).write(
        standing_of(counted), place_of_attempt(counted), contest.unit_ranking.value, contest.unit_top_n)


async def write_after_answer(db: AsyncSession, redis: Redis, attempt: Attempt, round_: Round, contest: Contest) -> None:
    """After an answer is committed, outside the web (the CLI's simulation): boards that do not exist (or
    that Redis lost) are rebuilt there and then, which includes this answer."""
    if not await _write_standing(db, redis, attempt, round_, contest):
        await rebuild_contest(db, redis, contest.id)


class BoardUpdater:
    """The web's answer listener: writes the standing, tells screens, and heals boards that missed writes.

    Boards that do not exist (or that Redis lost) are rebuilt by one background task per contest, so
    the answer that noticed returns at once; the rebuild's replay includes it. When Redis is away the
    answer is still saved (the database is the record) and the contest is noted as stale, to be
    rebuilt at its next answer once Redis is back."""

    def __init__(self, redis: Redis, sessionmaker: async_sessionmaker[AsyncSession],
                 on_change: Callable[[int], None]) -> None:
        self.redis = redis
        self.sessionmaker = sessionmaker
        self.on_change = on_change
        self.stale: set[int] = set()
        self.rebuilding: dict[int, asyncio.Task] = {}

    async def __call__(self, db: AsyncSession, attempt: Attempt, round_: Round, contest: Contest) -> None:
        try:
            if contest.id in self.stale or not await _write_standing(db, self.redis, attempt, round_, contest):
                self.stale.discard(contest.id)
                if contest.id not in self.rebuilding:  # answers meanwhile go on: the rebuild's replay has them
                    rebuild = self.rebuilding[contest.id] = asyncio.create_task(self._rebuild(contest.id))
                    # A young contest's boards take milliseconds: this answer then sees them; a big one goes on beside.
                    await asyncio.wait([asyncio.shield(rebuild)], timeout=REBUILD_WAIT_SECONDS)
        except RedisError:
            self.stale.add(contest.id)
            raise
        self.on_change(contest.id)

    async def _rebuild(self, contest_id: int) -> None:
        try:
            async with self.sessionmaker() as db:
                await rebuild_contest(db, self.redis, contest_id, wait=False)
        except Exception:
            logger.exception("rebuilding the boards of contest %s failed; the next answer tries again", contest_id)
            self.stale.add(contest_id)
        finally:
            del self.rebuilding[contest_id]
        self.on_change(contest_id)

    async def settle(self) -> None:
        """Wait for the rebuilds under way."""
        await asyncio.gather(*self.rebuilding.values(), return_exceptions=True)

    async def stop(self) -> None:
        """At shutdown: a rebuild cut short leaves the old boards in place, and its lock expires."""
        for task in self.rebuilding.values():
            task.cancel()
        await self.settle()


async def _enrolment(db: AsyncSession) -> dict[str, int]:
    schools = await db.execute(select(School.id, School.enrolment))
    districts = await db.execute(select(School.district_id, func.sum(School.enrolment)).group_by(School.district_id))
    return {f"school:{i}": n for i, n in schools} | {f"district:{i}": int(n or 0) for i, n in districts}


@dataclass(frozen=True)
class AttemptRow:
    """The columns of an attempt that its standing needs: a rebuild reads them without the ORM's cost."""

    pupil_id: int
    number: int
    score: int
    time_ms: int
    finished_at: datetime | None
    started_at: datetime
    class_id: int
    school_id: int
    district_id: int
    id: int


async def _attempts_until(db: AsyncSession, round_id: int, cutoff: datetime | None) -> list[AttemptRow]:
    """The round's attempts as they stood at `cutoff` (now, when None): totals from the answers before it."""
    columns = [getattr(Attempt, field.name) for field in fields(AttemptRow)]
    attempts = [AttemptRow(*row) for row in await db.execute(select(*columns).where(Attempt.round_id == round_id))]
    if cutoff is None:
        return attempts
    totals = {attempt_id: (int(points or 0), int(time_ms or 0)) for attempt_id, points, time_ms in await db.execute(
        select(Answer.attempt_id, func.sum(Answer.points), func.sum(Answer.response_ms))
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.round_id == round_id, Answer.received_at <= cutoff).group_by(Answer.attempt_id))}
    return [replace(attempt, score=points, time_ms=time_ms,
                    finished_at=attempt.finished_at if attempt.finished_at and attempt.finished_at <= cutoff else None)
            for attempt in attempts if attempt.started_at <= cutoff
            for points, time_ms in [totals.get(attempt.id, (0, 0))]]


async def rebuild_round(db: AsyncSession, redis: Redis, contest: Contest, round_: Round, *,
                        cutoff: datetime | None = None) -> int:
    """Recompute every board of a round from the database (the frozen copy when `cutoff` is given).

    The boards are built aside and swapped in at once. Answers that arrive meanwhile are written to
    the old boards, so afterwards the standings of every pupil who answered since the rebuild began
    are written again (standings are absolute: writing one twice is harmless)."""
    live = RoundBoards(redis, contest.id, round_.id, frozen=cutoff is not None)
    staged = RoundBoards(redis, contest.id, round_.id, frozen=cutoff is not None, staging=True)
    leftovers = await staged.keys()  # from a rebuild that died half-way
    for start in range(0, len(leftovers), CHUNK):
        await redis.delete(*leftovers[start:start + CHUNK])
    began = utcnow()
    await redis.hset(live.enrolment, mapping=await _enrolment(db) or {"none": 0})  # its existence says "built"

    counted = counted_attempts(await _attempts_until(db, round_.id, cutoff), round_.counting)
    sets: dict[str, dict[str, int]] = defaultdict(dict)
    members, points = {}, {}
    for attempt in counted.values():
        place = place_of_attempt(attempt)
        member = encode_member(standing_of(attempt))
        score = encode_score(attempt.score, attempt.time_ms)
        for key in (staged.key("pupils"), staged.key("district", place.district_id),
                    staged.key("school", place.school_id), staged.key("class", place.class_id)):
            sets[key][member] = score
        members[attempt.pupil_id], points[attempt.pupil_id] = member, attempt.score
    async with redis.pipeline(transaction=False) as pipe:
        for key, entries in sets.items():
            items = list(entries.items())
            for start in range(0, len(items), CHUNK):
                pipe.zadd(key, dict(items[start:start + CHUNK]))
        for mapping_key, mapping in ((staged.key("members"), members), (staged.key("points"), points)):
            items = list(mapping.items())
            for start in range(0, len(items), CHUNK):
                pipe.hset(mapping_key, mapping=dict(items[start:start + CHUNK]))
        await pipe.execute()
    await staged.recompute_units({a.school_id for a in counted.values()}, {a.district_id for a in counted.values()},
                                 contest.unit_ranking.value, contest.unit_top_n)
    await live.swap_in(staged)
    if cutoff is None:
        await _replay_since(db, redis, contest, round_, began - REPLAY_MARGIN)
    return len(counted)


async def _replay_since(db: AsyncSession, redis: Redis, contest: Contest, round_: Round, since: datetime) -> None:
    answered = select(Answer.attempt_id).where(Answer.received_at >= since)
    recent = await db.scalars(select(Attempt).where(Attempt.round_id == round_.id,
                                                    Attempt.id.in_(answered) | (Attempt.started_at >= since))
                              .execution_options(populate_existing=True))
    for attempt in recent:
        await _write_standing(db, redis, attempt, round_, contest)


async def rebuild_contest(db: AsyncSession, redis: Redis, contest_id: int, *, wait: bool = True) -> int | None:
    """`hoithi leaderboard rebuild`: every round of a contest, live boards (and the frozen ones if frozen).

    One rebuild of a contest at a time across all processes; with wait=False, None when one is running."""
    contest = await db.get(Contest, contest_id)
    if contest is None:
        raise LookupError(f"no contest {contest_id}")
    lock = redis.lock(RoundBoards(redis, contest.id, 0).rebuild_lock, timeout=REBUILD_LOCK_SECONDS, blocking=wait,
                      blocking_timeout=REBUILD_LOCK_SECONDS)
    if not await lock.acquire():
        return None
    try:
        rounds = list(await db.scalars(select(Round).where(Round.contest_id == contest.id)))
        total = 0
        for round_ in rounds:
            total += await rebuild_round(db, redis, contest, round_)
            if contest.frozen_at is not None:
                await rebuild_round(db, redis, contest, round_, cutoff=contest.frozen_at)
        return total
    finally:
        await lock.release()


async def rebuild_missing_boards(app) -> None:
    """At start-up: rebuild the boards of every published contest whose keys Redis does not have."""
    redis = app.state.redis
    async with app.state.sessionmaker() as db:
        for contest_id in await db.scalars(select(Contest.id).where(Contest.published.is_(True))):
            if not await redis.exists(RoundBoards(redis, contest_id, 0).enrolment):
                await rebuild_contest(db, redis, contest_id)
