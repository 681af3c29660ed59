"""Gamification that teaches: practice brings mistakes back, XP and badges follow answers, practice never touches a contest."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime, timedelta, timezone
from html import unescape

from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contest.i18n import TIMEZONE
from contest.play.models import Answer, Attempt, AttemptQuestion
from contest.progress.achievements import (BADGES, badge_progress, level_of, level_threshold, streak_from, streak_of,
                                           xp_from)
from contest.progress.models import PracticeAnswer
from contest.progress.practice import due_for_review, practice_key
from questions.content import QuestionData
from questions.models import Question, QuestionVersion, Status
from questions.starter import load_starter
from questions.store import from_content
from tests.conftest import CARD_CODE, World, login, make_contest, post_form
from tests.test_play import FORM_FIELD, _Inputs, start

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


# The rules, on worked examples (docs/gamification.md).

def test_xp_is_ten_per_contest_credit_and_five_per_practice_credit():
    assert xp_from(0, 0) == 0
    assert xp_from(1 + 1 + 0.5, 0) == 25
    assert xp_from(0, 3) == 15
    assert xp_from(2.5, 3) == 40
    assert xp_from(0, 0.5) == 2  # 2.5 XP, rounded down
    assert xp_from(0.1 + 0.2, 0) == 3  # float sums do not lose a point


def test_levels_follow_the_triangular_thresholds():
    assert [level_threshold(n) for n in range(1, 7)] == [0, 100, 300, 600, 1000, 1500]
    assert [level_of(xp).number for xp in (0, 99, 100, 299, 300, 599, 600, 1000, 1499, 1500)] == [1, 1, 2, 2, 3, 3, 4, 5, 5, 6]
    level = level_of(350)
    assert (level.number, level.floor, level.ceiling, level.gained, level.span) == (3, 300, 600, 50, 300)


def test_badges_count_fully_right_answers_per_competence_and_domain():
    def earned(answers):
        return {p.badge.code for p in badge_progress(answers) if p.earned}

    assert earned([["4.2"]] * 9) == set()
    assert earned([["4.2"]] * 10) == {"phishing-spotter"}
    assert earned([["4.2", "1.2"]] * 10) == {"phishing-spotter", "fact-checker"}  # one answer, both skills
    assert earned([["4.2"]] * 10 + [["4.3"]] * 4) == {"phishing-spotter"}  # 14 in domain 4
    assert earned([["4.2"]] * 10 + [["4.3"]] * 5) == {"phishing-spotter", "domain-4"}  # 15 in domain 4
    assert "domain-4" not in earned([["5.4"]] * 15)
    assert len({b.code for b in BADGES}) == len(BADGES) == 10


def test_a_streak_counts_consecutive_days_ending_today_or_yesterday():
    today = date(2026, 11, 20)
    days = lambda *back: {today - timedelta(days=n) for n in back}  # noqa: E731
    assert streak_from(set(), today) == 0
    assert streak_from(days(0), today) == 1
    assert streak_from(days(0, 1, 2), today) == 3
    assert streak_from(days(1, 2), today) == 2  # not broken yet: today is not over
    assert streak_from(days(2, 3, 4), today) == 0  # yesterday was missed
    assert streak_from(days(0, 1, 3, 4, 5), today) == 2  # a gap ends it


# Helpers for practice through the web.

async def practice_item(redis: Redis, pupil_id: int) -> dict:
    return json.loads(await redis.get(practice_key(pupil_id)))


def _token_of(item: dict) -> dict[int, str]:
    return dict(zip(item["order"], item["tokens"]))


def right_form(data: QuestionData, item: dict) -> dict:
    """The fully right answer to the current item, as a pupil who knows it would fill the form."""
    token_of = _token_of(item)
    if data.type in ("single_choice", "multiple_response"):
        return {"choice": [token_of[i] for i, o in enumerate(data.options) if o.correct]}
    if data.type == "true_false":
        return {"choice": token_of[0 if data.answer_true else 1]}
    if data.type == "short_text":
        return {"text": data.answers[0]}
    if data.type == "numeric":
        return {"number": f"{data.numeric_answer:g}"}
    if data.type == "ordering":
        return {f"rank_{token_of[i]}": str(i + 1) for i in range(len(data.options))}
    return {f"match_{token_of[i]}": o.match for i, o in enumerate(data.options)}


def wrong_form(data: QuestionData, item: dict) -> dict:
    token_of = _token_of(item)
    if data.type in ("single_choice", "multiple_response"):
        return {"choice": [token_of[i] for i, o in enumerate(data.options) if not o.correct][:1]}
    if data.type == "true_false":
        return {"choice": token_of[1 if data.answer_true else 0]}
    if data.type == "short_text":
        return {"text": "zzz không phải"}
    if data.type == "numeric":
        return {"number": "-98765"}
    count = len(data.options)
    if data.type == "ordering":
        return {f"rank_{token_of[i]}": str(count - i) for i in range(count)}
    return {f"match_{token_of[i]}": "?" for i in range(count)}


async def practise(client: AsyncTestClient, db: AsyncSession, redis: Redis, pupil_id: int, *, right: bool = True,
                   path: str = "/practice") -> tuple[str, dict, QuestionData, str]:
    """Open the practice page, answer its question right (or wrong); the page, the item, the question and the reply."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    item = await practice_item(redis, pupil_id)
    data = from_content((await db.get(QuestionVersion, item["version_id"])).content)
    form = {"_csrf_token": CSRF.search(page.text).group(1), "q": item["token"],
            **(right_form if right else wrong_form)(data, item)}
    reply = await client.post(path, data=form)
    assert reply.status_code == 200, reply.text
    return page.text, item, data, reply.text


