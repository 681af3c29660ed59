"""Live hosted games (issue 7): hosting, joining, answering on time and once, resuming, results."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from contextlib import AsyncExitStack
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from markupsafe import escape
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from contest.app import create_app
from contest.contests.models import Contest, Round, Selection
from contest.games.models import GameAnswer, GamePlayer, GameStatus, LiveGame
from contest.leaderboards.reading import public_name
from contest.games.nicknames import nickname_problem
from contest.games.questions import live_question
from contest.games.state import GRACE_MS, GameStore, key
from questions.content import Option, QuestionData
from questions.models import Question, Status
from questions.store import Owner, create_question

from tests.conftest import CARD_CODE, World, csrf_token, login, post_form

STEMS = ["Mật khẩu mạnh nên dài bao nhiêu?", "Ai được biết mã OTP của em?", "Thư lạ có đường link thì em làm gì?"]
EXPLANATION = "Giải thích: không ai được biết mã OTP."


@pytest.fixture
async def bank(db, world: World) -> None:
    """Three approved single-choice questions, the only ones in Vietnamese."""
    for stem in STEMS:
        data = QuestionData(type="single_choice", stem=stem, options=[Option("Đúng", correct=True), Option("Sai 1"),
                                                                     Option("Sai 2"), Option("Sai 3")],
                            explanation=EXPLANATION, competences=["4.1"])
        await create_question(db, data, author=None, owner=Owner(), status=Status.APPROVED)
    await db.commit()


@pytest.fixture
async def instances(settings):
    """More app instances on the same database and Redis: each phone talks to its own."""
    async with AsyncExitStack() as stack:
        async def open_instance() -> AsyncTestClient:
            client = await stack.enter_async_context(AsyncTestClient(app=create_app(settings), base_url="http://testserver.local"))
            client.follow_redirects = False
            client.headers["accept-language"] = "en"
            return client
        yield open_instance


async def host_game(client: AsyncTestClient, user: str = "teacher1", **options) -> int:
    await login(client, user)
    form = {"title": "Lễ khai mạc", "source": "bank", "language": "vi", "question_count": "3",
            "seconds_per_question": "20", "scoring": "accuracy", "speed_floor_percent": "50", "streak_bonus": "0"}
    response = await post_form(client, "/manage/games/new", form | options)
    assert response.status_code in (302, 303), response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def pin_of(db, game_id: int) -> str:
    return (await db.get(LiveGame, game_id)).pin


async def join_as(phone: AsyncTestClient, pin: str, nickname: str = ""):
    token = await csrf_token(phone, f"/g/{pin}") if nickname else await csrf_token(phone, "/login")
    return await phone.post(f"/g/{pin}/join", data={"nickname": nickname, "_csrf_token": token})


async def answer_with(phone: AsyncTestClient, pin: str, position: int, choice: str):
    token = await csrf_token(phone, "/login")
    return await phone.post(f"/g/{pin}/answer", data={"position": str(position), "choice": choice, "_csrf_token": token},
                            headers={"HX-Request": "true"})


async def tokens(redis, game_id: int, position: int) -> tuple[str, str]:
    """(the right option's token, a wrong one's) of a question."""
    question = await live_question(redis, game_id, position)
    right = question.right_positions()
    return (next(t for n, t in enumerate(question.tokens) if n in right),
            next(t for n, t in enumerate(question.tokens) if n not in right))


async def advance(host: AsyncTestClient, game_id: int, times: int = 1) -> None:
    for _ in range(times):
        assert (await post_form(host, f"/manage/games/{game_id}/advance")).status_code == 303


def score_on(page: str) -> int:
    return int(re.search(r'class="score">([\d.,]+) points', page).group(1).replace(",", "").replace(".", ""))


def shown_as(world: World, n: int) -> str:
    """A pupil's name in a game: given name and class, as on the boards; never the full name on the big screen."""
    pupil = world.pupils[n]
    return public_name(pupil.full_name, next(c.name for c in world.classes if c.id == pupil.class_id))


async def guest_on_question_one(client, db, redis, instances, nickname: str):
    """A hosted game, one guest phone joined, the first question on screen: (game, PIN, phone, (right, wrong))."""
    game_id = await host_game(client)
    pin = await pin_of(db, game_id)
    phone = await instances()
    await join_as(phone, pin, nickname)
    await advance(client, game_id)
    return game_id, pin, phone, await tokens(redis, game_id, 0)


