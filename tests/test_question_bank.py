"""The bank: kinds and their scoring, versions, review workflow, filters, duplicates, pictures, scopes."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from questions.content import Option, QuestionData
from questions.kinds import KINDS, Response, fold, kind_of
from questions.models import Question, QuestionVersion, ReviewEvent, Status
from questions.store import Owner, create_question, freeze_versions, from_content, update_question
from tests.conftest import World, login, post_form

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082")


def choice_question(**changes) -> QuestionData:
    values = dict(type="single_choice", stem="Mã OTP dùng để làm gì?", language="vi",
                  options=[Option("Xác nhận giao dịch", True), Option("Trang trí tin nhắn"), Option("Gửi cho bạn bè")],
                  explanation="OTP là mã dùng một lần để xác nhận giao dịch.", competences=["4.2"], level_min=3, level_max=6)
    return QuestionData(**(values | changes))


# Kinds: what counts as right.

def test_single_choice_scores_only_the_right_option():
    data = choice_question()
    assert kind_of(data).credit(data, Response(chosen=[0])) == 1
    assert kind_of(data).credit(data, Response(chosen=[1])) == 0
    assert kind_of(data).credit(data, Response(chosen=[0, 1])) == 0


def test_multiple_response_partial_credit_rule():
    data = QuestionData(type="multiple_response", stem="s", options=[Option("a", True), Option("b", True), Option("c"), Option("d")])
    credit = lambda *chosen: KINDS["multiple_response"].credit(data, Response(chosen=list(chosen)))
    assert credit(0, 1) == 1
    assert credit(0) == 0.5
    assert credit(0, 2) == 0  # one right, one wrong
    assert credit(0, 1, 2) == 0.5
    assert credit(2, 3) == 0  # never below zero


def test_short_text_ignores_case_spacing_and_optionally_diacritics():
    strict = QuestionData(type="short_text", stem="s", answers=["Mật khẩu"])
    loose = QuestionData(type="short_text", stem="s", answers=["Mật khẩu"], ignore_diacritics=True)
    kind = KINDS["short_text"]
    assert kind.credit(strict, Response(text="  mật   KHẨU ")) == 1
    assert kind.credit(strict, Response(text="mat khau")) == 0
    assert kind.credit(loose, Response(text="mat khau")) == 1
    assert kind.credit(loose, Response(text="")) == 0
    assert fold("Đường") == "duong"


def test_numeric_tolerance_and_vietnamese_decimal_comma():
    data = QuestionData(type="numeric", stem="s", numeric_answer=3.5, tolerance=0.1)
    kind = KINDS["numeric"]
    assert kind.credit(data, kind.read_response({"number": ["3,45"]}, {})) == 1
    assert kind.credit(data, kind.read_response({"number": ["3.7"]}, {})) == 0
    assert kind.credit(data, kind.read_response({"number": ["abc"]}, {})) == 0


def test_true_false_ordering_and_matching():
    tf = QuestionData(type="true_false", stem="s", answer_true=False)
    assert KINDS["true_false"].credit(tf, Response(chosen=[1])) == 1
    order = QuestionData(type="ordering", stem="s", options=[Option("1"), Option("2"), Option("3"), Option("4")])
    assert KINDS["ordering"].credit(order, Response(chosen=[0, 1, 2, 3])) == 1
    assert KINDS["ordering"].credit(order, Response(chosen=[0, 1, 3, 2])) == 0.5
    match = QuestionData(type="matching", stem="s", options=[Option("a", match="1"), Option("b", match="2")])
    assert KINDS["matching"].credit(match, Response(pairs={0: "1", 1: "1"})) == 0.5


def test_play_view_never_carries_the_answer():
    data = choice_question()
    view = kind_of(data).play_view(data, [2, 0, 1], ["t1", "t2", "t3"])
    assert [c.text for c in view.choices] == ["Gửi cho bạn bè", "Xác nhận giao dịch", "Trang trí tin nhắn"]
    assert "correct" not in repr(view)


# Versions.

async def test_an_edit_after_a_pupil_met_the_question_makes_a_new_version(db: AsyncSession, world: World):
    author = CurrentUser.of(world.teachers[0])
    question = await create_question(db, choice_question(), author=author, owner=Owner.of(author))
    await db.commit()
    first_version = question.current_version_id
    assert await update_question(db, question, choice_question(stem="Mã OTP là gì?"), editor=author)
    await db.commit()
    assert question.current_version_id == first_version  # nobody had seen it: edited in place

    await freeze_versions(db, [first_version])  # an attempt drew it
    assert await update_question(db, question, choice_question(stem="OTP có tác dụng gì?"), editor=author)
    await db.commit()
    assert question.current_version_id != first_version
    old = await db.get(QuestionVersion, first_version)
    await db.refresh(old)
    assert from_content(old.content).stem == "Mã OTP là gì?"  # what the pupil saw is untouched
    assert not await update_question(db, question, choice_question(stem="OTP có tác dụng gì?"), editor=author)


# Review workflow through the web.

async def _create_via_form(client: AsyncTestClient, **changes) -> int:
    form = {"type": "single_choice", "language": "vi", "stem": "Khi nhận tin nhắn trúng thưởng lạ, em nên làm gì?",
            "option_1": "Báo cho người lớn", "option_2": "Bấm vào đường link", "option_3": "Gửi mã OTP", "correct": "1",
            "explanation": "Tin nhắn trúng thưởng lạ thường là lừa đảo. Hãy hỏi người lớn.", "competences": "4.2",
            "level_min": "3", "level_max": "6", "difficulty": "easy", "tags": "lừa đảo, sms"} | changes
    response = await post_form(client, "/questions/new", form)
    assert response.status_code == 302, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def test_write_submit_send_back_and_approve_by_another_reviewer(client: AsyncTestClient, world: World, db: AsyncSession):
    await login(client, "teacher1")
    question_id = await _create_via_form(client)
    assert (await post_form(client, f"/questions/{question_id}/review", {"action": "submit"})).status_code == 302
    # teacher1 may not review; the district organiser can, and sends it back with a comment.
    client.cookies.clear()
    await login(client, "district1")
    no_comment = await post_form(client, f"/questions/{question_id}/review", {"action": "send_back"})
    assert no_comment.status_code == 400 and "comment is required" in no_comment.text
    await post_form(client, f"/questions/{question_id}/review", {"action": "send_back", "comment": "Thêm lựa chọn thứ tư."})
    client.cookies.clear()
    await login(client, "teacher1")
    await post_form(client, f"/questions/{question_id}/review", {"action": "submit"})
    client.cookies.clear()
    await login(client, "district1")
    await post_form(client, f"/questions/{question_id}/review", {"action": "approve", "comment": "Tốt."})
    question = await db.get(Question, question_id)
    await db.refresh(question)
    assert question.status is Status.APPROVED
    steps = [(e.from_status, e.to_status, e.comment) for e in
             await db.scalars(select(ReviewEvent).where(ReviewEvent.question_id == question_id).order_by(ReviewEvent.id))]
    assert steps == [(None, Status.DRAFT, ""), (Status.DRAFT, Status.IN_REVIEW, ""),
                     (Status.IN_REVIEW, Status.DRAFT, "Thêm lựa chọn thứ tư."), (Status.DRAFT, Status.IN_REVIEW, ""),
                     (Status.IN_REVIEW, Status.APPROVED, "Tốt.")]
    page = await client.get(f"/questions/{question_id}")
    assert "Thêm lựa chọn thứ tư." in page.text and "Phòng Giáo dục 1" in page.text


async def test_nobody_approves_their_own_question(client: AsyncTestClient, world: World):
    await login(client, "district1")
    question_id = await _create_via_form(client)
    await post_form(client, f"/questions/{question_id}/review", {"action": "submit"})
    response = await post_form(client, f"/questions/{question_id}/review", {"action": "approve"})
    assert response.status_code == 400 and "Another reviewer" in response.text


async def test_invalid_questions_are_refused_with_every_problem_named(client: AsyncTestClient, world: World, db: AsyncSession):
    await login(client, "teacher1")
    response = await post_form(client, "/questions/new", {"type": "single_choice", "stem": "", "option_1": "A",
                                                          "option_2": "A", "competences": "9.9"})
    assert response.status_code == 400
    fields = set(re.findall(r'data-field="(\w+)"', response.text))
    assert {"stem", "options", "competences", "explanation"} <= fields
    assert await db.scalar(select(func.count()).select_from(Question)) == 0


async def test_inline_check_warns_of_a_near_duplicate(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    await _create_via_form(client)
    check = await post_form(client, "/questions/check", {"type": "single_choice", "language": "vi",
                                                         "stem": "Khi nhận được tin nhắn trúng thưởng lạ, em nên làm gì?"},
                            headers={"hx-request": "true"})
    assert "look almost the same" in check.text
    duplicate = await post_form(client, "/questions/new", {"stem": "Khi nhận được tin nhắn trúng thưởng lạ, em nên làm gì?",
                                                           "option_1": "A", "option_2": "B", "correct": "1",
                                                           "competences": "4.2", "explanation": "Vì vậy."})
    assert duplicate.status_code == 400
    assert (await _create_via_form(client, stem="Khi nhận được tin nhắn trúng thưởng lạ, em nên làm gì?",
                                   confirm_duplicate="true")) > 0


async def test_search_without_diacritics_and_filters(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    await _create_via_form(client, stem="Mật khẩu nào mạnh nhất?", option_1="Abc123", option_2="Tr@ng-Xanh-2026!",
                           correct="2", competences="4.1")
    await _create_via_form(client, stem="Nguồn tin nào đáng tin cậy?", competences="1.2", difficulty="hard")
    found = await client.get("/questions?q=mat+khau")
    assert "Mật khẩu nào mạnh nhất?" in found.text and "Nguồn tin" not in found.text
    by_domain = await client.get("/questions?domain=1", headers={"hx-request": "true"})
    assert "Nguồn tin nào đáng tin cậy?" in by_domain.text and "Mật khẩu" not in by_domain.text
    assert "<html" not in by_domain.text  # htmx gets only the list
    assert "Mật khẩu" not in (await client.get("/questions?difficulty=hard")).text


async def test_a_teacher_sees_neither_drafts_nor_pictures_of_another_school(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    question_id = await _create_via_form(client)
    client.cookies.clear()
    await login(client, "teacher3")  # school S3
    assert (await client.get(f"/questions/{question_id}")).status_code == 404
    assert "Khi nhận tin nhắn" not in (await client.get("/questions")).text
    assert (await client.get(f"/questions/{question_id}/edit")).status_code == 404


async def test_bulk_submit_and_tag(client: AsyncTestClient, world: World, db: AsyncSession):
    await login(client, "teacher1")
    stems = ["Mật khẩu nào khó đoán nhất?", "Có nên dùng Wi-Fi quán cà phê để đăng nhập ngân hàng?",
             "Bạn lạ trên mạng hỏi địa chỉ nhà, em làm gì?"]
    ids = [await _create_via_form(client, stem=stem) for stem in stems]
    await post_form(client, "/questions/bulk", {"action": "submit", "ids": [str(i) for i in ids]})
    await post_form(client, "/questions/bulk", {"action": "tag", "tag": "tuần-lễ-học-tập", "ids": [str(ids[0])]})
    statuses = {q.id: q.status for q in await db.scalars(select(Question).where(Question.id.in_(ids)))}
    assert set(statuses.values()) == {Status.IN_REVIEW}
    tagged = await db.get(Question, ids[0])
    await db.refresh(tagged)
    assert ",tuần-lễ-học-tập," in tagged.tags


async def test_pictures_are_checked_stored_by_hash_and_served(client: AsyncTestClient, world: World, settings):
    await login(client, "teacher1")
    form = {"type": "single_choice", "language": "vi", "stem": "Biểu tượng ổ khoá này nghĩa là gì?", "option_1": "A",
            "option_2": "B", "correct": "1", "explanation": "Vì vậy mà.", "competences": "4.1"}
    fake = await post_form(client, "/questions/new", form, files={"image_file": ("x.png", b"<svg>not an image</svg>", "image/png")})
    assert fake.status_code == 400 and "PNG, JPEG" in fake.text
    created = await post_form(client, "/questions/new", form, files={"image_file": ("lock.png", PNG, "image/png")})
    assert created.status_code == 302
    page = await client.get(created.headers["location"])
    name = re.search(r'src="/media/([0-9a-f]{32}\.png)"', page.text).group(1)
    picture = await client.get(f"/media/{name}")
    assert picture.status_code == 200 and picture.content == PNG and picture.headers["content-type"] == "image/png"
    assert (await client.get("/media/..%2Fsecret_key")).status_code == 404


async def test_preview_shows_the_play_view_without_the_answer_in_the_form(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    question_id = await _create_via_form(client)
    page = await client.get(f"/questions/{question_id}/preview")
    form = page.text.split('<form class="play"')[1].split("</form>")[0]
    assert "Báo cho người lớn" in form and "correct" not in form
    values = re.findall(r'name="choice" value="([^"]+)"', form)
    assert len(values) == 3 and not any(v.isdigit() for v in values)
