"""Reports (issue 8): result views and exports against the database, scopes, profiles and the CLI."""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
from datetime import datetime, timedelta, timezone

import openpyxl
import pypdf
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import User
from contest.cli import main as cli
from contest.contests.models import Contest, Round, Selection
from contest.org.models import School
from contest.play.models import Answer, Attempt, AttemptQuestion
from contest.reports.access import ReportScope
from contest.reports.charts import bars
from contest.reports.exports import safe_cell
from contest.reports.profiles import profile_of
from contest.reports.results import results_of, sorted_rows
from questions.content import Option, QuestionData
from questions.models import Question
from questions.store import Owner, create_question

from tests.conftest import World, login

NOW = datetime.now(timezone.utc)


async def closed_contest(db: AsyncSession, world: World, questions: list[Question], **contest_options) -> tuple[Contest, Round]:
    """A published province contest that closed an hour ago, with one fixed round of `questions`."""
    contest = Contest(**{"title_vi": "Hội thi Tiếng Việt có dấu", "title_en": "Diacritics contest",
                         "province_id": world.province.id, "opens_at": NOW - timedelta(hours=3),
                         "closes_at": NOW - timedelta(hours=1), "published": True, **contest_options})
    round_ = Round(contest=contest, position=1, title="Vòng loại", selection=Selection.FIXED,
                   question_ids=[q.id for q in questions], question_count=len(questions), seconds_per_question=30)
    db.add_all([contest, round_])
    await db.commit()
    return contest, round_


async def bank_question(db: AsyncSession, data: QuestionData) -> Question:
    question = await create_question(db, data, author=None, owner=Owner())
    await db.commit()
    return question


def single_choice(stem: str, competence: str = "4.2") -> QuestionData:
    return QuestionData(type="single_choice", stem=stem, competences=[competence], explanation="Vì vậy.",
                        options=[Option("Đáp án A", correct=True), Option("Đáp án B"), Option("Đáp án C"), Option("Đáp án D")])


async def add_attempt(db: AsyncSession, contest: Contest, round_: Round, pupil: User, *, score: int, time_ms: int = 10_000,
                      answers: list[tuple[Question, float, list[int], int] | tuple[Question, None, None, None]] = (),
                      finished: bool = True, number: int = 1) -> Attempt:
    """An attempt written straight to the tables: `answers` are (question, credit, chosen options, response ms);
    a credit of None is a question shown but timed out."""
    school = await db.get(School, pupil.school_id)
    started = contest.opens_at + timedelta(minutes=10)
    attempt = Attempt(token=secrets.token_urlsafe(16), round_id=round_.id, contest_id=contest.id, pupil_id=pupil.id,
                      class_id=pupil.class_id, school_id=pupil.school_id, district_id=school.district_id, number=number,
                      started_at=started, deadline=started + timedelta(minutes=10),
                      finished_at=started + timedelta(minutes=5) if finished else None,
                      question_count=max(len(answers), 5), score=score, time_ms=time_ms,
                      correct_count=sum(1 for _q, credit, _c, _t in answers if credit and credit >= 1),
                      answered_count=len(answers), draw={})
    db.add(attempt)
    for position, (question, credit, chosen, response_ms) in enumerate(answers):
        shown = AttemptQuestion(attempt=attempt, position=position, question_id=question.id,
                                version_id=question.current_version_id, token=secrets.token_urlsafe(8), option_order=[],
                                option_tokens=[], shown_at=started)
        db.add(shown)
        await db.flush()
        timed_out = credit is None
        db.add(Answer(attempt_question_id=shown.id, attempt_id=attempt.id, question_id=question.id,
                      response={"chosen": chosen or []}, credit=0.0 if timed_out else credit,
                      points=0 if timed_out else round(1000 * credit), received_at=started,
                      response_ms=30_000 if timed_out else response_ms, timed_out=timed_out))
    await db.commit()
    return attempt


async def played_contest(db: AsyncSession, world: World) -> tuple[Contest, Round, Question]:
    """Every pupil of the world played once; pupil n scored 100·n. One name has a formula-like start."""
    world.pupils[0].full_name = "=HYPERLINK(\"x\") Nguyễn Thị Ánh"
    world.pupils[5].full_name = "Đặng Văn Ước"
    question = await bank_question(db, single_choice("Mật khẩu nào an toàn nhất?"))
    contest, round_ = await closed_contest(db, world, [question])
    for n, pupil in enumerate(world.pupils, start=1):
        await add_attempt(db, contest, round_, pupil, score=100 * n, answers=[(question, 1.0 if n % 2 else 0.0, [0], 2000)])
    return contest, round_, question


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


# Results against the database.


