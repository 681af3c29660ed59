"""A pupil logs in with a card code; a teacher prints login cards."""

from __future__ import annotations

import re

from tests.browser.conftest import screenshot
from tests.conftest import CARD_CODE, PASSWORD, World


async def test_pupil_logs_in_with_the_code_on_their_card(page, live_server: str, world: World):
    pupil = world.pupils[0]
    await page.goto(f"{live_server}/login?u={pupil.username}")  # where the card's QR code leads
    assert await page.locator("#username").input_value() == pupil.username
    await page.get_by_label("Mật khẩu hoặc mã thẻ").fill(CARD_CODE.lower())
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(f"{live_server}/")
    assert pupil.full_name in await page.locator("h1").inner_text()
    await screenshot(page, "pupil-dashboard")


async def test_teacher_prints_login_cards_for_a_class(page, live_server: str, world: World):
    await page.goto(f"{live_server}/login")
    await page.get_by_label("Tên đăng nhập").fill("teacher1")
    await page.get_by_label("Mật khẩu hoặc mã thẻ").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("link", name=world.classes[0].name, exact=True).first.click()
    await page.wait_for_url(re.compile(r"/classes/\d+$"))
    async with page.expect_popup() as popup:
        await page.get_by_role("button", name="In thẻ đăng nhập").click()
    cards = await popup.value
    await cards.wait_for_load_state()
    assert await cards.locator("article.card").count() == 2
    assert await cards.locator("article.card svg").count() == 2
    codes = await cards.locator(".code").all_inner_texts()
    assert len(codes) == 2 and all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code) for code in codes)
    await screenshot(cards, "login-cards")
