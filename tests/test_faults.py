"""Faults: Redis stopped and restarted, the database cut off, the app killed mid-round, a start-time stampede.
In each, nothing acknowledged is lost and nothing refused is half-written."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import redis as sync_redis
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, make_url, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contest import embedded_redis
from contest.accounts.identity import CurrentUser
from contest.accounts.models import Role, User
from contest.app import create_app
from contest.db import create_engine, create_sessionmaker
from contest.leaderboards.boards import RoundBoards
from contest.leaderboards import standings
from contest.leaderboards.standings import BoardUpdater
from contest.play.models import Answer, Attempt
from contest.play.service import start_attempt
from contest.settings import Settings
from tests.conftest import CARD_CODE, World, login, make_contest
from tests.servers import TcpProxy, start_server, stop_server
from tests.test_play import answer_form, start

UNAVAILABLE = "Nothing from this request was saved"


async def answers_of(db: AsyncSession, token: str) -> int:
    return await db.scalar(select(func.count()).select_from(Answer).join(Attempt, Attempt.id == Answer.attempt_id)
                           .where(Attempt.token == token))


async def answer_through_a_fault(own: Settings, db, world: World, fault, repair) -> None:
    """A pupil answers, `fault()` strikes, their next answer is refused with a clear 503 and saves
    nothing, `repair()` ends it, and the same app (no restart) accepts the answer sent again."""
    contest, round_ = await make_contest(db, world, question_count=4)
    async with AsyncTestClient(app=create_app(own)) as client:
        client.follow_redirects = False
        client.headers["accept-language"] = "en"
        await login(client, "pupil1", CARD_CODE)
        token = await start(client, contest, round_)
        page = (await client.get(f"/play/{token}")).text
        assert (await client.post(f"/play/{token}", data=answer_form(page))).status_code == 200
        page = (await client.get(f"/play/{token}")).text

        fault()
        refused = await client.post(f"/play/{token}", data=answer_form(page))
        assert refused.status_code == 503 and UNAVAILABLE in refused.text and refused.headers["retry-after"]
        assert (await client.get("/healthz")).status_code == 503
        assert await answers_of(db, token) == 1  # refused, not half-written

        repair()
        retried = await client.post(f"/play/{token}", data=answer_form(page))
        assert retried.status_code == 200 and "Saved." in retried.text
        assert await answers_of(db, token) == 2
        assert (await client.get("/healthz")).status_code == 200


async def test_redis_stopped_and_restarted_mid_contest(tmp_path: Path, settings: Settings, db, world: World):
    redis_url = embedded_redis.acquire(tmp_path)  # a Redis of this test's own, to stop and start
    own = Settings(data_dir=settings.data_dir, database_url=settings.database_url, redis_url=redis_url,
                   secret_key=settings.secret_key)
    try:
        await answer_through_a_fault(
            own, db, world,
            fault=lambda: sync_redis.Redis.from_url(redis_url).shutdown(),  # the append-only file keeps what it had
            repair=lambda: embedded_redis.acquire(tmp_path))  # back, with the sessions it had
    finally:
        embedded_redis.release(tmp_path)


async def test_the_database_unreachable_for_a_moment(settings: Settings, db, world: World):
    """The link to PostgreSQL is cut mid-round, then restored: the app's pool reconnects by itself."""
    url = make_url(settings.database_url)
    if not url.drivername.startswith("postgresql"):
        pytest.skip("needs a database server to cut off: runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    own = Settings(data_dir=settings.data_dir, database_url=through_proxy, redis_url=settings.redis_url,
                   secret_key=settings.secret_key)
    try:
        await answer_through_a_fault(own, db, world, fault=proxy.cut, repair=proxy.restore)
    finally:
        proxy.close()


async def test_boards_that_missed_writes_while_redis_was_away_are_rebuilt(db, redis: Redis, world: World):
    contest, round_ = await make_contest(db, world, question_count=1)
    attempt = await start_attempt(db, contest, round_, CurrentUser.of(world.pupils[0]))
    away = Redis.from_url("redis://127.0.0.1:1/0")  # nothing listens there
    changed = []
    updater = BoardUpdater(away, create_sessionmaker(db.bind), on_change=changed.append)
    with pytest.raises(Exception):  # noqa: B017  (whatever the client raises for a dead server)
        await updater(db, attempt, round_, contest)
    assert contest.id in updater.stale
    updater.redis = redis  # Redis is back
    await updater(db, attempt, round_, contest)  # the rebuild runs beside; this answer waits a second at most
    assert contest.id not in updater.stale
    await updater.settle()
    assert await RoundBoards(redis, contest.id, round_.id).rank_of(world.pupils[0].id) == 1
    assert changed == [contest.id, contest.id]  # screens told after the answer and again after the rebuild
    await away.aclose()