async def test_results_rank_each_pupils_counted_attempt_inside_the_scope(db: AsyncSession, world: World):
    contest, round_, question = await played_contest(db, world)
    pupil = world.pupils[0]  # a second, better attempt counts (the round counts the best)
    await add_attempt(db, contest, round_, pupil, score=5000, number=2)
    everyone = await results_of(db, contest, ReportScope("contest", None, "all"))
    assert len(everyone) == len(world.pupils)
    assert [r.rank for r in everyone] == list(range(1, len(world.pupils) + 1))
    assert everyone[0].pupil_id == pupil.id and everyone[0].score == 5000
    school = await results_of(db, contest, ReportScope("school", world.schools[1].id, world.schools[1].name))
    expected = {p.id for p in world.pupils if p.school_id == world.schools[1].id}
    assert {r.pupil_id for r in school} == expected
    assert [r.rank for r in school] == [1, 2, 3, 4] and school[0].score > school[-1].score


def test_names_sort_in_vietnamese_order_by_given_name():
    from contest.reports.results import ResultRow

    names = ["Đặng Văn Ước", "Lê Văn Ân", "Bùi Thị Ánh", "Dương Minh Châu", "Ân Văn Bình"]
    rows = [ResultRow(1, "R", n, n, name, "", "6A", "S", "D", 0, 0, 5, 0, True) for n, name in enumerate(names, 1)]
    # By given name; in the alphabet A < Â < B and U < Ư.
    assert [r.full_name for r in sorted_rows(rows, "name")] == [
        "Bùi Thị Ánh", "Lê Văn Ân", "Ân Văn Bình", "Dương Minh Châu", "Đặng Văn Ước"]


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    assert [safe_cell(v) for v in ("=1+2", "+1", "-2", "@SUM(A1)", "\tx", "Nguyễn", 5, -3)] == [
        "'=1+2", "'+1", "'-2", "'@SUM(A1)", "'\tx", "Nguyễn", 5, -3]


# Exports, opened back with the libraries that read them.


async def _export(client: AsyncTestClient, contest: Contest, format_name: str, scope: str = "contest"):
    return await client.get(f"/reports/contests/{contest.id}/export", params={"format": format_name, "scope": scope})


