"""Deleting a pupil (the right to erasure): the account and everything recorded about them.

One statement deletes the account; the schema's ON DELETE CASCADE takes the attempts, their drawn
questions and answers, the practice answers and the certificates with it, on SQLite and PostgreSQL alike. After the
commit (the record first, as everywhere), Redis forgets them: sessions, the practice question in
progress, login-failure counts, and every board they stood on is rebuilt from the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import User
from contest.accounts.ratelimit import LoginLimiter
from contest.accounts.sessions import SessionStore
from contest.leaderboards.standings import rebuild_contest
from contest.play.models import Attempt
from contest.progress.practice import practice_key


@dataclass(frozen=True)
class Deleted:
    pupil_id: int
    contests_rebuilt: list[int]


async def delete_pupil(db: AsyncSession, redis: Redis, sessions: SessionStore, pupil: User) -> Deleted:
    pupil_id, username = pupil.id, pupil.username
    contest_ids = sorted(set(await db.scalars(select(Attempt.contest_id).where(Attempt.pupil_id == pupil_id))))
    await db.execute(delete(User).where(User.id == pupil_id))
    await db.commit()
    db.expunge_all()  # nothing loaded before may stand in for rows that are gone

    await sessions.end_all_for(pupil_id)
    await LoginLimiter(redis).forget(username)
    await redis.delete(practice_key(pupil_id))
    for contest_id in contest_ids:
        await rebuild_contest(db, redis, contest_id)
    return Deleted(pupil_id, contest_ids)