async def bank_and_pupil(client: AsyncTestClient, db: AsyncSession, world: World):
    await load_starter(db)
    await login(client, "pupil1", CARD_CODE)
    return world.pupils[0]


async def play_round_wrong(client: AsyncTestClient, db: AsyncSession, world: World, **round_options) -> Attempt:
    """Play a whole contest round sending empty answers (each scores 0, so each is a mistake)."""
    contest, round_ = await make_contest(db, world, **round_options)
    token = await start(client, contest, round_)
    while (page := await client.get(f"/play/{token}")).status_code == 200:
        fields = dict(FORM_FIELD.findall(page.text))
        response = await client.post(f"/play/{token}", data={k: fields[k] for k in ("_csrf_token", "q", "client_ms")})
        assert response.status_code in (200, 302), response.text
    return await db.scalar(select(Attempt).where(Attempt.token == token))


# Practice through the web.

async def test_practice_brings_back_a_question_missed_in_a_contest_first(client, world: World, db: AsyncSession, redis):
    pupil = await bank_and_pupil(client, db, world)
    attempt = await play_round_wrong(client, db, world, question_count=3)  # the round is in Vietnamese
    missed = list(await db.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                                   .order_by(AttemptQuestion.position)))
    first = await db.get(Question, missed[0].question_id)
    assert first.language == "vi"

    # In Vietnamese, the very question comes back, flagged as one to try again.
    page = await client.get("/practice", headers={"accept-language": "vi"})
    item = await practice_item(redis, pupil.id)
    assert item["question_id"] == first.id and item["review"] and item["language"] == "vi"
    assert unescape(first.stem) in unescape(page.text)
    assert "notice" in page.text

    # In English, the same question comes back as its translation; answered right, it is no longer due.
    await redis.delete(practice_key(pupil.id))
    translation = await db.get(Question, first.translation_id)
    _page, item, data, reply = await practise(client, db, redis, pupil.id)
    assert item["question_id"] == translation.id and item["review"]
    assert "Right!" in reply and "Next question" in reply
    assert translation.id not in await due_for_review(db, pupil.id, "en")
    assert len(await due_for_review(db, pupil.id, "en")) == 2

    # The other two mistakes come next, oldest first, then new questions.
    shown = []
    for _ in range(3):
        _page, item, _data, _reply = await practise(client, db, redis, pupil.id)
        shown.append((item["question_id"], item["review"]))
    expected = [(await db.get(Question, q.question_id)).translation_id for q in missed[1:]]
    assert shown[:2] == [(qid, True) for qid in expected]
    assert shown[2][1] is False and shown[2][0] not in expected + [translation.id]