async def test_csv_export_holds_every_row_with_vietnamese_text_intact(client: AsyncTestClient, db: AsyncSession, world: World):
    contest, round_, _q = await played_contest(db, world)
    await login(client, "province")
    response = await _export(client, contest, "csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response.content)
    attempts = list(await db.scalars(select(Attempt).where(Attempt.contest_id == contest.id)))
    names = {u.id: u.full_name for u in await db.scalars(select(User))}
    assert len(rows) == len(attempts)
    by_name = {row["Full name"]: row for row in rows}
    for attempt in attempts:
        name = names[attempt.pupil_id]
        shown = "'" + name if name.startswith("=") else name
        assert by_name[shown]["Score"] == str(attempt.score)
        assert by_name[shown]["Round"] == "Vòng loại"
    assert "Đặng Văn Ước" in by_name
    assert by_name["Đặng Văn Ước"]["School"] == "Trường Số 2"


async def test_xlsx_export_has_formatted_headers_and_a_sheet_per_school(client: AsyncTestClient, db: AsyncSession, world: World):
    contest, _r, _q = await played_contest(db, world)
    await login(client, "district1")  # district D1: schools 1 and 2
    response = await _export(client, contest, "xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Huyện Số 1", "Trường Số 1", "Trường Số 2"]
    district = workbook["Huyện Số 1"]
    headers = [cell.value for cell in district[1]]
    assert headers[:3] == ["Round", "Rank", "Full name"] and district["A1"].font.bold
    assert district.freeze_panes == "A2"
    names = [row[2] for row in district.iter_rows(min_row=2, values_only=True)]
    in_district = [p for p in world.pupils if p.school_id in (world.schools[0].id, world.schools[1].id)]
    assert len(names) == len(in_district) == 8
    assert "Đặng Văn Ước" in names and "'=HYPERLINK(\"x\") Nguyễn Thị Ánh" in names
    assert not any(cell.data_type == "f" for row in district.iter_rows() for cell in row)
    assert workbook["Trường Số 2"].max_row == 1 + 4


async def test_pdf_results_sheet_lists_every_pupil_with_diacritics(client: AsyncTestClient, db: AsyncSession, world: World):
    contest, _r, _q = await played_contest(db, world)
    await login(client, "province")
    response = await client.get(f"/reports/contests/{contest.id}/export", params={"format": "pdf"},
                                headers={"accept-language": "vi"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())  # long names wrap inside their cell
    assert "Hội thi Tiếng Việt có dấu" in text
    for pupil in world.pupils:
        assert pupil.full_name in text


async def test_a_teacher_exports_only_their_own_schools_results(client: AsyncTestClient, db: AsyncSession, world: World):
    contest, _r, _q = await played_contest(db, world)
    await login(client, "teacher1")
    own = read_csv((await _export(client, contest, "csv")).content)
    assert {row["School"] for row in own} == {"Trường Số 1"} and len(own) == 4
    for foreign in (f"school:{world.schools[2].id}", f"class:{world.classes[4].id}", f"district:{world.districts[1].id}"):
        response = await _export(client, contest, "csv", foreign)
        assert response.status_code == 404, foreign
        assert "Học Sinh 9" not in response.text
    page = await client.get(f"/reports/contests/{contest.id}/results", params={"scope": f"school:{world.schools[2].id}"})
    assert page.status_code == 404


async def test_a_contest_the_users_unit_does_not_play_is_not_reportable(client: AsyncTestClient, db: AsyncSession, world: World):
    question = await bank_question(db, single_choice("Câu hỏi?"))
    contest, _r = await closed_contest(db, world, [question], province_id=None, school_id=world.schools[2].id)
    await login(client, "teacher1")
    assert (await client.get(f"/reports/contests/{contest.id}")).status_code == 404
    assert contest.title_vi not in (await client.get("/reports")).text


async def test_the_results_page_sorts_and_filters(client: AsyncTestClient, db: AsyncSession, world: World):
    contest, _r, _q = await played_contest(db, world)
    await login(client, "province")
    by_rank = (await client.get(f"/reports/contests/{contest.id}/results")).text
    assert by_rank.index("Học Sinh 16") < by_rank.index("Đặng Văn Ước") < by_rank.index("Nguyễn Thị Ánh")  # 1600, 600, 100
    by_name = await client.get(f"/reports/contests/{contest.id}/results", params={"sort": "name"})
    assert by_name.status_code == 200
    assert by_name.text.index("Nguyễn Thị Ánh") < by_name.text.index("Đặng Văn Ước")  # Ánh before Ước
    found = await client.get(f"/reports/contests/{contest.id}/results", params={"q": "dang van uoc"},
                             headers={"hx-request": "true"})
    assert "Đặng Văn Ước" in found.text and "Học Sinh 2" not in found.text and "<html" not in found.text


# Profiles and charts.


async def test_the_overview_shows_mastery_beside_the_district_and_the_whole_contest(client: AsyncTestClient, db: AsyncSession,
                                                                                     world: World):
    contest, _r, question = await played_contest(db, world)
    school = ReportScope("school", world.schools[0].id, world.schools[0].name)
    profile = await profile_of(db, contest, school)
    assert profile.levels == ("Trường Số 1", "Huyện Số 1", "All participants")
    # Pupils 1..16 answered right when odd; school 1 has pupils 1-4, district 1 pupils 1-8: half right everywhere.
    assert [(m.code, m.values) for m in profile.domains] == [("4", (0.5, 0.5, 0.5))]
    assert [m.code for m in profile.competences] == ["4.2"]
    await login(client, "teacher1")
    page = await client.get(f"/reports/contests/{contest.id}")
    assert page.status_code == 200
    assert "<svg" in page.text and "Safety" in page.text and "Trường Số 1" in page.text
    assert "Trường Số 3" not in page.text  # participation of the teacher's own school only


def test_bars_scale_to_the_largest_value_and_skip_missing_ones():
    chart = bars("T", ["a", "b"], [("x", [1.0, None]), ("y", [0.5, 0.25])], str)
    widths = [[bar.width for bar in group.bars] for group in chart.groups]
    full = widths[0][0]
    assert widths == [[full], [full / 2, full / 4]]


# The command line.


async def test_cli_exports_a_school_to_csv_and_the_contest_to_xlsx(db: AsyncSession, world: World, settings, tmp_path, monkeypatch):
    contest, _r, _q = await played_contest(db, world)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("HOITHI_DATA_DIR", str(settings.data_dir))
    out = tmp_path / "school.csv"

    def run(*args: str):  # the command runs its own event loop: give it a thread of its own
        return asyncio.to_thread(CliRunner().invoke, cli, ["report", "export", *args])

    result = await run(str(contest.id), "--scope", f"school:{world.schools[1].id}", "--format", "csv", "--language", "en", str(out))
    assert result.exit_code == 0, result.output
    rows = read_csv(out.read_bytes())
    assert sorted(row["Full name"] for row in rows) == sorted(p.full_name for p in world.pupils if p.school_id == world.schools[1].id)
    workbook = tmp_path / "all.xlsx"
    assert (await run(str(contest.id), "--format", "xlsx", str(workbook))).exit_code == 0
    sheets = openpyxl.load_workbook(workbook).sheetnames
    assert len(sheets) == 1 + len(world.schools)
    assert openpyxl.load_workbook(workbook)[sheets[0]].max_row == 1 + len(world.pupils)
    missing = await run("999999", "--format", "csv", str(tmp_path / "x.csv"))
    assert missing.exit_code != 0 and "no contest 999999" in missing.output
