"""Children's privacy: what the public sees of a pupil, a teacher's export and deletion of a pupil's
data, the retention purge, and the privacy page."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.accounts.models import User
from contest.accounts.ratelimit import LoginLimiter
from contest.accounts.sessions import SESSION_COOKIE, SessionStore
from contest.contests.models import Contest, Round
from contest.db import utcnow
from contest.games.models import GamePlayer, GameStatus, LiveGame
from contest.leaderboards.boards import RoundBoards
from contest.leaderboards.encoding import pupil_of
from contest.leaderboards.standings import rebuild_contest, write_after_answer
from contest.play.models import Answer, Attempt, AttemptQuestion
from contest.privacy.models import ContestPurge, QuestionStatistic, SchoolStatistic
from contest.privacy.retention import purge_expired
from contest.progress.models import PracticeAnswer
from contest.progress.practice import practice_key
from contest.reports.models import Award, Certificate
from contest.settings import Settings
from contest.simulate import simulate
from questions.models import QuestionVersion
from tests.conftest import World, login, make_contest, post_form

NAMES = ["Nguyễn Thị Mai", "Trần Văn Bình", "Lê Minh Châu", "Phạm Đức Dũng"]


async def _play(db: AsyncSession, redis: Redis, world: World, contest: Contest, round_: Round,
                pupils: list[User]) -> None:
    """These pupils play the round through the real services; the boards hear every answer."""
    async def to_boards(session, attempt, round_, contest):
        await write_after_answer(session, redis, attempt, round_, contest)

    await rebuild_contest(db, redis, contest.id)  # the boards exist before the first answer, as in the app
    await simulate(db, contest, round_, pupils, [to_boards])


async def _named_pupils(db: AsyncSession, world: World) -> list[User]:
    """The first four pupils with real names: classes 6A (two) and 7A (two) of school S1."""
    for pupil, name in zip(world.pupils, NAMES):
        pupil.full_name = name
    await db.commit()
    return world.pupils[:4]


async def _public_surfaces(client: AsyncTestClient, contest: Contest) -> dict[str, str]:
    return {path: (await client.get(path)).text for path in (
        f"/boards/{contest.id}", f"/boards/{contest.id}/projector", f"/api/v1/contests/{contest.id}/leaderboard")}


async def test_the_public_sees_given_name_and_class_unless_the_organiser_shows_full_names(
        client: AsyncTestClient, db, redis, world: World):
    contest, round_ = await make_contest(db, world, question_count=2)
    pupils = await _named_pupils(db, world)
    await _play(db, redis, world, contest, round_, pupils)

    for path, text in (await _public_surfaces(client, contest)).items():
        assert "Mai · 6A" in text and "Dũng · 7A" in text, path
        assert not any(name in text for name in NAMES), f"{path} shows a full name"

    # The ceremony's reveal is projected to the hall: the same rule holds there.
    await login(client, "province")
    assert (await post_form(client, f"/manage/contests/{contest.id}/freeze")).status_code == 302
    reveal = (await client.get(f"/manage/contests/{contest.id}/reveal")).text
    assert "Mai · 6A" in reveal and not any(name in reveal for name in NAMES)

    contest.full_names_public = True
    await db.commit()
    await post_form(client, "/logout")
    for path, text in (await _public_surfaces(client, contest)).items():
        assert "Nguyễn Thị Mai" in text and "Mai · 6A" not in text, path


async def test_a_teacher_downloads_everything_held_about_a_pupil(client: AsyncTestClient, db, redis, world: World):
    contest, round_ = await make_contest(db, world, question_count=2)
    pupil = (await _named_pupils(db, world))[0]
    await _play(db, redis, world, contest, round_, [pupil])
    version = await db.scalar(select(QuestionVersion).limit(1))
    db.add(PracticeAnswer(pupil_id=pupil.id, question_id=version.question_id, version_id=version.id, credit=1.0))
    db.add(_certificate(contest, pupil))
    await _played_a_live_game(db, pupil)
    await db.commit()

    await login(client, "teacher1")
    page = await client.get(f"/pupils/{pupil.id}/data")
    assert page.status_code == 200 and "Nguyễn Thị Mai" in page.text
    assert f'href="/pupils/{pupil.id}/data"' in (await client.get(f"/classes/{pupil.class_id}")).text

    response = await client.get(f"/pupils/{pupil.id}/data.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="hoithi-{pupil.username}.json"'
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.content)
    assert data["format"] == "hoithi-pupil-data"
    assert data["pupil"]["full_name"] == "Nguyễn Thị Mai" and data["pupil"]["class"] == "6A"
    [attempt] = data["contest_attempts"]
    recorded = await db.scalar(select(Attempt).where(Attempt.pupil_id == pupil.id))
    assert attempt["contest"] == contest.title_vi and attempt["score"] == recorded.score
    assert len(attempt["answers"]) == 2 and {"response", "points", "received_at"} <= set(attempt["answers"][0])
    assert [p["question_id"] for p in data["practice_answers"]] == [version.question_id]
    assert [(g["game"], g["shown_as"], g["score"]) for g in data["live_games"]] == [("Lễ khai mạc", "Mai · 6A", 900)]
    assert [(c["code"], c["name_printed"]) for c in data["certificates"]] == [(f"TEST{pupil.id:08d}", "Nguyễn Thị Mai")]


async def _keys_naming(redis: Redis, pupil_id: int, username: str) -> list[str]:
    """Every Redis key, member or field that still refers to this pupil."""
    found = []
    async for key in redis.scan_iter(count=1000):
        kind = (await redis.type(key)).decode()
        name = key.decode()
        if kind == "zset":
            if any(pupil_of(member) == pupil_id for member in await redis.zrange(key, 0, -1) if b":" in member):
                found.append(f"{name} (member)")
        elif kind == "hash" and name.endswith((":members", ":points")):
            if await redis.hexists(key, pupil_id):
                found.append(f"{name} (field)")
        elif kind == "string" and name.startswith("session:"):
            if f'"username":"{username}"'.encode() in await redis.get(key):
                found.append(name)
        elif not name.startswith("lb:") and (str(pupil_id) in name.split(":") or username in name):
            found.append(name)
    return found


async def test_deleting_a_pupil_removes_them_from_the_database_and_from_redis(
        client: AsyncTestClient, db, redis, world: World):
    contest, round_ = await make_contest(db, world, question_count=2)
    pupils = await _named_pupils(db, world)
    await _play(db, redis, world, contest, round_, pupils)
    gone, stays = pupils[0], pupils[1]
    gone_id, gone_username, gone_class = gone.id, gone.username, gone.class_id
    version = await db.scalar(select(QuestionVersion).limit(1))
    db.add(PracticeAnswer(pupil_id=gone.id, question_id=version.question_id, version_id=version.id, credit=0.0))
    db.add(_certificate(contest, gone))
    await _played_a_live_game(db, gone)
    await db.commit()
    # What else Redis may hold about them: a login elsewhere, a practice question, failed logins.
    settings = client.app.state.settings
    sessions = SessionStore(redis, settings.session_idle_seconds, settings.session_absolute_seconds)
    pupil_token = await sessions.start(CurrentUser.of(gone))
    await redis.set(practice_key(gone.id), "{}")
    await LoginLimiter(redis).record_failure(gone.username, "10.0.0.9")
    attempt_ids = list(await db.scalars(select(Attempt.id).where(Attempt.pupil_id == gone.id)))
    boards = RoundBoards(redis, contest.id, round_.id)
    assert await boards.rank_of(gone_id) is not None and await _keys_naming(redis, gone_id, gone_username)
    pupils_left = select(func.count(User.id)).where(User.id == gone_id)

    await login(client, "teacher1")
    refused = await post_form(client, f"/pupils/{gone_id}/delete")  # the box was not ticked
    assert refused.status_code == 400 and await db.scalar(pupils_left) == 1
    response = await post_form(client, f"/pupils/{gone_id}/delete", {"confirm": "yes"})
    assert response.status_code == 302 and response.headers["location"] == f"/classes/{gone_class}"

    assert await db.scalar(pupils_left) == 0
    for table, column in ((Attempt, Attempt.pupil_id), (PracticeAnswer, PracticeAnswer.pupil_id),
                          (Certificate, Certificate.pupil_id), (GamePlayer, GamePlayer.user_id)):
        assert await db.scalar(select(func.count()).select_from(table).where(column == gone_id)) == 0
    for table, column in ((AttemptQuestion, AttemptQuestion.attempt_id), (Answer, Answer.attempt_id)):
        assert await db.scalar(select(func.count()).select_from(table).where(column.in_(attempt_ids))) == 0
    assert await _keys_naming(redis, gone_id, gone_username) == []
    # The boards were rebuilt without them; the others keep their places.
    assert await boards.rank_of(gone_id) is None and await boards.rank_of(stays.id) is not None
    assert await boards.size("pupils") == len(pupils) - 1
    board = (await client.get(f"/boards/{contest.id}")).text
    assert "Mai · 6A" not in board and "Bình · 6A" in board
    # Their login no longer works anywhere.
    client.cookies.set(SESSION_COOKIE, pupil_token)
    assert (await client.get("/")).status_code == 302


async def _played_a_live_game(db: AsyncSession, pupil: User) -> None:
    game = LiveGame(title="Lễ khai mạc", pin="123456", questions=[], status=GameStatus.ENDED)
    db.add(game)
    await db.flush()
    db.add(GamePlayer(game_id=game.id, number=1, nickname="Mai · 6A", user_id=pupil.id, school_id=pupil.school_id,
                      score=900))


def _certificate(contest: Contest, pupil: User) -> Certificate:
    return Certificate(code=f"TEST{pupil.id:08d}", contest_id=contest.id, holder_key=f"pupil:{pupil.id}",
                       pupil_id=pupil.id, school_id=pupil.school_id, award=Award.PARTICIPATION,
                       holder_name=pupil.full_name, school_name="Trường Số 1")


async def _closed_contest(db: AsyncSession, world: World, closed_days_ago: int) -> tuple[Contest, Round]:
    contest, round_ = await make_contest(db, world, question_count=2)
    contest.opens_at = utcnow() - timedelta(days=closed_days_ago, hours=2)
    contest.closes_at = utcnow() - timedelta(days=closed_days_ago)
    await db.commit()
    return contest, round_


async def _play_while_open(db, redis, world, contest, round_, pupils) -> None:
    """Play as if on the contest's day (attempts must start inside the window)."""
    closes_at = contest.closes_at
    contest.closes_at = utcnow() + timedelta(hours=1)
    await db.commit()
    await _play(db, redis, world, contest, round_, pupils)
    contest.closes_at = closes_at
    await db.commit()


