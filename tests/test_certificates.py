"""Certificates (issue 8): who earns one, the PDF's Vietnamese text, the QR code's verification page, forgeries."""

from __future__ import annotations

import asyncio
import io
import re

import pypdf
import pypdfium2
import segno
from litestar.testing import AsyncTestClient
from PIL import Image, ImageChops
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.leaderboards.standings import rebuild_round
from contest.reports import certificates
from contest.reports.models import Award, Certificate, CertificateTemplate

from tests.conftest import World, login, post_form
from tests.test_reports import add_attempt, bank_question, closed_contest, single_choice

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def _contest_with_winners(db: AsyncSession, redis: Redis, world: World):
    """Pupils of school 1 (1–4) and school 2 (5–8), both of district 1, played; pupil 2 won, pupil 6 came
    second, pupil 1 third; pupil 4 never finished. School 1 is far ahead of school 2; district 2 did not play."""
    world.pupils[1].full_name = "Nguyễn Thị Ánh Tuyết"
    question = await bank_question(db, single_choice("Câu hỏi?"))
    contest, round_ = await closed_contest(db, world, [question])
    db.add(CertificateTemplate(contest_id=contest.id, organiser_title="Sở Giáo dục và Đào tạo Tỉnh Thử Nghiệm",
                               signer_title="Giám đốc", signer_name="Trần Văn Đức"))
    for n, score in ((1, 700), (2, 900), (3, 100), (4, 1000), (5, 50), (6, 800), (7, 0), (8, 20)):
        await add_attempt(db, contest, round_, world.pupils[n - 1], score=score, finished=n != 4)
    await rebuild_round(db, redis, contest, round_)  # the schools' board ranks the schools
    return contest, round_


async def _batch_pdf(client: AsyncTestClient, contest, school_id: int) -> bytes:
    started = await post_form(client, f"/reports/contests/{contest.id}/certificates/batch", {"school": str(school_id)})
    assert started.status_code == 302, started.text
    progress_url = started.headers["location"]
    for _n in range(100):
        page = await client.get(progress_url, headers={"hx-request": "true"})
        assert page.status_code == 200
        if f'href="{progress_url}/pdf"' in page.text:  # the download link: the batch is ready
            break
        assert 'hx-trigger="every 1s"' in page.text  # the fragment keeps polling while it runs
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the batch never finished")
    download = await client.get(progress_url + "/pdf")
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    return download.content


async def test_awards_go_to_the_top_three_finishers_and_participation_to_every_finisher(db: AsyncSession, redis: Redis, world: World):
    contest, _round = await _contest_with_winners(db, redis, world)
    earned = await certificates.earned(db, redis, contest)
    places = [(e.holder_key, e.award) for e in earned if e.award is not Award.PARTICIPATION]
    # Pupil 4 scored most but never finished; pupil 7 finished with no points (a participant, not a winner).
    assert places == [(f"pupil:{world.pupils[1].id}", Award.FIRST), (f"pupil:{world.pupils[5].id}", Award.SECOND),
                      (f"pupil:{world.pupils[0].id}", Award.THIRD), (f"school:{world.schools[0].id}", Award.BEST_SCHOOL)]
    participants = {e.pupil_id for e in earned if e.award is Award.PARTICIPATION}
    assert participants == {p.id for n, p in enumerate(world.pupils[:8], start=1) if n != 4}
    school_one = await certificates.earned(db, redis, contest, world.schools[0].id)
    assert {e.holder_key for e in school_one} == {f"pupil:{world.pupils[n].id}" for n in (0, 1, 2)} | {f"school:{world.schools[0].id}"}


