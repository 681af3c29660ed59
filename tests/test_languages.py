"""Two languages done right: plural forms, dates as Vietnamese readers write them, names in
Vietnamese order, and error pages in the reader's language."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from litestar.testing import AsyncTestClient

from contest import i18n
from contest.accounts import ratelimit
from contest.collation import name_key
from contest.web import jinja_environment
from tests.conftest import World, login, make_contest


@pytest.fixture
def locale():
    """Switch the message language for the rest of the test."""
    tokens = []

    def use(code: str) -> None:
        tokens.append(i18n.current_locale.set(code))

    yield use
    for token in reversed(tokens):
        i18n.current_locale.reset(token)


# Plural forms.

def test_templates_choose_the_plural_form_and_keep_their_other_variables(locale):
    template = jinja_environment().from_string(
        '{{ ngettext("Attempt %(number)d: %(score)s point", "Attempt %(number)d: %(score)s points", n,'
        ' number=2, score=n) }}')
    assert template.render(n=1) == "Attempt 2: 1 point"
    assert template.render(n=5) == "Attempt 2: 5 points"
    locale("vi")
    assert template.render(n=1) == "Lượt 2: 1 điểm"
    untranslated = jinja_environment().from_string('{{ ngettext("%(score)s ghost", "%(score)s ghosts", n, score=n) }}')
    assert untranslated.render(n=1) == "1 ghost"  # untranslated text falls back, it does not break the page


def test_python_messages_choose_the_plural_form_too(locale):
    assert i18n.ngettext("%(num)d pupil", "%(num)d pupils", 1) == "1 pupil"
    assert i18n.ngettext("%(num)d pupil", "%(num)d pupils", 2) == "2 pupils"
    locale("vi")  # Vietnamese has one form: "học sinh" whatever the count
    assert i18n.ngettext("%(num)d pupil", "%(num)d pupils", 1) == "1 học sinh"
    assert i18n.ngettext("%(num)d pupil", "%(num)d pupils", 2) == "2 học sinh"


async def test_a_locked_login_says_one_minute_not_one_minutes(client: AsyncTestClient, world: World, redis):
    await redis.set("login-failures:account:teacher1", ratelimit.ACCOUNT_FAILURES, ex=50)
    locked = await login(client, "teacher1")
    assert locked.status_code == 429 and "Try again in 1 minute or ask your teacher" in locked.text


# Dates: day before month, 24-hour clock, Vietnam's time (UTC+7).

AFTERNOON_UTC = datetime(2026, 3, 5, 14, 7, tzinfo=timezone.utc)
LATE_EVENING_UTC = datetime(2026, 3, 5, 20, 30, tzinfo=timezone.utc)  # already 6 March in Vietnam


def test_dates_read_as_in_vietnam(locale):
    locale("vi")
    assert i18n.format_datetime(AFTERNOON_UTC) == "05/03/2026 21:07"
    assert i18n.format_date(LATE_EVENING_UTC) == "06/03/2026"
    assert i18n.format_date(date(2026, 12, 1)) == "01/12/2026"
    locale("en")
    assert i18n.format_datetime(AFTERNOON_UTC) == "5 Mar 2026, 21:07"
    assert i18n.format_date(LATE_EVENING_UTC) == "6 Mar 2026"


async def test_pages_show_dates_the_same_way(client: AsyncTestClient, db, world: World):
    contest, _round = await make_contest(db, world)
    await login(client, "province")
    page = (await client.get("/manage/contests", headers={"accept-language": "vi"})).text
    opens = contest.opens_at.astimezone(i18n.TIMEZONE)
    assert opens.strftime("%d/%m/%Y %H:%M") in page
    assert not re.search(r"\b(AM|PM|SA|CH)\b", page)


# Names: by given name (the last word), then the whole name; diacritics collated as the alphabet says.

def test_names_sort_by_given_name_in_vietnamese_alphabet_order():
    names = ["Đỗ Minh Đức", "Trần Văn Bình", "Phạm Thị Ánh", "Hoàng Văn Dũng", "Lê Thị Anh", "Nguyễn Thị An",
             "Vũ Thị Ân", "Trần Thị Mai", "Nguyễn Thị Mai", "Bùi Văn Ẩn"]
    # Letters first (an < anh < ân: a before â), tones only between equal letters (Anh < Ánh, Ân < Ẩn).
    assert sorted(names, key=name_key) == [
        "Nguyễn Thị An", "Lê Thị Anh", "Phạm Thị Ánh", "Vũ Thị Ân", "Bùi Văn Ẩn", "Trần Văn Bình", "Hoàng Văn Dũng",
        "Đỗ Minh Đức", "Nguyễn Thị Mai", "Trần Thị Mai"]


async def test_the_class_list_is_in_vietnamese_order(client: AsyncTestClient, db, world: World):
    class_pupils = [p for p in world.pupils if p.class_id == world.classes[0].id]
    for pupil, name in zip(class_pupils, ["Đỗ Minh Đức", "Trần Văn Dũng"]):
        pupil.full_name = name
    await db.commit()
    await login(client, "teacher1")
    page = (await client.get(f"/classes/{world.classes[0].id}")).text
    assert page.index("Trần Văn Dũng") < page.index("Đỗ Minh Đức")  # D before Đ, whatever the family name


async def test_schools_are_listed_in_vietnamese_order(client: AsyncTestClient, db, world: World):
    world.schools[0].name, world.schools[1].name = "Trường Bình Minh", "Trường Ân Thi"  # byte order: B before Â
    await db.commit()
    await login(client, "district1")
    page = (await client.get(f"/districts/{world.districts[0].id}")).text
    assert page.index("Trường Ân Thi") < page.index("Trường Bình Minh")


# Error pages speak the reader's language.

@pytest.mark.parametrize(("path", "vietnamese", "english"), [
    ("/no-such-page", "Không tìm thấy trang", "Page not found"),
])
async def test_error_pages_in_both_languages(client: AsyncTestClient, path: str, vietnamese: str, english: str):
    vi = await client.get(path, headers={"accept-language": "vi"})
    en = await client.get(path, headers={"accept-language": "en"})
    assert vi.status_code == en.status_code == 404
    assert '<html lang="vi">' in vi.text and vietnamese in vi.text and english not in vi.text
    assert '<html lang="en">' in en.text and english in en.text


async def test_a_refused_page_is_in_vietnamese_too(client: AsyncTestClient, world: World):
    await login(client, "pupil1", "ABCD-2345")
    refused = await client.get("/import", headers={"accept-language": "vi"})
    assert refused.status_code == 403 and '<html lang="vi">' in refused.text
    assert "Not allowed" not in refused.text
