"""Login cards: a teacher prints them, each code lets its pupil in, reprinting replaces the codes."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import Role, User
from tests.conftest import CARD_CODE, World, login, post_form

CARD = re.compile(r'<strong class="username">([^<]+)</strong>.*?<strong class="code">([^<]+)</strong>', re.S)


async def _add_pupils(db: AsyncSession, world: World, count: int) -> None:
    school_class = world.classes[0]
    db.add_all(User(username=f"extra{n}", full_name=f"Trần Văn Thêm {n}", role=Role.PUPIL, school_id=school_class.school_id,
                    class_id=school_class.id, pupil_number=f"X{n}") for n in range(count))
    await db.commit()


async def test_teacher_prints_a4_sheets_of_ten_cards_whose_codes_log_in(client: AsyncTestClient, world: World, db: AsyncSession):
    await _add_pupils(db, world, 10)  # 12 pupils in the class: two sheets
    await login(client, "teacher1")
    page = await post_form(client, f"/classes/{world.classes[0].id}/cards")
    assert page.status_code == 200
    sheets = page.text.split('<section class="sheet"')[1:]
    assert [len(CARD.findall(sheet)) for sheet in sheets] == [10, 2]
    assert page.text.count("<svg") == 12  # a QR code per card
    cards = dict(CARD.findall(page.text))
    assert len(set(cards.values())) == 12  # every pupil has their own code

    for username, code in list(cards.items())[:3]:
        client.cookies.clear()
        assert (await login(client, username, code)).status_code == 302
        full_name = await db.scalar(select(User.full_name).where(User.username == username))
        assert full_name in (await client.get("/")).text


async def test_printing_chosen_pupils_replaces_only_their_codes(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    chosen = world.pupils[0]
    page = await post_form(client, f"/classes/{world.classes[0].id}/cards", {"pupil_ids": str(chosen.id)})
    assert page.status_code == 200, page.text
    cards = dict(CARD.findall(page.text))
    assert list(cards) == [chosen.username]
    client.cookies.clear()
    assert (await login(client, chosen.username, CARD_CODE)).status_code == 400  # the old card no longer works
    assert (await login(client, world.pupils[1].username, CARD_CODE)).status_code == 302  # classmates keep theirs
    client.cookies.clear()
    assert (await login(client, chosen.username, cards[chosen.username])).status_code == 302


async def test_cards_qr_code_opens_the_login_page_with_the_username(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    page = await post_form(client, f"/classes/{world.classes[0].id}/cards")
    assert "Print this page on A4 paper" in page.text
    client.cookies.clear()
    prefilled = await client.get(f"/login?u={world.pupils[0].username}")
    assert f'value="{world.pupils[0].username}"' in prefilled.text