async def test_a_practice_mistake_comes_back_but_not_straight_away(client, world: World, db: AsyncSession, redis):
    pupil = await bank_and_pupil(client, db, world)
    _page, item, _data, reply = await practise(client, db, redis, pupil.id, right=False)
    assert "Not right this time." in reply or "Partly right." in reply
    assert "will come back later" in reply
    missed = item["question_id"]
    _page, second, _data, _reply = await practise(client, db, redis, pupil.id)
    assert second["question_id"] != missed and not second["review"]  # never the same question twice in a row
    _page, third, _data, _reply = await practise(client, db, redis, pupil.id)
    assert third["question_id"] == missed and third["review"]


async def test_right_practice_answers_earn_xp_and_never_change_a_contest_score(client, world: World, db: AsyncSession, redis):
    pupil = await bank_and_pupil(client, db, world)
    attempt = await play_round_wrong(client, db, world, question_count=2)
    before = (attempt.score, attempt.correct_count, attempt.answered_count, attempt.position, attempt.finished_at)
    answers_before = await db.scalar(select(func.count()).select_from(Answer))
    result_before = (await client.get(f"/play/{attempt.token}/result")).text

    for _ in range(4):
        _page, _item, _data, reply = await practise(client, db, redis, pupil.id)
        assert "+5 XP" in reply

    me = (await client.get("/me")).text
    assert re.search(r"<dt>XP</dt><dd class=\"big\">20</dd>", me), me  # 4 × 5 XP, and 0 from the empty contest answers
    await db.refresh(attempt)
    assert (attempt.score, attempt.correct_count, attempt.answered_count, attempt.position, attempt.finished_at) == before
    assert await db.scalar(select(func.count()).select_from(Answer)) == answers_before
    assert await db.scalar(select(func.count()).select_from(PracticeAnswer).where(PracticeAnswer.credit == 1)) == 4
    assert (await client.get(f"/play/{attempt.token}/result")).text == result_before
    assert re.search(r'class="num best-score">0</td>', me)  # the personal best is the contest's own score


async def test_contest_credit_counts_double_and_levels_and_badges_show_on_my_progress(client, world: World, db: AsyncSession):
    pupil = await bank_and_pupil(client, db, world)
    # Drawn from domain 1 so that the contest answers never count towards the domain-4 badges below.
    attempt = await play_round_wrong(client, db, world, question_count=2, domain_quotas={"1": 2})
    # Two contest answers worth 1 and 0.5 credit: 15 XP.
    await db.execute(update(Answer).where(Answer.attempt_id == attempt.id).values(credit=1.0))
    await db.execute(update(Answer).where(Answer.id == (await db.scalar(select(func.min(Answer.id))))).values(credit=0.5))
    phishing = list(await db.scalars(select(Question).where(Question.competences.contains(",4.2,"),
                                                            Question.status == Status.APPROVED, Question.language == "en")
                                     .order_by(Question.id).limit(10)))
    now = datetime.now(timezone.utc)

    async def practised(questions, credit=1.0):
        db.add_all([PracticeAnswer(pupil_id=pupil.id, question_id=q.id, version_id=q.current_version_id, credit=credit,
                                   answered_at=now) for q in questions])
        await db.commit()
        return (await client.get("/me")).text

    def badge(page: str, name: str) -> str:
        return re.search(rf'<li class="(\w+)">\s*<strong>{name}</strong>', page).group(1)

    page = await practised(phishing[:9])  # 15 + 45 = 60 XP
    assert re.search(r'<dt>XP</dt><dd class="big">60</dd>', page)
    assert re.search(r'<dt>Level</dt><dd class="big">1</dd>', page)
    assert badge(page, "Phishing spotter") == "locked" and "9 of 10 fully right answers" in page
    page = await practised(phishing[9:10])  # the tenth: 65 XP
    assert badge(page, "Phishing spotter") == "earned"
    assert badge(page, "Safety guard") == "locked"
    page = await practised(phishing[:7], credit=0.0)  # wrong answers earn nothing
    assert re.search(r'<dt>XP</dt><dd class="big">65</dd>', page)
    page = await practised(phishing[:7])  # 65 + 35 = 100 XP: level 2; 17 right in domain 4
    assert re.search(r'<dt>Level</dt><dd class="big">2</dd>', page)
    assert "0 of 200 XP" in page
    assert badge(page, "Safety guard") == "earned"
    # The badge names follow the language.
    vietnamese = (await client.get("/me", headers={"accept-language": "vi"})).text
    assert '<html lang="vi">' in vietnamese


