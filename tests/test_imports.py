"""CSV imports of the tree and of rosters: all or nothing, each problem named by line and field."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import Role, User
from contest.importing import ImportFailed
from contest.org.importing import import_org_tree, import_pupils
from contest.org.models import District, Province, School, SchoolClass
from tests.conftest import World, login, post_form

HEADER = "province_code,province_name,district_code,district_name,school_code,school_name,school_enrolment,class_name,grade,class_enrolment\n"
TREE = HEADER + (
    "HB,Tỉnh Hoà Bình,HB-LS,Huyện Lạc Sơn,HB-LS-01,Trường THCS Vụ Bản,120,6A,6,40\n"
    "HB,Tỉnh Hoà Bình,HB-LS,Huyện Lạc Sơn,HB-LS-01,Trường THCS Vụ Bản,120,7A,7,40\n"
    "HB,Tỉnh Hoà Bình,HB-MC,Huyện Mai Châu,HB-MC-01,Trường Tiểu học Mai Châu,80,5A,5,30\n"
)


async def count(db: AsyncSession, model) -> int:
    return await db.scalar(select(func.count()).select_from(model))


async def test_a_valid_tree_creates_every_unit_with_vietnamese_names(db: AsyncSession):
    report = await import_org_tree(db, TREE.encode("utf-8-sig"))
    assert report.created == {"provinces": 1, "districts": 2, "schools": 2, "classes": 3}
    school = await db.scalar(select(School).where(School.code == "HB-LS-01"))
    assert school.name == "Trường THCS Vụ Bản" and school.enrolment == 120


async def test_importing_the_same_tree_again_changes_nothing(db: AsyncSession):
    await import_org_tree(db, TREE.encode())
    again = await import_org_tree(db, TREE.encode())
    assert again.created == {} and again.updated == {}
    assert await count(db, SchoolClass) == 3


async def test_one_bad_line_imports_nothing_and_names_line_and_field(db: AsyncSession):
    bad = TREE + "HB,Tỉnh Hoà Bình,HB-MC,Huyện Mai Châu,HB-MC-02,Trường Mới,50,1A,13,30\n"
    with pytest.raises(ImportFailed) as failure:
        await import_org_tree(db, bad.encode())
    [problem] = failure.value.report.problems
    assert (problem.line, problem.field) == (5, "grade")
    assert "between 1 and 12" in problem.message
    assert await count(db, Province) == 0 and await count(db, School) == 0


async def test_every_problem_is_listed_not_just_the_first(db: AsyncSession):
    bad = HEADER + (
        "HB,Tỉnh Hoà Bình,HB-LS,Huyện Lạc Sơn,HB-LS-01,Trường A,abc,6A,6,40\n"
        "HB,Tỉnh Hoà Bình,HB-LS,Huyện Khác,HB-LS-02,,10,6A,6,40\n"
    )
    with pytest.raises(ImportFailed) as failure:
        await import_org_tree(db, bad.encode())
    found = {(p.line, p.field) for p in failure.value.report.problems}
    assert found == {(2, "school_enrolment"), (3, "school_name"), (3, "district_name")}


async def test_missing_column_and_non_utf8_files_are_refused_clearly(db: AsyncSession):
    with pytest.raises(ImportFailed) as failure:
        await import_org_tree(db, b"province_code,province_name\nHB,x\n")
    assert "missing columns" in failure.value.report.problems[0].message
    with pytest.raises(ImportFailed) as failure:
        await import_org_tree(db, HEADER.encode() + "HB,Hoà Bình".encode("latin-1"))
    assert failure.value.report.problems[0].line == 2
    assert "UTF-8" in failure.value.report.problems[0].message


async def test_semicolon_separated_files_from_excel_import(db: AsyncSession):
    report = await import_org_tree(db, TREE.replace(",", ";").encode("utf-8-sig"))
    assert report.created["schools"] == 2


async def test_dry_run_reports_and_writes_nothing(db: AsyncSession):
    report = await import_org_tree(db, TREE.encode(), dry_run=True)
    assert report.created["classes"] == 3
    assert await count(db, District) == 0


async def test_pupil_roster_import_and_update_by_pupil_number(db: AsyncSession):
    await import_org_tree(db, TREE.encode())
    roster = "school_code,class,full_name,pupil_number\nHB-LS-01,6A,Bùi Thị Hoa,001\nHB-LS-01,7A,Đinh Văn Tú,002\n"
    report = await import_pupils(db, roster.encode())
    assert report.created == {"pupils": 2}
    pupil = await db.scalar(select(User).where(User.pupil_number == "001"))
    assert pupil.username == "hb-ls-01-001" and pupil.role is Role.PUPIL
    moved = roster.replace("HB-LS-01,6A,Bùi Thị Hoa", "HB-LS-01,7A,Bùi Thị Hoa")
    assert (await import_pupils(db, moved.encode())).updated == {"pupils": 1}


async def test_roster_lines_for_unknown_class_or_repeated_number_fail(db: AsyncSession):
    await import_org_tree(db, TREE.encode())
    roster = ("school_code,class,full_name,pupil_number\nHB-LS-01,9Z,Bùi Thị Hoa,001\n"
              "HB-LS-01,6A,A,002\nHB-LS-01,6A,B,002\nNOPE,6A,C,003\n")
    with pytest.raises(ImportFailed) as failure:
        await import_pupils(db, roster.encode())
    assert {(p.line, p.field) for p in failure.value.report.problems} == {(2, "class"), (4, "pupil_number"), (5, "school_code")}
    assert await count(db, User) == 0


async def test_a_teacher_cannot_import_pupils_into_another_school(client: AsyncTestClient, world: World, db: AsyncSession):
    await login(client, "teacher1")
    roster = f"school_code,class,full_name,pupil_number\n{world.schools[2].code},6A,Lạ Mặt,900\n".encode()
    response = await post_form(client, "/import", {"kind": "pupils"}, files={"file": ("r.csv", roster, "text/csv")})
    assert response.status_code == 400
    assert "no school with code S3 in your scope" in response.text
    assert await db.scalar(select(User).where(User.pupil_number == "900")) is None


async def test_a_teacher_cannot_import_the_tree(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    response = await post_form(client, "/import", {"kind": "org"}, files={"file": ("t.csv", TREE.encode(), "text/csv")})
    assert response.status_code == 400


async def test_a_district_organiser_imports_only_their_district(client: AsyncTestClient, world: World, db: AsyncSession):
    await login(client, "district1")
    other = HEADER + "P1,Tỉnh Thử Nghiệm,D2,Huyện Số 2,S9,Trường Chín,10,6A,6,10\n"
    response = await post_form(client, "/import", {"kind": "org"}, files={"file": ("t.csv", other.encode(), "text/csv")})
    assert response.status_code == 400 and "outside your district" in response.text
    assert await db.scalar(select(School).where(School.code == "S9")) is None


async def test_web_upload_shows_the_report_as_an_htmx_fragment(client: AsyncTestClient, world: World):
    await login(client, "province")
    own_province = TREE.replace("HB,Tỉnh Hoà Bình", "P1,Tỉnh Thử Nghiệm")
    response = await post_form(client, "/import", {"kind": "org", "dry_run": "true"},
                               files={"file": ("t.csv", own_province.encode(), "text/csv")}, headers={"hx-request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and "nothing was saved yet" in response.text.lower()
    foreign = await post_form(client, "/import", {"kind": "org"}, files={"file": ("t.csv", TREE.encode(), "text/csv")})
    assert foreign.status_code == 400 and "outside your province" in foreign.text


def test_cli_import_reports_errors_as_json_and_exits_non_zero(tmp_path, settings):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "HB,Tỉnh,HB-X,Huyện,HB-X-1,Trường,-5,,,\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOITHI_DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.redis_url, "HOITHI_LOCALE": "en"}
    result = subprocess.run([sys.executable, "-m", "contest.cli", "import-org", str(bad), "--json"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["ok"] is False
    assert outcome["errors"] == [{"line": 2, "column": None, "field": "school_enrolment", "message": "must be at least 0"}]
