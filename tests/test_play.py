"""Playing a round: server-owned time, fair scoring, and nothing the browser can cheat with."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone
from html import unescape
from html.parser import HTMLParser

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contest.contests.models import Explanations, Round, Selection
from contest.play.draw import Candidate, pick
from contest.play.models import Answer, Attempt, AttemptQuestion
from contest.play.scoring import Rule, base_points, points, ranking_key, streak_points
from contest.play.service import GRACE, finish_overdue
from questions.models import QuestionVersion
from questions.store import from_content
from tests.conftest import CARD_CODE, World, login, make_contest, post_form

FORM_FIELD = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
CHOICE = re.compile(r'name="choice" value="([^"]+)"')


async def start(client: AsyncTestClient, contest, round_) -> str:
    response = await post_form(client, f"/contests/{contest.id}/rounds/{round_.id}/start")
    assert response.status_code == 302, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def answer_form(page: str, choice_index: int = 0) -> dict:
    fields = dict(FORM_FIELD.findall(page))
    choices = CHOICE.findall(page)
    form = {"_csrf_token": fields["_csrf_token"], "q": fields["q"], "client_ms": "1234"}
    if choices:
        form["choice"] = choices[choice_index]
    elif 'name="text"' in page:
        form["text"] = "mật khẩu"
    elif 'name="number"' in page:
        form["number"] = "4"
    return form


async def play_through(client: AsyncTestClient, token: str, pages: list[str]) -> None:
    while True:
        page = await client.get(f"/play/{token}")
        if page.status_code == 302:
            return
        pages.append(page.text)
        response = await client.post(f"/play/{token}", data=answer_form(page.text))
        if response.status_code == 302:  # the last answer, in a round that shows no feedback: on to the result
            assert response.headers["location"].endswith("/result")
            return
        assert response.status_code == 200, response.text
        pages.append(response.text)


# Scoring: the formulas on worked examples (docs/scoring.md).

def test_accuracy_scores_credit_times_1000():
    assert base_points(Rule("accuracy"), 1.0, 9_000, 10_000) == 1000
    assert base_points(Rule("accuracy"), 0.5, 0, 10_000) == 500


def test_speed_decays_linearly_to_the_floor():
    rule = Rule("speed", speed_floor=0.5)
    assert base_points(rule, 1.0, 0, 20_000) == 1000
    assert base_points(rule, 1.0, 10_000, 20_000) == 750
    assert base_points(rule, 1.0, 20_000, 20_000) == 500
    assert base_points(rule, 1.0, 60_000, 20_000) == 500  # never below the floor
    assert base_points(rule, 0.5, 10_000, 20_000) == 375


def test_streak_bonus_grows_to_its_cap_and_resets_on_a_miss():
    rule = Rule("accuracy", streak_bonus=100, streak_cap=2)
    streak, earned = 0, []
    for credit in (1, 1, 1, 1, 0, 1):
        got, streak = points(rule, credit, 0, None, streak)
        earned.append(got)
    assert earned == [1000, 1100, 1200, 1200, 0, 1000]
    assert streak_points(Rule(streak_bonus=0), 5) == 0


def test_ties_break_by_time_then_finish_then_start():
    t0 = datetime(2026, 10, 1, 8, tzinfo=timezone.utc)
    later = t0 + timedelta(seconds=1)
    ranked = sorted([
        ("slow", ranking_key(5000, 90_000, t0, t0)),
        ("fast", ranking_key(5000, 80_000, later, later)),
        ("more points", ranking_key(6000, 99_000, later, later)),
        ("same time, finished later", ranking_key(5000, 90_000, later, t0)),
        ("same finish, started later", ranking_key(5000, 90_000, t0, later)),
    ], key=lambda pair: pair[1])
    assert [name for name, _ in ranked] == ["more points", "fast", "slow", "same finish, started later",
                                            "same time, finished later"]


# The draw.

def test_draw_fills_quotas_and_is_reproducible_from_its_seed():
    candidates = [Candidate(i, i, frozenset({str(1 + i % 6)}), ("easy", "medium", "hard")[i % 3]) for i in range(120)]
    picked, filled = pick(candidates, 10, {"4": 4, "1": 2}, {"hard": 3}, seed=42)
    assert len(picked) == len({c.id for c in picked}) == 10
    assert sum("4" in c.domains for c in picked) >= 4 and sum("1" in c.domains for c in picked) >= 2
    assert sum(c.difficulty == "hard" for c in picked) >= 3
    assert filled["domain 4"] >= 4
    assert pick(candidates, 10, {"4": 4, "1": 2}, {"hard": 3}, seed=42)[0] == picked


# Playing through the web.

async def test_a_pupil_plays_a_whole_round_and_the_score_is_the_sum_of_the_answers(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    await play_through(client, token, [])
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    answers = list(await db.scalars(select(Answer).where(Answer.attempt_id == attempt.id)))
    assert attempt.finished_at is not None and len(answers) == 5
    assert attempt.score == sum(a.points for a in answers)
    assert attempt.correct_count == sum(1 for a in answers if a.credit >= 1)
    result = await client.get(f"/play/{token}/result")
    assert f'<dd class="big">{attempt.score:,}</dd>' in result.text  # English number format in tests
    assert "1 of 1" in result.text  # alone in the class, the school, the district and the contest


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.attributes += [(name, value or "") for name, value in attrs]
        if tag == "input":
            self.inputs.append(dict(attrs))


async def test_no_response_reveals_the_answer_before_it_is_given(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world, question_count=8)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    questions = list(await db.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                                      .order_by(AttemptQuestion.position)))
    for question in questions:
        page = unescape((await client.get(f"/play/{token}", headers={"hx-request": "true"})).text)
        data = from_content((await db.get(QuestionVersion, question.version_id)).content)
        parser = _Inputs()
        parser.feed(page)
        hidden = {i["name"] for i in parser.inputs if i.get("type") == "hidden"}
        assert hidden == {"_csrf_token", "q", "client_ms"}
        assert data.explanation not in page
        assert not any("correct" in name or "correct" in value or "answer" in name for name, value in parser.attributes
                       if name not in ("class", "autocomplete"))
        if data.type == "short_text":
            assert not any(answer in page for answer in data.answers)
        values = [i["value"] for i in parser.inputs if i.get("name") == "choice"]
        assert not any(value.isdigit() or value in (o.text for o in data.options) for value in values)
        response = await client.post(f"/play/{token}", data=answer_form(page), headers={"hx-request": "true"})
        assert data.explanation in unescape(response.text)  # explained right after answering, as this round says


async def test_after_the_last_answer_htmx_takes_the_pupil_to_the_result(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world, question_count=2, explanations=Explanations.AFTER_CLOSE)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    for _ in range(2):
        page = (await client.get(f"/play/{token}", headers={"hx-request": "true"})).text
        response = await client.post(f"/play/{token}", data=answer_form(page), headers={"hx-request": "true"})
    assert response.status_code == 200 and response.headers["hx-redirect"] == f"/play/{token}/result"
    assert (await client.get(f"/play/{token}/result")).status_code == 200


async def test_without_feedback_the_next_questions_clock_starts_with_the_answer(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world, question_count=3, explanations=Explanations.AFTER_CLOSE)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    page = (await client.get(f"/play/{token}")).text
    await client.post(f"/play/{token}", data=answer_form(page), headers={"hx-request": "true"})
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    answer = await db.scalar(select(Answer).where(Answer.attempt_id == attempt.id))
    second = await db.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id,
                                                           AttemptQuestion.position == 1))
    third = await db.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id,
                                                          AttemptQuestion.position == 2))
    assert second.shown_at == answer.received_at  # the pupil sees it in the answer's reply
    assert second.deadline == answer.received_at + timedelta(seconds=round_.seconds_per_question)
    assert third.shown_at is None


async def test_an_answer_after_the_deadline_and_grace_is_refused_and_scores_nothing(client, world: World, db):
    contest, round_ = await make_contest(db, world)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    page = (await client.get(f"/play/{token}")).text
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    past = datetime.now(timezone.utc) - GRACE - timedelta(seconds=1)
    await db.execute(update(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == 0)
                     .values(deadline=past))
    await db.commit()
    response = await client.post(f"/play/{token}", data=answer_form(page))
    assert response.status_code == 409 and "Time was up" in response.text
    assert await db.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == attempt.id)) == 0
    # The next visit records the question as unanswered and moves on.
    await client.get(f"/play/{token}")
    timed_out = await db.scalar(select(Answer).where(Answer.attempt_id == attempt.id))
    assert timed_out.timed_out and timed_out.points == 0


async def test_a_double_submit_is_counted_once(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    form = answer_form((await client.get(f"/play/{token}")).text)
    first, second = await asyncio.gather(client.post(f"/play/{token}", data=form), client.post(f"/play/{token}", data=form))
    assert {first.status_code, second.status_code} == {200}
    replay = await client.post(f"/play/{token}", data=form)
    assert "already saved" in replay.text
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    answers = list(await db.scalars(select(Answer).where(Answer.attempt_id == attempt.id)))
    assert len(answers) == 1
    assert attempt.position == 1 and attempt.score == answers[0].points


async def test_answering_a_question_that_is_not_the_current_one_does_nothing(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    later = await db.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == 3))
    form = answer_form((await client.get(f"/play/{token}")).text) | {"q": later.token}
    response = await client.post(f"/play/{token}", data=form)
    assert response.status_code == 409 and "not the question you are on" in response.text
    bogus = await client.post(f"/play/{token}", data=form | {"q": "not-a-token"})
    assert bogus.status_code == 409 and "not part of your attempt" in bogus.text
    assert await db.scalar(select(func.count()).select_from(Answer)) == 0


async def test_posting_to_someone_elses_attempt_is_refused(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    form = answer_form((await client.get(f"/play/{token}")).text)
    client.cookies.clear()
    await login(client, "pupil2", CARD_CODE)
    assert (await client.get(f"/play/{token}")).status_code == 404
    answer = {name: value for name, value in form.items() if name != "_csrf_token"}  # whatever kind was drawn
    assert (await post_form(client, f"/play/{token}", answer)).status_code == 404
    assert await db.scalar(select(func.count()).select_from(Answer)) == 0


async def test_reload_and_restart_resume_the_same_attempt_with_the_same_deadline(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world, seconds_per_question=None, seconds_per_round=600)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    first = (await client.get(f"/play/{token}")).text
    await asyncio.sleep(1.1)
    second = (await client.get(f"/play/{token}")).text
    assert FORM_FIELD.findall(first)[1] == FORM_FIELD.findall(second)[1]  # the same question
    remaining = [int(re.search(r'data-remaining-ms="(\d+)"', page).group(1)) for page in (first, second)]
    assert remaining[0] - remaining[1] >= 1000  # the clock kept running through the reload
    client.cookies.clear()  # "another phone"
    await login(client, "pupil1", CARD_CODE)
    assert await start(client, contest, round_) == token
    await db.refresh(attempt)
    assert await db.scalar(select(func.count()).select_from(Attempt)) == 1


async def test_time_up_finishes_the_attempt_even_if_the_pupil_never_returns(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world, seconds_per_question=None, seconds_per_round=60)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    await db.execute(update(Attempt).values(deadline=datetime.now(timezone.utc) - timedelta(minutes=1)))
    await db.commit()
    assert await finish_overdue(db) == 1
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    assert attempt.finished_at is not None
    assert (await client.get(f"/play/{token}")).status_code == 302


async def test_a_start_stampede_gives_each_pupil_one_attempt(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world)
    await login(client, "pupil1", CARD_CODE)
    tokens = await asyncio.gather(*(start(client, contest, round_) for _ in range(8)))
    assert len(set(tokens)) == 1
    assert await db.scalar(select(func.count()).select_from(Attempt)) == 1


async def test_used_attempts_and_closed_windows_refuse_a_new_start(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world)
    await login(client, "pupil1", CARD_CODE)
    await play_through(client, await start(client, contest, round_), [])
    again = await post_form(client, f"/contests/{contest.id}/rounds/{round_.id}/start")
    assert again.status_code == 400 and "all your attempts" in again.text
    closed, closed_round = await make_contest(db, world, opens_in=timedelta(hours=-3), lasts=timedelta(hours=1))
    refused = await post_form(client, f"/contests/{closed.id}/rounds/{closed_round.id}/start")
    assert refused.status_code == 403 and "closed" in refused.text


async def test_pupils_outside_the_contests_districts_or_grades_cannot_enter(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world, contest_options={"district_ids": [world.districts[0].id]})
    outsider = next(p for p in world.pupils if p.school_id == world.schools[2].id)
    await login(client, outsider.username, CARD_CODE)
    assert contest.title_en not in (await client.get("/contests")).text
    assert (await client.get(f"/contests/{contest.id}")).status_code == 404
    assert (await post_form(client, f"/contests/{contest.id}/rounds/{round_.id}/start")).status_code == 404
    graded, graded_round = await make_contest(db, world, contest_options={"grades": [12]})
    assert (await client.get(f"/contests/{graded.id}")).status_code == 404


async def test_a_final_admits_only_the_top_of_each_school(client, world: World, db: AsyncSession):
    contest, qualifier = await make_contest(db, world, selection=Selection.RANDOM, question_count=3)
    final = Round(contest_id=contest.id, position=2, title="Chung kết", question_count=3, seconds_per_question=30,
                  qualifier_round_id=qualifier.id, qualify_top_n=1, qualify_per="school")
    db.add(final)
    await db.commit()
    school_one = [p for p in world.pupils if p.school_id == world.schools[0].id]  # four pupils
    for pupil in school_one[:2]:  # two play the qualifier, the third does not
        client.cookies.clear()
        await login(client, pupil.username, CARD_CODE)
        await play_through(client, await start(client, contest, qualifier), [])
    attempts = list(await db.scalars(select(Attempt).where(Attempt.round_id == qualifier.id)))
    best = min(attempts, key=lambda a: ranking_key(a.score, a.time_ms, a.finished_at, a.started_at))
    for pupil in school_one[:3]:
        client.cookies.clear()
        await login(client, pupil.username, CARD_CODE)
        response = await post_form(client, f"/contests/{contest.id}/rounds/{final.id}/start")
        assert response.status_code == (302 if pupil.id == best.pupil_id else 403), pupil.username


async def test_explanations_can_wait_until_the_contest_closes(client, world: World, db: AsyncSession):
    contest, round_ = await make_contest(db, world, explanations=Explanations.AFTER_CLOSE, question_count=2)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    pages: list[str] = []
    await play_through(client, token, pages)
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    explanations = [from_content((await db.get(QuestionVersion, q.version_id)).content).explanation
                    for q in await db.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id))]
    assert not any(e in unescape(page) for e in explanations for page in pages)
    assert (await client.get(f"/play/{token}/review")).status_code == 302
    assert "Explanations open when the contest closes" in (await client.get(f"/play/{token}/result")).text


async def test_editing_a_question_after_an_attempt_leaves_its_review_unchanged(client, world: World, db: AsyncSession):
    from contest.accounts.identity import CurrentUser
    from questions.models import Question
    from questions.store import update_question

    contest, round_ = await make_contest(db, world, question_count=2)
    await login(client, "pupil1", CARD_CODE)
    token = await start(client, contest, round_)
    await play_through(client, token, [])
    before = (await client.get(f"/play/{token}/review")).text
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token))
    played = await db.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id))
    question = await db.get(Question, played.question_id)
    data = from_content((await db.get(QuestionVersion, question.current_version_id)).content)
    data.stem, data.explanation = "Một câu hỏi đã được sửa lại hoàn toàn?", "Giải thích mới hoàn toàn khác."
    await update_question(db, question, data, editor=CurrentUser.of(world.organiser))
    await db.commit()
    assert (await client.get(f"/play/{token}/review")).text == before


async def test_question_statistics_are_derived_from_the_answers(client, world: World, db: AsyncSession):
    from questions.statistics import statistics_of

    contest, round_ = await make_contest(db, world, selection=Selection.FIXED, question_count=1)
    question_id = await db.scalar(select(func.min(QuestionVersion.question_id)))
    round_.question_ids = [question_id]
    await db.commit()
    for pupil in ("pupil1", "pupil2", "pupil3"):
        client.cookies.clear()
        await login(client, pupil, CARD_CODE)
        await play_through(client, await start(client, contest, round_), [])
    answers = list(await db.scalars(select(Answer).where(Answer.question_id == question_id)))
    stats = (await statistics_of(db, [question_id]))[question_id]
    assert stats.shown == stats.answered == 3
    assert stats.correct_rate == sum(a.credit >= 1 for a in answers) / 3
    assert stats.mean_ms == pytest.approx(sum(a.response_ms for a in answers) / 3)
