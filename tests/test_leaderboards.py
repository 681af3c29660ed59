"""Leaderboards: the encoding, boards equal to what the database says, rebuilds, fair unit rules,
visibility, freeze and the ceremony reveal."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import Role, User
from contest.contests.models import UnitRanking, Visibility
from contest.db import create_sessionmaker
from contest.leaderboards.boards import Place, RoundBoards
from contest.leaderboards.encoding import MAX_POINTS, MAX_TIME_MS, Standing, decode_score, encode_member, encode_score
from contest.leaderboards.reveal import plan
from contest.leaderboards import standings
from contest.leaderboards.standings import rebuild_contest, rebuild_round, write_after_answer
from contest.play.models import Attempt
from contest.play.scoring import ranking_key
from contest.simulate import simulate
from tests.conftest import CARD_CODE, World, login, make_contest, post_form

T0 = datetime(2026, 10, 5, 8, tzinfo=timezone.utc)


# The encoding: Redis's order is the published tie-break.

def _redis_order(standings: list[Standing]) -> list[int]:
    """How ZREVRANGE orders these: by score, then member, both descending."""
    keyed = [(encode_score(s.points, s.time_ms), encode_member(s), s.pupil_id) for s in standings]
    return [pupil for _score, _member, pupil in sorted(keyed, reverse=True)]


def _rule_order(standings: list[Standing]) -> list[int]:
    return [s.pupil_id for s in sorted(standings, key=lambda s: ranking_key(s.points, s.time_ms, s.finished_at, s.started_at))]


def test_equal_scores_rank_by_time_then_finish_then_start():
    standings = [
        Standing(1, 5000, 60_000, T0 + timedelta(minutes=9), T0),
        Standing(2, 5000, 59_999, T0 + timedelta(minutes=9), T0),  # one millisecond faster
        Standing(3, 5000, 60_000, T0 + timedelta(minutes=8), T0),  # same time, finished earlier
        Standing(4, 5000, 60_000, T0 + timedelta(minutes=8), T0 - timedelta(seconds=1)),  # and started earlier
        Standing(5, 5000, 60_000, None, T0 - timedelta(hours=1)),  # not finished: after every finished one
        Standing(6, 5001, 99_000, None, T0),
    ]
    assert _redis_order(standings) == _rule_order(standings) == [6, 2, 4, 3, 1, 5]


def test_the_encoding_is_exact_at_its_limits():
    for points, time_ms in ((0, 0), (MAX_POINTS, 0), (MAX_POINTS, MAX_TIME_MS), (1, MAX_TIME_MS), (40_800, 1_800_000)):
        score = encode_score(points, time_ms)
        assert score < 2**53 and float(score) == score  # a double holds it exactly
        assert decode_score(float(score)) == (points, time_ms)
    assert decode_score(float(encode_score(MAX_POINTS + 10, MAX_TIME_MS + 10))) == (MAX_POINTS, MAX_TIME_MS)  # clamped


def test_redis_order_matches_the_rule_on_random_standings():
    rng = random.Random(7)
    standings = [Standing(n, rng.choice([1000, 2000, 2500]), rng.choice([10_000, 10_001, 12_000]),
                          rng.choice([None, T0 + timedelta(seconds=rng.randint(0, 5))]), T0 + timedelta(seconds=rng.randint(0, 3)))
                 for n in range(300)]
    by_id = {s.pupil_id: s for s in standings}
    key = lambda pupil: ranking_key(by_id[pupil].points, by_id[pupil].time_ms, by_id[pupil].finished_at,  # noqa: E731
                                    by_id[pupil].started_at)
    # Identical standings may come in either order; everything else must be in the rule's order.
    assert [key(p) for p in _redis_order(standings)] == [key(p) for p in _rule_order(standings)]


async def test_writing_a_standing_twice_changes_nothing(redis: Redis, db):
    boards = RoundBoards(redis, 1, 1)
    await redis.hset(boards.enrolment, mapping={"school:1": 10, "district:1": 10})
    standing = Standing(5, 3000, 20_000, None, T0)
    for _ in range(3):
        assert await boards.write(standing, Place(1, 1, 1), "total", 10)
    assert await redis.zcard(boards.key("pupils")) == 1
    assert await redis.hget(boards.key("totals"), "school:1") == b"3000"
    assert await boards.write(Standing(5, 4000, 25_000, T0 + timedelta(minutes=1), T0), Place(1, 1, 1), "total", 10)
    assert await redis.zcard(boards.key("class", 1)) == 1  # the old member is gone
    assert await redis.hget(boards.key("totals"), "school:1") == b"4000"


# Boards against the database.

async def _more_pupils(db: AsyncSession, world: World, per_class: int) -> None:
    """Uneven schools: the first class of S1 gets many more pupils."""
    school_class = world.classes[0]
    db.add_all(User(username=f"crowd{n}", full_name=f"Lê Thị Đông {n}", role=Role.PUPIL, school_id=school_class.school_id,
                    class_id=school_class.id, pupil_number=f"C{n}") for n in range(per_class))
    await db.commit()


def board_listener(redis: Redis):
    """What the app registers after each answer: the standing written to the boards."""
    async def listener(session, attempt, round_, contest):
        await write_after_answer(session, redis, attempt, round_, contest)

    return listener


async def _simulate(db, redis, world, contest, round_, seed=3) -> None:
    listener = board_listener(redis)

    pupils = list(await db.scalars(select(User).where(User.role == Role.PUPIL).order_by(User.id)))
    await simulate(db, contest, round_, pupils, [listener], seed=seed)


def _expected_boards(attempts: list[Attempt], enrolment: dict[str, int], rule: str, top_n: int) -> dict:
    """What every board should hold, computed here from the attempts, independently of the Lua scripts."""
    key = lambda a: ranking_key(a.score, a.time_ms, a.finished_at, a.started_at)  # noqa: E731
    ordered = sorted(attempts, key=key)
    boards = {"pupils": [a.pupil_id for a in ordered]}
    for kind, attr in (("district", "district_id"), ("school", "school_id"), ("class", "class_id")):
        for unit in {getattr(a, attr) for a in attempts}:
            boards[f"{kind}:{unit}"] = [a.pupil_id for a in ordered if getattr(a, attr) == unit]
    for kind, attr in (("schools", "school_id"), ("districts", "district_id")):
        values = {}
        for unit in {getattr(a, attr) for a in attempts}:
            members = [a for a in ordered if getattr(a, attr) == unit]
            total = sum(a.score for a in members)
            enrolled = enrolment[f"{kind[:-1]}:{unit}"]
            if rule == "mean_top_n":
                value = sum(a.score for a in members[:top_n]) / min(top_n, max(enrolled, len(members)))
            elif rule == "total":
                value = total
            else:
                value = total / max(enrolled, len(members))
            values[unit] = round(value, 3)
        boards[kind] = values
    return boards


async def _actual_boards(boards: RoundBoards, expected: dict) -> dict:
    actual = {}
    for name in expected:
        if name in ("schools", "districts"):
            entries = await boards.page(name, None, 0, 1000)
            actual[name] = {e.pupil_id: e.points for e in entries}
        else:
            scope, _sep, unit = name.partition(":")
            actual[name] = [e.pupil_id for e in await boards.page(scope, int(unit) if unit else None, 0, 1000)]
    return actual


@pytest.mark.parametrize("rule", ["mean_top_n", "total", "participation"])
async def test_a_simulated_contest_gives_the_boards_the_database_gives(db, redis, world: World, rule: str):
    await _more_pupils(db, world, 12)
    contest, round_ = await make_contest(db, world, question_count=3,
                                         contest_options={"unit_ranking": UnitRanking(rule), "unit_top_n": 3})
    await rebuild_contest(db, redis, contest.id)  # the boards exist (empty) before the first answer
    await _simulate(db, redis, world, contest, round_)
    attempts = list(await db.scalars(select(Attempt).where(Attempt.round_id == round_.id)))
    enrolment = {k.decode(): int(v) for k, v in (await redis.hgetall(RoundBoards(redis, contest.id, round_.id).enrolment)).items()}
    expected = _expected_boards(attempts, enrolment, rule, 3)
    boards = RoundBoards(redis, contest.id, round_.id)
    assert await _actual_boards(boards, expected) == expected


async def test_flush_and_rebuild_gives_identical_boards(db, redis, world: World):
    await _more_pupils(db, world, 5)
    contest, round_ = await make_contest(db, world, question_count=3)
    await _simulate(db, redis, world, contest, round_)  # the first answer finds no boards and builds them
    keys = sorted([k async for k in redis.scan_iter(match=f"lb:{{c{contest.id}}}:*")])
    before = {k: await _dump(redis, k) for k in keys}
    await redis.flushdb()
    await rebuild_contest(db, redis, contest.id)
    after = {k: await _dump(redis, k) for k in sorted([k async for k in redis.scan_iter(match=f"lb:{{c{contest.id}}}:*")])}
    assert after == before


async def test_a_rebuild_racing_live_answers_leaves_the_boards_the_database_gives(db, redis, world: World, monkeypatch):
    await _more_pupils(db, world, 12)
    contest, round_ = await make_contest(db, world, question_count=3)
    await rebuild_contest(db, redis, contest.id)
    # The race, made certain: the rebuild reads the database, then answers land before it writes the boards.
    read_attempts, answers_landed = standings._attempts_until, asyncio.Event()

    async def read_then_let_answers_land(*args, **kwargs):
        attempts = await read_attempts(*args, **kwargs)
        await answers_landed.wait()
        return attempts

    monkeypatch.setattr(standings, "_attempts_until", read_then_let_answers_land)
    rebuilding: list[asyncio.Task] = []
    answers_during_the_rebuild = 0

    async def rebuild() -> None:
        async with create_sessionmaker(db.bind)() as session:
            await rebuild_contest(session, redis, contest.id)

    async def listener(session, attempt, round_, contest):
        nonlocal answers_during_the_rebuild
        await write_after_answer(session, redis, attempt, round_, contest)
        if rebuilding:
            answers_during_the_rebuild += 1
            if answers_during_the_rebuild == 12:
                answers_landed.set()
                await rebuilding[0]
        elif attempt.answered_count == 2:
            rebuilding.append(asyncio.create_task(rebuild()))
            await asyncio.sleep(0.2)  # it reads the database

    pupils = list(await db.scalars(select(User).where(User.role == Role.PUPIL).order_by(User.id)))
    await simulate(db, contest, round_, pupils, [listener], seed=5)
    assert answers_during_the_rebuild >= 12 and rebuilding[0].done()

    attempts = list(await db.scalars(select(Attempt).where(Attempt.round_id == round_.id)
                                     .execution_options(populate_existing=True)))
    boards = RoundBoards(redis, contest.id, round_.id)
    enrolment = {k.decode(): int(v) for k, v in (await redis.hgetall(boards.enrolment)).items()}
    expected = _expected_boards(attempts, enrolment, contest.unit_ranking.value, contest.unit_top_n)
    assert await _actual_boards(boards, expected) == expected  # every pupil once, with the database's standing
    assert not [key async for key in redis.scan_iter(match=f"{boards.prefix}:next:*")]  # no staging left behind


async def _dump(redis: Redis, key: bytes):
    kind = await redis.type(key)
    if kind == b"zset":
        return await redis.zrange(key, 0, -1, withscores=True)
    return await redis.hgetall(key)


async def test_mean_of_top_n_neither_favours_nor_crushes_small_schools(redis):
    boards = RoundBoards(redis, 9, 9)
    await redis.hset(boards.enrolment, mapping={"school:1": 3, "school:2": 300, "district:1": 303})
    for pupil in range(3):  # a three-pupil school where everyone played and scored 1000
        await boards.write(Standing(pupil, 1000, 1000, T0, T0), Place(1, 1, 1), "mean_top_n", 10)
    for pupil in range(100, 103):  # a 300-pupil school where only three played, as well
        await boards.write(Standing(pupil, 1000, 1000, T0, T0), Place(2, 2, 1), "mean_top_n", 10)
    values = {e.pupil_id: e.points for e in await boards.page("schools", None, 0, 10)}
    assert values == {1: 1000.0, 2: 300.0}  # the small school is judged on all its pupils, the big one on its best ten


# Visibility and freeze.

async def test_public_boards_are_readable_without_logging_in(client: AsyncTestClient, db, redis, world: World):
    contest, round_ = await make_contest(db, world, question_count=2)
    await _simulate(db, redis, world, contest, round_)
    response = await client.get(f"/api/v1/contests/{contest.id}/leaderboard?scope=overall&limit=5")
    body = response.json()
    assert response.status_code == 200 and body["view"] == "live" and len(body["entries"]) == 5
    first = body["entries"][0]
    assert first["rank"] == 1 and " · " in first["name"] and first["unit"].startswith("Trường")
    assert "Học Sinh" not in first["name"]  # given name and class only, not the full name
    assert {"id": contest.id, "title": contest.title_en, "status": "open"} in (await client.get("/api/v1/contests")).json()
    schema = (await client.get("/api/schema/openapi.json")).json()
    assert {"/api/v1/contests", "/api/v1/contests/{contest_id}/leaderboard"} <= set(schema["paths"])


async def test_ceremony_and_after_close_boards_stay_hidden_from_the_public(client: AsyncTestClient, db, redis, world: World):
    ceremony, _r = await make_contest(db, world, contest_options={"visibility": Visibility.CEREMONY})
    after_close, _r2 = await make_contest(db, world, contest_options={"visibility": Visibility.AFTER_CLOSE})
    for contest in (ceremony, after_close):
        for path in (f"/boards/{contest.id}", f"/boards/{contest.id}/projector", f"/api/v1/contests/{contest.id}/leaderboard",
                     f"/boards/{contest.id}/events"):
            assert (await client.get(path)).status_code == 403, path
    assert ceremony.id not in [c["id"] for c in (await client.get("/api/v1/contests")).json()]
    await login(client, "province")  # the organiser sees them
    assert (await client.get(f"/boards/{ceremony.id}")).status_code == 200


async def test_a_freeze_hides_every_later_change_from_every_public_route(client: AsyncTestClient, db, redis, world: World):
    contest, round_ = await make_contest(db, world, question_count=2)
    pupils = list(await db.scalars(select(User).where(User.role == Role.PUPIL).order_by(User.id)))

    listener = board_listener(redis)

    await simulate(db, contest, round_, pupils[:6], [listener], seed=1)
    await login(client, "province")
    assert (await post_form(client, f"/manage/contests/{contest.id}/freeze")).status_code == 302
    client.cookies.clear()
    public = [f"/api/v1/contests/{contest.id}/leaderboard?scope={scope}" for scope in ("overall", "schools", "districts")]
    frozen = [(await client.get(path)).json()["entries"] for path in public]
    page_before = (await client.get(f"/boards/{contest.id}")).text
    projector_before = (await client.get(f"/boards/{contest.id}/projector")).text

    await simulate(db, contest, round_, pupils[6:], [listener], seed=2)  # pupils keep playing
    assert [(await client.get(path)).json()["entries"] for path in public] == frozen
    assert (await client.get(f"/boards/{contest.id}")).text == page_before
    assert (await client.get(f"/boards/{contest.id}/projector")).text == projector_before
    await login(client, "province")  # the organiser sees the live board
    live = (await client.get(public[0])).json()
    assert live["view"] == "live" and live["total"] == len(pupils) > len(frozen[0])


async def test_the_reveal_steps_bottom_up_and_ends_at_the_true_final_board(client: AsyncTestClient, db, redis, world: World):
    contest, round_ = await make_contest(db, world, question_count=2)
    pupils = list(await db.scalars(select(User).where(User.role == Role.PUPIL).order_by(User.id)))

    listener = board_listener(redis)

    await simulate(db, contest, round_, pupils[:8], [listener], seed=4)
    await login(client, "province")
    await post_form(client, f"/manage/contests/{contest.id}/freeze")
    await simulate(db, contest, round_, pupils[8:], [listener], seed=5)
    await db.refresh(contest)
    steps = (await plan(db, redis, contest)).steps
    final = [(e.pupil_id, e.points) for e in await RoundBoards(redis, contest.id, round_.id).page("pupils", None, 0, 10)]
    assert [(line.pupil_id, line.points) for line in steps[-1].board] == final
    moves = [step for step in steps if step.moved is not None]
    assert len(moves) >= 1 and all(step.citation is None for step in moves)
    assert [step.citation is not None for step in steps].count(True) >= 3  # podium, schools, district
    for _ in steps:
        response = await post_form(client, f"/manage/contests/{contest.id}/reveal", headers={"hx-request": "true"})
        assert response.status_code == 200
    await db.refresh(contest)
    assert contest.frozen_at is None  # the last step unfreezes: everyone sees the final board
    client.cookies.clear()
    assert (await client.get(f"/api/v1/contests/{contest.id}/leaderboard")).json()["view"] == "live"


async def test_a_pupils_result_shows_ranks_from_the_board(client: AsyncTestClient, db, redis, world: World):
    contest, round_ = await make_contest(db, world, question_count=2)
    await login(client, "pupil1", CARD_CODE)
    from tests.test_play import play_through, start

    token = await start(client, contest, round_)
    await play_through(client, token, [])
    result = await client.get(f"/play/{token}/result")
    assert "In your class" in result.text and "1 of 1" in result.text
    rank = await RoundBoards(redis, contest.id, round_.id).rank_of(world.pupils[0].id)
    assert rank == 1


async def test_rebuild_command_and_start_up_rebuild(db, redis, world: World, settings):
    contest, round_ = await make_contest(db, world, question_count=2)
    await _simulate(db, redis, world, contest, round_)
    await redis.flushdb()
    from contest.app import create_app

    async with AsyncTestClient(app=create_app(settings)) as fresh:  # start-up finds the keys missing
        body = (await fresh.get(f"/api/v1/contests/{contest.id}/leaderboard")).json()
    assert body["total"] == len(world.pupils)
    assert await rebuild_round(db, redis, contest, round_) == len(world.pupils)