async def test_the_retention_purge_keeps_anonymous_statistics_only(db, redis, world: World):
    pupils = await _named_pupils(db, world)
    old, old_round = await _closed_contest(db, world, closed_days_ago=400)
    recent, recent_round = await _closed_contest(db, world, closed_days_ago=10)
    await _play_while_open(db, redis, world, old, old_round, pupils)
    await _play_while_open(db, redis, world, recent, recent_round, pupils[:2])
    old_answers = list(await db.scalars(select(Answer).join(Attempt).where(Attempt.contest_id == old.id)))
    old_scores = list(await db.scalars(select(Attempt.score).where(Attempt.contest_id == old.id)))
    version = await db.scalar(select(QuestionVersion).limit(1))
    db.add_all([PracticeAnswer(pupil_id=pupils[0].id, question_id=version.question_id, version_id=version.id, credit=1.0,
                               answered_at=utcnow() - timedelta(days=366)),
                PracticeAnswer(pupil_id=pupils[0].id, question_id=version.question_id, version_id=version.id, credit=1.0),
                _certificate(old, pupils[0]), _certificate(recent, pupils[1])])
    await db.commit()

    report = await purge_expired(db, redis, retention_days=365)

    assert report.contests == [old.id] and report.attempts == 4 and report.practice_answers == 1
    assert await db.scalar(select(func.count(Attempt.id)).where(Attempt.contest_id == old.id)) == 0
    assert await db.scalar(select(func.count(Answer.id)).where(Answer.id.in_([a.id for a in old_answers]))) == 0
    assert await db.scalar(select(func.count(Attempt.id)).where(Attempt.contest_id == recent.id)) == 2
    assert await db.scalar(select(func.count(PracticeAnswer.id))) == 1
    assert list(await db.scalars(select(Certificate.contest_id))) == [recent.id]  # a pupil's name is personal data
    assert [key async for key in redis.scan_iter(match=f"lb:{{c{old.id}}}:*")] == []
    assert [key async for key in redis.scan_iter(match=f"lb:{{c{recent.id}}}:*")] != []
    # What stays: answers per question and results per school, with no pupil in them.
    questions = list(await db.scalars(select(QuestionStatistic).where(QuestionStatistic.contest_id == old.id)))
    assert sum(q.answers for q in questions) == len(old_answers)
    assert sum(q.fully_right for q in questions) == sum(a.credit >= 1 for a in old_answers)
    [school] = await db.scalars(select(SchoolStatistic).where(SchoolStatistic.contest_id == old.id))
    assert (school.school_id, school.pupils, school.finished) == (world.schools[0].id, 4, 4)
    assert (school.points_total, school.best_points) == (sum(old_scores), max(old_scores))
    assert (await db.get(ContestPurge, old.id)).attempts_removed == 4
    # A second run finds nothing more to do, and the statistics stay as they were.
    again = await purge_expired(db, redis, retention_days=365)
    assert again.contests == [] and again.attempts == 0
    assert await db.scalar(select(func.count(QuestionStatistic.id))) == len(questions)


