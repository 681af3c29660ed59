"""Question files through the bank: upload with preview, confirm, no duplicates, export round trip, CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from questions.importer import export_questions, import_questions
from questions.models import Question, QuestionVersion, Status
from questions.starter import load_starter
from questions.store import from_content
from tests.conftest import World, login, post_form

ROOT = Path(__file__).resolve().parent.parent
GIFT = """// Câu hỏi của tổ Tin học
::Mật khẩu::Mật khẩu nào mạnh nhất? {
=Trăng-Xanh-Bay-2026!
~123456
~matkhau
}

::Đúng sai::Mã OTP có thể gửi cho người bán hàng qua tin nhắn. {F}

::Bài luận::Hãy viết về an toàn mạng. {}
"""


async def count(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Question))


async def test_upload_previews_then_confirm_imports_once(client: AsyncTestClient, world: World, db: AsyncSession):
    await login(client, "teacher1")
    files = {"file": ("to-tin-hoc.gift", GIFT.encode(), "text/plain")}
    refused = await post_form(client, "/questions/import", {}, files=files)
    assert refused.status_code == 400
    assert "line 10" in refused.text.lower() or ">10<" in refused.text  # the essay, by line
    preview = await post_form(client, "/questions/import", {"skip_unsupported": "true"}, files=files)
    assert preview.status_code == 200
    assert "Mật khẩu nào mạnh nhất?" in preview.text and "New questions: 2" in preview.text
    assert await count(db) == 0  # nothing saved before confirming
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    done = await post_form(client, "/questions/import/confirm", {"token": token, "format": "gift", "status": "draft",
                                                                 "skip_unsupported": "true"})
    assert done.status_code == 200 and "Imported." in done.text
    assert await count(db) == 2
    again = await post_form(client, "/questions/import/confirm", {"token": token, "format": "gift"})
    assert again.status_code == 400  # the pending upload is gone
    second = await post_form(client, "/questions/import", {"skip_unsupported": "true"}, files=files)
    assert "Already in the bank: 2" in second.text and "New questions: 0" in second.text


async def test_another_user_cannot_confirm_my_upload(client: AsyncTestClient, world: World, db: AsyncSession):
    await login(client, "teacher1")
    preview = await post_form(client, "/questions/import", {"skip_unsupported": "true"},
                              files={"file": ("a.gift", GIFT.encode(), "text/plain")})
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    client.cookies.clear()
    await login(client, "teacher2")
    response = await post_form(client, "/questions/import/confirm", {"token": token, "format": "gift"})
    assert response.status_code == 400 and await count(db) == 0


async def test_json_export_then_import_into_an_empty_bank_reproduces_it(db: AsyncSession):
    await load_starter(db)
    exported = await export_questions(db, select(Question), "json")
    before = {q.key: (from_content((await db.get(QuestionVersion, q.current_version_id)).content), q.translation_id)
              for q in await db.scalars(select(Question))}
    keys_by_id = {q.id: q.key for q in await db.scalars(select(Question))}
    for table in ("question_review_events",):
        await db.execute(Question.__table__.metadata.tables[table].delete())
    await db.execute(Question.__table__.update().values(current_version_id=None, translation_id=None))
    await db.execute(QuestionVersion.__table__.delete())
    await db.execute(Question.__table__.delete())
    await db.commit()

    report = await import_questions(db, exported, "json", status=Status.APPROVED)
    assert report.created == {"questions": len(before)}
    after_keys = {q.id: q.key for q in await db.scalars(select(Question))}
    for question in await db.scalars(select(Question)):
        data = from_content((await db.get(QuestionVersion, question.current_version_id)).content)
        original, original_translation = before[question.key]
        assert data == original
        assert after_keys[question.translation_id] == keys_by_id[original_translation]


async def test_export_follows_the_filters_and_refuses_what_a_format_cannot_hold(client: AsyncTestClient, world: World, db):
    await load_starter(db)
    await login(client, "teacher1")
    response = await client.get("/questions/export?format=json&language=en&domain=6")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    exported = json.loads(response.content)["questions"]
    assert exported and all(q["language"] == "en" and q["competences"][0].startswith("6.") for q in exported)
    aiken = await client.get("/questions/export?format=aiken")
    assert aiken.status_code == 400  # the bank has true/false and short answers, which Aiken cannot hold


def test_cli_import_reports_json_and_reimport_creates_nothing(tmp_path: Path, settings):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "HOITHI_DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.redis_url, "HOITHI_LOCALE": "en"}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "contest.cli", "questions", "import", str(path), *args],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)

    refused = run("--json")
    assert refused.returncode == 1
    assert [e["line"] for e in json.loads(refused.stdout)["errors"]] == [10]
    first = run("--json", "--skip-unsupported")
    outcome = json.loads(first.stdout)
    assert first.returncode == 0 and outcome["created"] == {"questions": 2} and outcome["skipped"][0]["line"] == 10
    second = json.loads(run("--json", "--skip-unsupported").stdout)
    assert second["created"] == {} and second["unchanged"] == 2