async def test_an_answer_does_not_wait_for_a_long_rebuild(db, redis: Redis, world: World, monkeypatch):
    contest, round_ = await make_contest(db, world, question_count=1)
    attempt = await start_attempt(db, contest, round_, CurrentUser.of(world.pupils[0]))
    read_attempts, may_finish = standings._attempts_until, asyncio.Event()

    async def slow_read(*args, **kwargs):  # a province's worth of attempts to read
        await may_finish.wait()
        return await read_attempts(*args, **kwargs)

    monkeypatch.setattr(standings, "_attempts_until", slow_read)
    updater = BoardUpdater(redis, create_sessionmaker(db.bind), on_change=lambda contest_id: None)
    await updater(db, attempt, round_, contest)  # finds no boards: starts their rebuild, and returns
    assert contest.id in updater.rebuilding
    second = asyncio.create_task(updater(db, attempt, round_, contest))  # another answer meanwhile
    await asyncio.wait([second], timeout=0.8)  # the answer that started the rebuild waited 1 s
    assert second.done() and len(updater.rebuilding) == 1  # it neither waits nor starts a second rebuild
    may_finish.set()
    await updater.settle()
    assert await RoundBoards(redis, contest.id, round_.id).rank_of(world.pupils[0].id) == 1


async def test_the_app_killed_mid_round_resumes_attempts_with_their_deadlines(settings: Settings, db, world: World):
    contest, round_ = await make_contest(db, world, question_count=3, seconds_per_question=None, seconds_per_round=300)
    overdue_contest, overdue_round = await make_contest(db, world, question_count=2)
    overdue = await start_attempt(db, overdue_contest, overdue_round, CurrentUser.of(world.pupils[1]))
    process, base = start_server(settings)
    try:
        with httpx.Client(base_url=base, follow_redirects=False, headers={"accept-language": "en"}) as pupil:
            csrf = re.search(r'name="_csrf_token" value="([^"]+)"', pupil.get("/login").text).group(1)
            pupil.post("/login", data={"username": "pupil1", "secret": CARD_CODE, "_csrf_token": csrf})
            play = pupil.post(f"/contests/{contest.id}/rounds/{round_.id}/start", data={"_csrf_token": csrf}).headers["location"]
            page = pupil.get(play).text
            assert pupil.post(play, data=answer_form(page)).status_code == 200
            before = int(re.search(r'data-remaining-ms="(\d+)"', pupil.get(play).text).group(1))
            killed_at = time.monotonic()
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            await db.execute(update(Attempt).where(Attempt.id == overdue.id)
                             .values(deadline=datetime.now(timezone.utc) - timedelta(minutes=5)))
            await db.commit()

            process, base = start_server(settings, port=int(base.rsplit(":", 1)[1]))
            after_page = pupil.get(play).text
            after = int(re.search(r'data-remaining-ms="(\d+)"', after_page).group(1))
            assert "Question 2 of 3" in after_page  # where the pupil was
            assert abs(before - after - (time.monotonic() - killed_at) * 1000) < 1500  # the same deadline, not a new one
        for _ in range(50):  # the restarted app finishes attempts that ran out while it was down
            await db.refresh(overdue)
            if overdue.finished_at is not None:
                break
            await asyncio.sleep(0.1)
        assert overdue.finished_at is not None
    finally:
        stop_server(process)


async def test_a_start_time_stampede_gives_every_pupil_exactly_one_attempt(settings: Settings, db, world: World):
    contest, round_ = await make_contest(db, world, question_count=2)
    school_class = world.classes[0]
    db.add_all(User(username=f"rush{n}", full_name=f"Học Sinh Vội {n}", role=Role.PUPIL, school_id=school_class.school_id,
                    class_id=school_class.id, pupil_number=f"R{n}") for n in range(150))
    await db.commit()
    pupils = [CurrentUser.of(u) for u in await db.scalars(select(User).where(User.role == Role.PUPIL))]
    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)

    async def press_start(pupil: CurrentUser) -> str:
        async with sessions() as session:
            return (await start_attempt(session, contest, round_, pupil)).token

    started = time.monotonic()
    tokens = await asyncio.gather(*(press_start(pupil) for pupil in pupils for _ in range(3)))  # everyone, three times
    elapsed = time.monotonic() - started
    await engine.dispose()
    by_pupil: dict[int, set[str]] = {}
    for pupil, token in zip([p for p in pupils for _ in range(3)], tokens):
        by_pupil.setdefault(pupil.id, set()).add(token)
    assert all(len(tokens) == 1 for tokens in by_pupil.values())
    assert await db.scalar(select(func.count()).select_from(Attempt)) == len(pupils)
    assert elapsed < 120