async def test_a_game_is_hosted_joined_played_and_scored(client, db, redis, world: World, bank, instances):
    game_id = await host_game(client)
    pin = await pin_of(db, game_id)
    lobby = await client.get(f"/manage/games/{game_id}")
    assert pin in lobby.text and f"/g/{pin}" in lobby.text and "<svg" in lobby.text  # PIN, short link, QR code

    anh, binh = await instances(), await instances()
    assert (await join_as(anh, pin, "Anh")).status_code == 303
    assert (await join_as(binh, pin, "Bình")).status_code == 303
    lobby = await client.get(f"/manage/games/{game_id}")
    assert "Anh" in lobby.text and "Bình" in lobby.text

    await advance(client, game_id)  # the first question
    right, wrong = await tokens(redis, game_id, 0)
    phone = await anh.get(f"/g/{pin}/play")
    assert right in phone.text and EXPLANATION not in phone.text and "✓" not in phone.text  # no answer before it closes
    acknowledged = await answer_with(anh, pin, 0, right)
    assert acknowledged.status_code == 200 and "Answer received" in acknowledged.text and "Right" not in acknowledged.text
    assert (await answer_with(binh, pin, 0, wrong)).status_code == 200

    await advance(client, game_id)  # close: the distribution, the right answer and its explanation
    reveal = await client.get(f"/manage/games/{game_id}")
    assert EXPLANATION in reveal.text and "1 of 2 answers right" in reveal.text
    assert "Right!" in (await anh.get(f"/g/{pin}/play")).text
    assert "Not right this time" in (await binh.get(f"/g/{pin}/play")).text
    await advance(client, game_id)  # the standings
    board = await client.get(f"/manage/games/{game_id}")
    assert board.text.index("Anh") < board.text.index("Bình")
    assert score_on((await anh.get(f"/g/{pin}/play")).text) == 1000
    assert score_on((await binh.get(f"/g/{pin}/play")).text) == 0


async def test_scoring_uses_the_contest_rules_with_streaks(client, db, redis, world: World, bank, instances):
    game_id = await host_game(client, scoring="accuracy", streak_bonus="100")
    pin = await pin_of(db, game_id)
    phone = await instances()
    await join_as(phone, pin, "Chi")
    for position in range(2):
        await advance(client, game_id)
        right, _wrong = await tokens(redis, game_id, position)
        await answer_with(phone, pin, position, right)
        await advance(client, game_id, 2)
    # 1000 for the first right answer, 1000 + 100 for the second in a row (contest/play/scoring.py)
    assert score_on((await phone.get(f"/g/{pin}/play")).text) == 2100


async def test_an_answer_after_the_deadline_and_grace_is_refused(client, db, redis, world: World, bank, instances):
    game_id, pin, phone, (right, _wrong) = await guest_on_question_one(client, db, redis, instances, "Dũng")
    now_ms = (await redis.time())[0] * 1000
    await redis.hset(key(game_id, "meta"), "deadline_ms", now_ms - GRACE_MS - 1000)
    late = await answer_with(phone, pin, 0, right)
    assert late.status_code == 409 and "Time was up" in late.text
    # Looking at the game closed the overdue question: nobody scored on it.
    assert "No answer this time" in (await phone.get(f"/g/{pin}/play")).text


async def test_a_double_answer_counts_once(client, db, redis, world: World, bank, instances):
    game_id, pin, phone, (right, wrong) = await guest_on_question_one(client, db, redis, instances, "Em")
    await answer_with(phone, pin, 0, wrong)
    again = await answer_with(phone, pin, 0, right)
    assert "Your first answer stands" in again.text
    player_token = next(iter(await redis.hkeys(key(game_id, "tokens")))).decode()
    store = GameStore(redis)
    outcomes = await asyncio.gather(*(store.answer(game_id, player_token, 0, '{"choice": []}') for _ in range(20)))
    assert set(outcomes) == {"again"}
    await advance(client, game_id)
    assert "Not right this time" in (await phone.get(f"/g/{pin}/play")).text


async def test_two_instances_closing_at_once_score_once(client, db, redis, world: World, bank, instances):
    game_id, pin, phone, (right, _wrong) = await guest_on_question_one(client, db, redis, instances, "Giang")
    await answer_with(phone, pin, 0, right)
    now_ms = (await redis.time())[0] * 1000
    await redis.hset(key(game_id, "meta"), "deadline_ms", now_ms - GRACE_MS - 1000)
    # Two instances (the host screen and a phone) both find the question overdue.
    await asyncio.gather(client.get(f"/manage/games/{game_id}"), phone.get(f"/g/{pin}/play"), phone.get(f"/g/{pin}/play"))
    assert score_on((await phone.get(f"/g/{pin}/play")).text) == 1000
    assert [a.points for a in await db.scalars(select(GameAnswer))] == [1000]