async def test_the_streak_counts_days_in_ho_chi_minh_time_across_contests_and_practice(client, world: World, db: AsyncSession):
    pupil = await bank_and_pupil(client, db, world)
    attempt = await play_round_wrong(client, db, world, question_count=2)
    question = await db.scalar(select(Question).where(Question.status == Status.APPROVED).limit(1))

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TIMEZONE).astimezone(timezone.utc)

    today = datetime.now(TIMEZONE).date()
    # The contest answers were yesterday (late evening), practice the day before (just after midnight).
    await db.execute(update(Answer).where(Answer.attempt_id == attempt.id).values(received_at=at(today - timedelta(days=1), 23, 30)))
    db.add(PracticeAnswer(pupil_id=pupil.id, question_id=question.id, version_id=question.current_version_id, credit=0.0,
                          answered_at=at(today - timedelta(days=2), 0, 15)))
    await db.commit()
    page = (await client.get("/me")).text
    assert "2 days in a row" in page and "keep your streak going" in page
    db.add(PracticeAnswer(pupil_id=pupil.id, question_id=question.id, version_id=question.current_version_id, credit=1.0,
                          answered_at=at(today, 0, 5)))  # 17:05 UTC the day before, but today in Hà Nội
    await db.commit()
    page = (await client.get("/me")).text
    assert "3 days in a row" in page and "keep your streak going" not in page
    # Seen from two days later, the streak is broken.
    later = at(today + timedelta(days=2), 12)
    assert (await streak_of(db, pupil.id, later)).days == 0
    assert (await streak_of(db, pupil.id, at(today + timedelta(days=1), 12))).days == 3
    # A question the server recorded as timed out is not an answer of the pupil's.
    await db.execute(update(Answer).where(Answer.attempt_id == attempt.id).values(timed_out=True))
    await db.commit()
    assert (await streak_of(db, pupil.id)).days == 1


async def test_the_practice_page_reveals_nothing_of_the_answer_before_it_is_given(client, world: World, db: AsyncSession, redis):
    pupil = await bank_and_pupil(client, db, world)
    kinds = set()
    for _ in range(12):
        page = unescape((await client.get("/practice", headers={"hx-request": "true"})).text)
        item = await practice_item(redis, pupil.id)
        data = from_content((await db.get(QuestionVersion, item["version_id"])).content)
        kinds.add(data.type)
        parser = _Inputs()
        parser.feed(page)
        assert {i["name"] for i in parser.inputs if i.get("type") == "hidden"} == {"_csrf_token", "q"}
        assert data.explanation not in page
        assert str(item["question_id"]) not in re.findall(r'value="([^"]*)"', page)
        assert not any("correct" in name or "correct" in value or "answer" in name for name, value in parser.attributes
                       if name not in ("class", "autocomplete"))
        if data.type == "short_text":
            assert not any(answer in page for answer in data.answers)
        values = [i["value"] for i in parser.inputs if i.get("name") == "choice"]
        assert not any(value.isdigit() or value in (o.text for o in data.options) for value in values)
        # The answer's feedback explains it.
        form = {"_csrf_token": CSRF.search((await client.get("/login", follow_redirects=True)).text).group(1),
                "q": item["token"], **right_form(data, item)}
        reply = unescape((await client.post("/practice", data=form, headers={"hx-request": "true"})).text)
        assert "Right answer" in reply and data.explanation in reply
        assert 'hx-get="/practice"' in reply and "<html" not in reply  # the htmx fragment, with its Next link
    assert len(kinds) >= 2


