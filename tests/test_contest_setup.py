"""Organisers and teachers set up contests and rounds through the forms; scopes and every refusal named."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.contests.models import Contest, Round, Selection, Visibility
from contest.db import utcnow
from contest.i18n import TIMEZONE
from questions.content import QuestionData
from questions.models import Question, Status
from questions.starter import load_starter
from questions.store import Owner, create_question
from tests.conftest import CARD_CODE, World, login, post_form


def local(moment: datetime) -> str:
    """How a datetime-local input in Vietnam writes this moment."""
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%dT%H:%M")


def contest_form(**changes) -> dict:
    now = utcnow()
    form = {"title_vi": "Hội thi An toàn số", "title_en": "Digital Safety Contest", "theme": "An toàn trên mạng",
            "description_vi": "Cuộc thi cho học sinh.", "description_en": "A contest for pupils.",
            "opens_at": local(now - timedelta(hours=1)), "closes_at": local(now + timedelta(days=1)),
            "visibility": "live", "unit_ranking": "mean_top_n", "unit_top_n": "10"}
    return {key: value for key, value in {**form, **changes}.items() if value is not None}


def round_form(**changes) -> dict:
    form = {"title": "Vòng loại", "language": "vi", "selection": "random", "question_count": "10",
            "seconds_per_question": "30", "seconds_per_round": "", "attempts_allowed": "2", "counting": "best",
            "shuffle_questions": "true", "shuffle_options": "true", "explanations": "after_each", "scoring": "accuracy",
            "speed_floor": "0.5", "streak_bonus": "0", "streak_cap": "5", "qualifier_round_id": "",
            "qualify_top_n": "3", "qualify_per": "school"}
    return {key: value for key, value in {**form, **changes}.items() if value is not None}


def problem_fields(html: str) -> list[str]:
    return re.findall(r'<li data-field="([^"]+)"', html)


def id_from(response) -> int:
    assert response.status_code == 302, response.text
    return int(response.headers["location"].rstrip("/").rsplit("/", 1)[1])


async def create_contest(client: AsyncTestClient, **changes) -> int:
    response = await post_form(client, "/manage/contests/new", contest_form(**changes))
    contest_id = id_from(response)
    assert response.headers["location"] == f"/manage/contests/{contest_id}"
    return contest_id


async def add_round(client: AsyncTestClient, contest_id: int, **changes) -> None:
    response = await post_form(client, f"/manage/contests/{contest_id}/rounds/new", round_form(**changes))
    assert response.status_code == 302, problem_fields(response.text)
    assert response.headers["location"] == f"/manage/contests/{contest_id}"


async def rounds_of(db: AsyncSession, contest_id: int) -> list[Round]:
    return list(await db.scalars(select(Round).where(Round.contest_id == contest_id).order_by(Round.position)
                                 .execution_options(populate_existing=True)))


async def count(db: AsyncSession, model) -> int:
    return await db.scalar(select(func.count()).select_from(model))


@pytest.fixture
async def bank(db: AsyncSession) -> None:
    await load_starter(db)


async def test_an_organiser_sets_up_a_qualifier_and_a_final_for_the_top_3_per_school(
        client: AsyncTestClient, db: AsyncSession, world: World, bank):
    await login(client, "province")
    listing = await client.get("/manage/contests")
    assert listing.status_code == 200 and 'href="/manage/contests/new"' in listing.text and "New contest" in listing.text
    assert (await client.get("/manage/contests/new")).status_code == 200

    contest_id = await create_contest(client, grades=["6", "7"], district_ids=[str(world.districts[0].id)])
    contest = await db.get_one(Contest, contest_id)
    assert (contest.province_id, contest.district_id, contest.school_id) == (world.province.id, None, None)
    assert contest.created_by_id == world.organiser.id
    assert contest.grades == [6, 7] and contest.district_ids == [world.districts[0].id] and contest.school_ids == []
    assert contest.title_en == "Digital Safety Contest" and not contest.published

    await add_round(client, contest_id, title="Vòng loại", question_count="12", domain_4="4", domain_1="2",
                    difficulty_hard="2", difficulty_easy="")
    qualifier = (await rounds_of(db, contest_id))[0]
    assert qualifier.selection is Selection.RANDOM and qualifier.question_count == 12
    assert qualifier.domain_quotas == {"1": 2, "4": 4} and qualifier.difficulty_quotas == {"hard": 2}
    assert qualifier.attempts_allowed == 2 and qualifier.seconds_per_question == 30 and qualifier.seconds_per_round is None

    approved = list(await db.scalars(select(Question.id).where(Question.status == Status.APPROVED, Question.language == "vi")
                                     .order_by(Question.id.desc()).limit(3)))
    await add_round(client, contest_id, title="Chung kết", selection="fixed", question_ids=", ".join(map(str, approved)),
                    seconds_per_question="", seconds_per_round="300", attempts_allowed="1", scoring="accuracy",
                    streak_bonus="50", qualifier_round_id=str(qualifier.id), qualify_top_n="3", qualify_per="school")
    qualifier, final = await rounds_of(db, contest_id)
    assert (qualifier.position, final.position) == (1, 2)
    assert final.selection is Selection.FIXED and final.question_ids == approved and final.question_count == 3
    assert final.domain_quotas == {} and final.seconds_per_round == 300 and final.seconds_per_question is None
    assert (final.qualifier_round_id, final.qualify_top_n, final.qualify_per) == (qualifier.id, 3, "school")
    assert final.streak_bonus == 50

    page = await client.get(f"/manage/contests/{contest_id}")
    assert page.status_code == 200
    assert f'href="/manage/rounds/{qualifier.id}"' in page.text and f'href="/manage/rounds/{final.id}"' in page.text
    assert "Vòng loại" in page.text and "Chung kết" in page.text
    assert f'href="/manage/contests/{contest_id}/rounds/new"' in page.text and "Add round" in page.text
    assert "final for the best 3 per school of “Vòng loại”" in page.text

    round_page = await client.get(f"/manage/rounds/{final.id}")
    assert round_page.status_code == 200
    assert f'<option value="{qualifier.id}" selected>' in round_page.text
    # The qualifier may not name the final (a later round), nor itself.
    qualifier_page = await client.get(f"/manage/rounds/{qualifier.id}")
    assert f'<option value="{final.id}"' not in qualifier_page.text and f'<option value="{qualifier.id}"' not in qualifier_page.text

    response = await post_form(client, f"/manage/contests/{contest_id}", contest_form(published="true", grades=["6", "7"]))
    assert response.status_code == 302
    listing = await client.get("/manage/contests")
    assert f'href="/manage/contests/{contest_id}"' in listing.text and "Published" in listing.text


async def test_the_window_is_typed_in_vietnam_time_and_stored_in_utc(client: AsyncTestClient, db: AsyncSession, world: World):
    await login(client, "district1")
    contest_id = await create_contest(client, opens_at="2030-05-01T08:00", closes_at="2030-05-01T10:30")
    contest = await db.get_one(Contest, contest_id)
    assert contest.opens_at == datetime(2030, 5, 1, 1, 0, tzinfo=timezone.utc)
    assert contest.closes_at == datetime(2030, 5, 1, 3, 30, tzinfo=timezone.utc)
    assert contest.district_id == world.districts[0].id and contest.province_id is None
    page = await client.get(f"/manage/contests/{contest_id}")
    assert 'value="2030-05-01T08:00"' in page.text and 'value="2030-05-01T10:30"' in page.text


async def test_a_refused_contest_names_every_problem_and_saves_nothing(client: AsyncTestClient, db: AsyncSession, world: World):
    await login(client, "province")
    response = await post_form(client, "/manage/contests/new", contest_form(
        title_vi="", opens_at="2030-05-01T10:00", closes_at="2030-05-01T09:00", unit_top_n="0", grades=["13"],
        published="true"))
    assert response.status_code == 400
    assert set(problem_fields(response.text)) == {"title_vi", "closes_at", "unit_top_n", "grades", "published"}
    assert "The contest must close after it opens." in response.text
    assert "Enter the Vietnamese title." in response.text
    assert "Add at least one round before publishing the contest." in response.text
    assert 'value="2030-05-01T10:00"' in response.text  # what was typed stays in the form
    assert await count(db, Contest) == 0


async def test_a_refused_round_names_each_problem_and_saves_nothing(client: AsyncTestClient, db: AsyncSession, world: World,
                                                                     bank):
    province = CurrentUser.of(world.organiser)
    draft = await create_question(db, QuestionData(type="true_false", stem="Câu nháp?", answer_true=True,
                                                   competences=["4.1"], explanation="Vì vậy."),
                                  author=province, owner=Owner.of(province))
    await db.commit()
    english = await db.scalar(select(Question.id).where(Question.status == Status.APPROVED, Question.language == "en"))
    await login(client, "province")
    contest_id = await create_contest(client)
    cases = [
        ({"seconds_per_question": "", "seconds_per_round": ""}, "seconds_per_question", "Give a time limit"),
        ({"seconds_per_round": "-5"}, "seconds_per_round", "Seconds for the whole round: enter a whole number of at least 1."),
        ({"question_count": "5", "domain_4": "3", "domain_1": "3"}, "domain_quotas",
         "The domain quotas ask for 6 questions, more than the 5 the round draws."),
        ({"question_count": "5", "difficulty_easy": "4", "difficulty_hard": "2"}, "difficulty_quotas",
         "The difficulty quotas ask for 6 questions, more than the 5 the round draws."),
        ({"question_count": "200"}, "question_count", "The bank has only 160 approved questions in Vietnamese"),
        ({"question_count": "20", "domain_5": "13"}, "domain_5", "The bank has only 12 approved questions of domain 5 in Vietnamese."),
        ({"selection": "fixed", "question_ids": str(draft.id)}, "question_ids",
         f"Question #{draft.id} is not approved (it is: Draft)."),
        ({"selection": "fixed", "question_ids": str(english)}, "question_ids",
         f"Question #{english} is in English, not in Vietnamese."),
        ({"selection": "fixed", "question_ids": "999999"}, "question_ids", "There is no question #999999 in your bank."),
        ({"selection": "fixed", "question_ids": ""}, "question_ids", "List the numbers of the round&#39;s questions"),
        ({"scoring": "speed", "seconds_per_question": "", "seconds_per_round": "600"}, "scoring",
         "Speed scoring needs a time limit per question"),
        ({"speed_floor": "1.5"}, "speed_floor", "enter a number from 0 to 1"),
        ({"attempts_allowed": "0"}, "attempts_allowed", "Attempts allowed: enter a whole number of at least 1."),
        ({"streak_cap": "0"}, "streak_cap", "at least 1"),
        ({"title": ""}, "title", "Enter the round&#39;s title."),
        ({"qualifier_round_id": "999999"}, "qualifier_round_id", "A final can only follow an earlier round"),
    ]
    for changes, field, message in cases:
        response = await post_form(client, f"/manage/contests/{contest_id}/rounds/new", round_form(**changes))
        assert response.status_code == 400, changes
        assert problem_fields(response.text) == [field], (changes, problem_fields(response.text))
        assert message in response.text, (changes, message)
    assert await count(db, Round) == 0


async def test_a_round_is_edited_in_place_and_a_bad_edit_changes_nothing(client: AsyncTestClient, db: AsyncSession,
                                                                          world: World, bank):
    await login(client, "province")
    contest_id = await create_contest(client)
    await add_round(client, contest_id, title="Vòng 1")
    await add_round(client, contest_id, title="Vòng 2")
    first, second = await rounds_of(db, contest_id)
    response = await post_form(client, f"/manage/rounds/{second.id}", round_form(title="Vòng 2 mới", question_count="8"))
    assert response.status_code == 302 and response.headers["location"] == f"/manage/contests/{contest_id}"
    # A round may only take finalists from an earlier one.
    response = await post_form(client, f"/manage/rounds/{first.id}", round_form(title="Đổi tên",
                                                                               qualifier_round_id=str(second.id)))
    assert response.status_code == 400 and problem_fields(response.text) == ["qualifier_round_id"]
    first, second = await rounds_of(db, contest_id)
    assert (second.title, second.question_count, second.position) == ("Vòng 2 mới", 8, 2)
    assert first.title == "Vòng 1" and first.qualifier_round_id is None


async def test_a_teachers_contest_belongs_to_their_school_and_other_teachers_get_404(
        client: AsyncTestClient, db: AsyncSession, world: World, bank):
    await login(client, "teacher1")
    form_page = await client.get("/manage/contests/new")
    assert 'name="school_ids"' not in form_page.text and 'name="district_ids"' not in form_page.text
    assert world.schools[0].name in form_page.text
    refused = await post_form(client, "/manage/contests/new", contest_form(school_ids=[str(world.schools[1].id)]))
    assert refused.status_code == 400 and problem_fields(refused.text) == ["school_ids"]

    contest_id = await create_contest(client, grades=["6"])
    await add_round(client, contest_id)
    contest = await db.get_one(Contest, contest_id)
    assert (contest.school_id, contest.district_id, contest.province_id) == (world.schools[0].id, None, None)
    assert contest.school_ids == [] and contest.district_ids == []
    round_id = (await rounds_of(db, contest_id))[0].id

    client.cookies.clear()
    await login(client, "teacher2")
    assert f"/manage/contests/{contest_id}" not in (await client.get("/manage/contests")).text
    for path in (f"/manage/contests/{contest_id}", f"/manage/contests/{contest_id}/rounds/new", f"/manage/rounds/{round_id}"):
        assert (await client.get(path)).status_code == 404, path
    assert (await post_form(client, f"/manage/contests/{contest_id}", contest_form(title_vi="Của tôi"))).status_code == 404
    assert (await post_form(client, f"/manage/rounds/{round_id}", round_form())).status_code == 404
    assert (await post_form(client, f"/manage/contests/{contest_id}/rounds/new", round_form())).status_code == 404
    assert (await db.get_one(Contest, contest_id, populate_existing=True)).title_vi == "Hội thi An toàn số"
    assert await count(db, Round) == 1

    # The school's district organiser manages it too.
    client.cookies.clear()
    await login(client, "district1")
    assert (await client.get(f"/manage/contests/{contest_id}")).status_code == 200


async def test_a_pupil_is_refused(client: AsyncTestClient, world: World):
    await login(client, "pupil1", CARD_CODE)
    assert (await client.get("/manage/contests")).status_code == 403
    assert (await client.get("/manage/contests/new")).status_code == 403
    assert (await post_form(client, "/manage/contests/new", contest_form())).status_code == 403


async def test_nobody_is_sent_to_log_in(client: AsyncTestClient, world: World):
    response = await client.get("/manage/contests")
    assert response.status_code == 302 and response.headers["location"].startswith("/login")


async def test_a_district_organiser_sees_only_their_districts_contests(client: AsyncTestClient, db: AsyncSession,
                                                                        world: World):
    window = {"opens_at": utcnow(), "closes_at": utcnow() + timedelta(days=1)}
    province_contest = Contest(title_vi="Của tỉnh", province_id=world.province.id, **window)
    other_district = Contest(title_vi="Của huyện 2", district_id=world.districts[1].id, **window)
    other_school = Contest(title_vi="Của trường 3", school_id=world.schools[2].id, **window)
    own_school = Contest(title_vi="Của trường 1", school_id=world.schools[0].id, **window)
    db.add_all([province_contest, other_district, other_school, own_school])
    await db.commit()

    await login(client, "district1")
    listing = await client.get("/manage/contests")
    assert "Của trường 1" in listing.text
    for foreign in (province_contest, other_district, other_school):
        assert foreign.title_vi not in listing.text
        assert (await client.get(f"/manage/contests/{foreign.id}")).status_code == 404
    assert (await client.get(f"/manage/contests/{own_school.id}")).status_code == 200

    # Its own contests belong to the district and may be narrowed to the district's schools only.
    form_page = await client.get("/manage/contests/new")
    assert 'name="district_ids"' not in form_page.text
    assert world.schools[1].name in form_page.text and world.schools[2].name not in form_page.text
    refused = await post_form(client, "/manage/contests/new", contest_form(school_ids=[str(world.schools[2].id)]))
    assert refused.status_code == 400 and problem_fields(refused.text) == ["school_ids"]
    contest_id = await create_contest(client, school_ids=[str(world.schools[1].id)])
    contest = await db.get_one(Contest, contest_id)
    assert contest.district_id == world.districts[0].id and contest.school_ids == [world.schools[1].id]

    client.cookies.clear()
    await login(client, "province")
    listing = await client.get("/manage/contests")
    assert all(title in listing.text for title in ("Của tỉnh", "Của huyện 2", "Của trường 3", "Của trường 1"))


async def test_a_province_contest_cannot_pick_a_school_outside_its_chosen_districts(client: AsyncTestClient, db: AsyncSession,
                                                                                    world: World):
    await login(client, "province")
    response = await post_form(client, "/manage/contests/new", contest_form(
        district_ids=[str(world.districts[0].id)], school_ids=[str(world.schools[2].id)]))
    assert response.status_code == 400 and problem_fields(response.text) == ["school_ids"]
    assert await count(db, Contest) == 0


async def test_a_published_contest_narrowed_to_a_district_reaches_only_its_pupils(
        client: AsyncTestClient, db: AsyncSession, world: World, bank):
    await login(client, "province")
    narrowed = {"title_en": "District 1 contest", "district_ids": [str(world.districts[0].id)],
                "visibility": Visibility.AFTER_CLOSE.value}
    contest_id = await create_contest(client, **narrowed)
    await add_round(client, contest_id)
    response = await post_form(client, f"/manage/contests/{contest_id}", contest_form(**narrowed, published="true"))
    assert response.status_code == 302
    contest = await db.get_one(Contest, contest_id)
    assert contest.published and contest.visibility is Visibility.AFTER_CLOSE

    client.cookies.clear()
    await login(client, "pupil1", CARD_CODE)  # school S1, district D1
    listing = await client.get("/contests")
    assert listing.status_code == 200 and "District 1 contest" in listing.text
    assert (await client.get(f"/contests/{contest_id}")).status_code == 200

    outsider = next(p for p in world.pupils if p.school_id == world.schools[2].id)  # school S3, district D2
    client.cookies.clear()
    await login(client, outsider.username, CARD_CODE)
    assert "District 1 contest" not in (await client.get("/contests")).text
    assert (await client.get(f"/contests/{contest_id}")).status_code == 404


async def test_an_unpublished_contest_stays_hidden_from_pupils(client: AsyncTestClient, db: AsyncSession, world: World,
                                                               bank):
    await login(client, "teacher1")
    contest_id = await create_contest(client, title_en="Not published yet")
    await add_round(client, contest_id)
    client.cookies.clear()
    await login(client, "pupil1", CARD_CODE)
    assert "Not published yet" not in (await client.get("/contests")).text
    assert (await client.get(f"/contests/{contest_id}")).status_code == 404