@pytest.mark.parametrize("nickname", ["Đụ má", "vcl", "xXfuckXx", "sh1t head", "a", "<b>hi</b>"])
def test_guest_nicknames_are_filtered(nickname: str):
    assert nickname_problem(nickname) is not None


@pytest.mark.parametrize("nickname", ["Lớn Lên", "Các bạn 6A", "Cá Con", "Đức Anh", "Hà Nội 2", "Mai-Linh"])
def test_everyday_names_pass_the_filter(nickname: str):
    assert nickname_problem(nickname) is None


async def test_nicknames_are_unique_in_a_game_and_rude_ones_refused(client, db, world: World, bank, instances):
    game_id = await host_game(client)
    pin = await pin_of(db, game_id)
    first, second = await instances(), await instances()
    assert (await join_as(first, pin, "Hoa Mai")).status_code == 303
    taken = await join_as(second, pin, "  hoa   MAI ")
    assert taken.status_code == 400 and "already has this nickname" in taken.text
    rude = await join_as(second, pin, "Thằng chó")
    assert rude.status_code == 400 and "kinder nickname" in rude.text
    assert (await join_as(second, pin, "Hoa Lan")).status_code == 303


async def test_the_host_renames_and_removes_players(client, db, redis, world: World, bank, instances):
    game_id = await host_game(client)
    pin = await pin_of(db, game_id)
    phone, other = await instances(), await instances()
    await join_as(phone, pin, "Khoa")
    await join_as(other, pin, "Lan")
    assert (await post_form(client, f"/manage/games/{game_id}/players/1/rename", {"nickname": "Khoa 6A"})).status_code == 303
    assert "Khoa 6A" in (await phone.get(f"/g/{pin}/play")).text
    taken = await post_form(client, f"/manage/games/{game_id}/players/1/rename", {"nickname": "lan"})
    assert taken.status_code == 400
    assert (await post_form(client, f"/manage/games/{game_id}/players/2/kick")).status_code == 303
    assert "removed you from this game" in (await other.get(f"/g/{pin}/play")).text
    await advance(client, game_id)
    right, _wrong = await tokens(redis, game_id, 0)
    await answer_with(other, pin, 0, right)
    assert not await redis.hexists(key(game_id, "answers:0"), 2)  # a removed player's answer is not taken
    players = await client.get(f"/manage/games/{game_id}/players")
    assert "Khoa 6A" in players.text and "removed" in players.text


async def test_a_player_who_reloads_or_changes_phone_resumes_with_their_score(client, db, redis, world: World, bank,
                                                                              instances):
    game_id = await host_game(client)
    pin = await pin_of(db, game_id)
    phone = await instances()
    await login(phone, "pupil1", CARD_CODE)
    assert (await join_as(phone, pin)).status_code == 303
    await advance(client, game_id)
    right, _wrong = await tokens(redis, game_id, 0)
    await answer_with(phone, pin, 0, right)
    await advance(client, game_id, 3)  # close, standings, the second question
    reloaded = await phone.get(f"/g/{pin}/play")
    assert score_on(reloaded.text) == 1000 and shown_as(world, 0) in reloaded.text
    assert (await phone.get(f"/g/{pin}")).headers["location"] == f"/g/{pin}/play"  # the join page sends it back
    new_phone = await instances()
    await login(new_phone, "pupil1", CARD_CODE)
    assert (await join_as(new_phone, pin)).status_code == 303
    assert score_on((await new_phone.get(f"/g/{pin}/play")).text) == 1000
    assert await redis.hlen(key(game_id, "players")) == 1