async def test_a_schools_batch_prints_diacritics_and_its_qr_code_verifies(client: AsyncTestClient, db: AsyncSession, redis: Redis,
                                                                         world: World):
    contest, _round = await _contest_with_winners(db, redis, world)
    await login(client, "teacher1")
    client.headers["accept-language"] = "vi"
    content = await _batch_pdf(client, contest, world.schools[0].id)
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 6  # school 1: first and third prize, best school, three participation certificates
    school_page = reader.pages[2].extract_text()
    assert "Trường Số 1" in school_page and "Huyện Số 1" in school_page
    first_page = reader.pages[0].extract_text()
    assert "Nguyễn Thị Ánh Tuyết" in first_page
    assert "SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH THỬ NGHIỆM" in first_page and "Trần Văn Đức" in first_page
    assert "Hội thi Tiếng Việt có dấu" in first_page
    fonts = {str(font["/BaseFont"]) for page in reader.pages for font in [page["/Resources"]["/Font"][name].get_object()
                                                                         for name in page["/Resources"]["/Font"]]}
    assert all("DejaVu" in font for font in fonts)  # embedded, not a viewer's substitute
    code = CODE.search(first_page).group(0)
    url = f"http://testserver.local/verify/{code}"
    assert url in first_page

    # The QR code printed on page 1 holds that URL: its modules, read off the embedded image, are segno's for it.
    [qr_image] = reader.pages[0].images
    assert _modules(qr_image.image) == [[bool(m) for m in row] for row in segno.make(url, error="m").matrix]
    rendered = pypdfium2.PdfDocument(content)[0].render(scale=1).to_pil().convert("L")
    assert rendered.getextrema()[0] < 50  # page 1 renders, with ink on it

    await client.get("/logout")
    client.cookies.clear()
    verified = await client.get(f"/verify/{code}", headers={"accept-language": "en"})  # public: nobody is logged in
    assert verified.status_code == 200
    assert "Nguyễn Thị Ánh Tuyết" in verified.text and "Trường Số 1" in verified.text
    assert certificates.award_name(Award.FIRST) in verified.text
    for private in (world.pupils[1].pupil_number, "900", "6A", world.pupils[1].username):
        assert f">{private}<" not in verified.text


def _modules(image: Image.Image) -> list[list[bool]]:
    """The dark/light modules of a QR symbol image: its dark bounding box sampled at each module's centre."""
    grey = image.convert("L")
    left, top, right, bottom = ImageChops.invert(grey).getbbox()
    size = 0
    while grey.getpixel((left + size, top)) < 128:  # the finder pattern's top edge is 7 modules of ink
        size += 1
    module = size / 7
    count = round((right - left) / module)
    return [[grey.getpixel((int(left + (x + 0.5) * module), int(top + (y + 0.5) * module))) < 128 for x in range(count)]
            for y in range(count)]


async def test_a_forged_or_altered_code_is_rejected(client: AsyncTestClient, db: AsyncSession, redis: Redis, world: World):
    contest, _round = await _contest_with_winners(db, redis, world)
    [issued] = await certificates.issue(db, contest, (await certificates.earned(db, redis, contest))[:1])
    genuine = await client.get(f"/verify/{issued.code}")
    assert genuine.status_code == 200 and issued.holder_name in genuine.text
    assert (await client.get(f"/verify/{issued.code.lower().replace('-', '')}")).status_code == 200  # typed by hand
    last = issued.code[-1]
    altered = issued.code[:-1] + ("0" if last != "0" else "1")
    for forged in (altered, "AAAA-BBBB-CCCC-DDDD", "1", "<script>"):
        response = await client.get(f"/verify/{forged}")
        assert response.status_code == 404
        assert issued.holder_name not in response.text


async def test_printing_again_keeps_each_certificates_code(db: AsyncSession, redis: Redis, world: World):
    contest, _round = await _contest_with_winners(db, redis, world)
    wanted = await certificates.earned(db, redis, contest)
    first = [c.code for c in await certificates.issue(db, contest, wanted)]
    again = [c.code for c in await certificates.issue(db, contest, wanted)]
    assert first == again and len(set(first)) == len(first)
    assert await db.scalar(select(func.count()).select_from(Certificate)) == len(wanted)
    assert all(CODE.fullmatch(code) for code in first)


async def test_a_teacher_prints_only_their_own_schools_certificates(client: AsyncTestClient, db: AsyncSession, redis: Redis, world: World):
    contest, _round = await _contest_with_winners(db, redis, world)
    await login(client, "teacher1")
    foreign = await post_form(client, f"/reports/contests/{contest.id}/certificates/batch", {"school": str(world.schools[1].id)})
    assert foreign.status_code == 404
    page = await client.get(f"/reports/contests/{contest.id}/certificates")
    assert "Trường Số 2" not in page.text and "Trường Số 1" in page.text
    # A batch is its starter's only: another teacher cannot poll or download it.
    started = await post_form(client, f"/reports/contests/{contest.id}/certificates/batch", {"school": str(world.schools[0].id)})
    await client.get("/logout")
    client.cookies.clear()
    await login(client, "teacher2")
    assert (await client.get(started.headers["location"])).status_code == 404
    assert (await client.get(started.headers["location"] + "/pdf")).status_code == 404