async def test_a_token_that_is_not_the_current_practice_item_is_refused(client, world: World, db: AsyncSession, redis):
    pupil = await bank_and_pupil(client, db, world)
    page, item, data, _reply = await practise(client, db, redis, pupil.id)
    csrf = CSRF.search(page).group(1)
    stale = {"_csrf_token": csrf, "q": item["token"], **right_form(data, item)}
    # The answered item is gone: sending it again records nothing.
    again = await client.post("/practice", data=stale)
    assert again.status_code == 409 and "already answered or has expired" in again.text
    await client.get("/practice")
    current = await practice_item(redis, pupil.id)
    for token in (item["token"], "not-a-token", ""):
        refused = await client.post("/practice", data={**stale, "q": token})
        assert refused.status_code == 409 and "not your current practice question" in refused.text
        assert current["token"] in refused.text  # the open question is shown again
    # A contest question's token is no practice item either.
    attempt = await play_round_wrong(client, db, world, question_count=1)
    contest_token = await db.scalar(select(AttemptQuestion.token).where(AttemptQuestion.attempt_id == attempt.id))
    assert (await client.post("/practice", data={**stale, "q": contest_token})).status_code == 409
    # An empty answer is refused and leaves the question open.
    empty = await client.post("/practice", data={"_csrf_token": csrf, "q": current["token"]})
    assert empty.status_code == 409 and "Choose or type an answer first" in empty.text
    assert await db.scalar(select(func.count()).select_from(PracticeAnswer)) == 1
    assert (await practice_item(redis, pupil.id))["token"] == current["token"]
    # Another pupil's token is not theirs.
    client.cookies.clear()
    await login(client, "pupil2", CARD_CODE)
    other = await post_form(client, "/practice", {"q": current["token"]})
    assert other.status_code == 409
    assert await db.scalar(select(func.count()).select_from(PracticeAnswer)) == 1


async def test_a_double_submit_records_one_practice_answer(client, world: World, db: AsyncSession, redis):
    pupil = await bank_and_pupil(client, db, world)
    page = await client.get("/practice")
    item = await practice_item(redis, pupil.id)
    data = from_content((await db.get(QuestionVersion, item["version_id"])).content)
    form = {"_csrf_token": CSRF.search(page.text).group(1), "q": item["token"], **right_form(data, item)}
    replies = await asyncio.gather(*(client.post("/practice", data=form) for _ in range(4)))
    assert sorted(r.status_code for r in replies) == [200, 409, 409, 409]
    assert await db.scalar(select(func.count()).select_from(PracticeAnswer)) == 1


async def test_practice_follows_the_language_the_grade_and_the_domain(client, world: World, db: AsyncSession, redis):
    pupil = await bank_and_pupil(client, db, world)  # grade 6: levels 3–4
    await client.get("/practice", headers={"accept-language": "vi"})
    item = await practice_item(redis, pupil.id)
    question = await db.get(Question, item["question_id"])
    assert question.language == "vi" and question.level_min <= 4 and question.level_max >= 3
    assert (await client.get("/practice", headers={"accept-language": "vi"})).status_code == 200
    assert (await practice_item(redis, pupil.id))["token"] == item["token"]  # a reload shows the same question
    for _ in range(4):
        _page, item, _data, reply = await practise(client, db, redis, pupil.id, path="/practice?domain=6")
        question = await db.get(Question, item["question_id"])
        assert question.language == "en" and ",6." in question.competences
        assert 'href="/practice?domain=6"' in reply
    page = (await client.get("/practice?domain=6")).text
    assert re.search(r'<option value="6" selected>', page)
    assert (await redis.ttl(practice_key(pupil.id))) > 3500


async def test_an_empty_bank_says_so(client, world: World, db: AsyncSession):
    await login(client, "pupil1", CARD_CODE)
    page = await client.get("/practice")
    assert page.status_code == 200 and "no practice questions for you here yet" in page.text


async def test_only_pupils_practise_and_see_progress(client, world: World, db: AsyncSession):
    for path in ("/practice", "/me"):
        response = await client.get(path)
        assert response.status_code == 302 and response.headers["location"].startswith("/login")
    assert (await post_form(client, "/practice", {"q": "x"})).headers["location"].startswith("/login")
    await login(client, "teacher1")
    assert (await client.get("/practice")).status_code == 403
    assert (await client.get("/me")).status_code == 403
    assert (await post_form(client, "/practice", {"q": "x"})).status_code == 403
    client.cookies.clear()
    await login(client, "pupil1", CARD_CODE)
    dashboard = (await client.get("/")).text
    assert 'href="/practice"' in dashboard and 'href="/me"' in dashboard