async def test_results_are_stored_and_exported(client, db, redis, world: World, bank, instances):
    game_id = await host_game(client)
    pin = await pin_of(db, game_id)
    name, school_id, school = shown_as(world, 0), world.schools[0].id, world.schools[0].name
    pupil, guest = await instances(), await instances()
    await login(pupil, "pupil1", CARD_CODE)
    await join_as(pupil, pin)
    await join_as(guest, pin, "Minh")
    lobby = (await client.get(f"/manage/games/{game_id}")).text  # the big screen is public: no full names
    assert escape(name) in lobby and world.pupils[0].full_name not in lobby
    await advance(client, game_id)
    right, wrong = await tokens(redis, game_id, 0)
    await answer_with(pupil, pin, 0, right)
    await answer_with(guest, pin, 0, wrong)
    await advance(client, game_id)  # closing the question writes it to the database at once
    assert {(a.player_number, a.points) for a in await db.scalars(select(GameAnswer))} == {(1, 1000), (2, 0)}
    assert (await post_form(client, f"/manage/games/{game_id}/end")).status_code == 303
    db.expire_all()
    game = await db.get(LiveGame, game_id)
    assert game.status is GameStatus.ENDED and game.ended_at is not None
    players = {p.nickname: p for p in await db.scalars(select(GamePlayer))}
    assert players[name].score == 1000 and players[name].school_id == school_id
    assert players["Minh"].score == 0 and players["Minh"].user_id is None
    assert "The game is over" in (await guest.get(f"/g/{pin}/play")).text
    page = await client.get(f"/manage/games/{game_id}/results")
    assert name in page.text and school in page.text
    assert f'href="/manage/games/{game_id}/results.xlsx"' in (await client.get("/reports")).text  # with the contests
    exported = await client.get(f"/manage/games/{game_id}/results.csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["Rank"], r["Nickname"], r["Score"]) for r in rows] == [("1", name, "1000"), ("2", "Minh", "0")]
    workbook = openpyxl.load_workbook(io.BytesIO((await client.get(f"/manage/games/{game_id}/results.xlsx")).content))
    sheet = workbook.worksheets[0]
    assert [[cell.value for cell in row][:3] for row in sheet.iter_rows(min_row=2)] == [[1, name, "yes"], [2, "Minh", "no"]]


async def test_pause_stops_the_clock_and_skip_drops_the_question(client, db, redis, world: World, bank, instances):
    game_id, pin, phone, (right, _wrong) = await guest_on_question_one(client, db, redis, instances, "Nga")
    assert (await post_form(client, f"/manage/games/{game_id}/pause")).status_code == 303
    paused = await answer_with(phone, pin, 0, right)
    assert paused.status_code == 409 and "paused" in paused.text
    assert (await post_form(client, f"/manage/games/{game_id}/resume")).status_code == 303
    assert (await answer_with(phone, pin, 0, right)).status_code == 200
    assert (await post_form(client, f"/manage/games/{game_id}/skip")).status_code == 303
    assert "Question 2 of 3" in (await client.get(f"/manage/games/{game_id}")).text
    assert score_on((await phone.get(f"/g/{pin}/play")).text) == 0  # the skipped question scores nobody


async def test_only_the_host_or_staff_over_them_drive_a_game(client, db, world: World, bank, instances):
    game_id = await host_game(client, "teacher1")  # school S1, district D1
    for user, expected in (("teacher2", 404), ("district1", 200), ("province", 200), ("teacher3", 404)):
        staff = await instances()
        await login(staff, user)
        assert (await staff.get(f"/manage/games/{game_id}")).status_code == expected, user
        assert (await post_form(staff, f"/manage/games/{game_id}/advance")).status_code == (303 if expected == 200 else 404)
    pupil = await instances()
    await login(pupil, "pupil1", CARD_CODE)
    assert (await pupil.get(f"/manage/games/{game_id}")).status_code == 403
    nobody = await instances()
    assert (await nobody.get(f"/manage/games/{game_id}/results")).status_code == 302


async def test_a_round_question_set_becomes_a_game(client, db, world: World, bank):
    ids = list(await db.scalars(select(Question.id).order_by(Question.id)))
    now = datetime.now(timezone.utc)
    contest = Contest(title_vi="Hội thi trường", school_id=world.schools[0].id, opens_at=now, closes_at=now + timedelta(days=1))
    round_ = Round(contest=contest, title="Vòng 1", selection=Selection.FIXED, question_ids=ids[:2], question_count=2,
                   seconds_per_question=30, shuffle_questions=False)
    db.add_all([contest, round_])
    await db.commit()
    game_id = await host_game(client, source="round", round_id=str(round_.id))
    db.expire_all()
    assert [pair[0] for pair in (await db.get(LiveGame, game_id)).questions] == ids[:2]


async def test_players_find_a_game_by_pin_and_staff_find_it_in_their_list(client, db, world: World, bank, instances):
    game_id = await host_game(client)
    pin = await pin_of(db, game_id)
    listed = await client.get("/manage/games")
    assert f'href="/manage/games/{game_id}"' in listed.text and f"/manage/games/{game_id}/results" in listed.text
    phone = await instances()
    assert (await phone.get("/g", params={"pin": f"{pin[:3]} {pin[3:]}"})).headers["location"] == f"/g/{pin}"
    assert 'name="nickname"' in (await phone.get(f"/g/{pin}")).text
    unknown = await phone.get("/g/000000")
    assert unknown.status_code == 404 and "No game has this PIN" in unknown.text