async def test_hoithi_privacy_purge_runs_the_purge(db, redis, world: World, database_url: str, redis_url: str,
                                                  tmp_path: Path):
    old, old_round = await _closed_contest(db, world, closed_days_ago=40)
    await _play_while_open(db, redis, world, old, old_round, world.pupils[:1])
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "HOITHI_DATA_DIR": str(tmp_path), "HOITHI_RETENTION_DAYS": "30"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "contest.cli", "privacy", "purge", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert f"Contests closed over 30 days ago, purged: {old.id}; attempts removed: 1" in out.decode()
    assert await db.scalar(select(func.count(Attempt.id))) == 0


def test_the_retention_period_is_a_setting(tmp_path: Path):
    base = {"HOITHI_DATA_DIR": str(tmp_path), "SECRET_KEY": "x"}
    assert Settings.from_env(base).retention_days == 365
    assert Settings.from_env({**base, "HOITHI_RETENTION_DAYS": "0"}).retention_days == 0
    try:
        Settings.from_env({**base, "HOITHI_RETENTION_DAYS": "-1"})
    except ValueError as refused:
        assert "HOITHI_RETENTION_DAYS" in str(refused)
    else:
        raise AssertionError("a negative retention period was accepted")
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "| `HOITHI_RETENTION_DAYS` |" in readme


async def test_the_privacy_page_is_public_in_both_languages_and_linked_where_promised(client: AsyncTestClient, world):
    for locale in ("vi", "en"):
        page = await client.get("/privacy", headers={"accept-language": locale})
        assert page.status_code == 200 and f'<html lang="{locale}">' in page.text
        assert "91/2025/QH15" in page.text and "365" in page.text
    login_page = (await client.get("/login")).text
    assert login_page.count('href="/privacy"') == 2  # beside the form, and in the footer of every page
    await login(client, "teacher1")
    assert 'href="/privacy"' in (await client.get("/")).text
