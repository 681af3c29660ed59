"""A pupil plays a round with the keyboard only; a reload resumes the same attempt and the same clock.

These run in English (the browser asks for it), the login and review tests in Vietnamese.
"""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import CARD_CODE, World, make_contest


async def _pupil_logs_in(page, base: str, username: str) -> None:
    await page.goto(f"{base}/login?u={username}")
    await page.keyboard.type(CARD_CODE)  # the code field has the focus when the username is filled in
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{base}/")


async def test_a_pupil_plays_a_whole_round_with_the_keyboard_only(english_page, live_server: str, world: World, db):
    page = english_page
    contest, round_ = await make_contest(db, world, question_count=3)
    await _pupil_logs_in(page, live_server, "pupil1")
    await page.goto(f"{live_server}/contests/{contest.id}")
    start = page.get_by_role("button", name="Start")
    await start.focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/play/"))
    for number in range(1, 4):
        await expect(page.locator(".progress")).to_contain_text(f"{number}")
        field = page.locator(".play-question input:not([type=hidden])").first
        await field.focus()  # the first answer control, as Tab from the page top would reach it
        if await field.get_attribute("type") == "radio":
            await page.keyboard.press("Space")
        else:
            await page.keyboard.type("4")
        await page.keyboard.press("Enter")  # submits the form
        await expect(page.locator(".feedback")).to_be_visible()
        await screenshot(page, f"play-feedback-{number}")
        next_link = page.locator("a.next")
        await next_link.focus()
        await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/result$"))
    await expect(page.locator("h1")).to_contain_text("Your result")
    await screenshot(page, "play-result")


async def test_a_reload_resumes_the_attempt_with_the_same_deadline(english_page, live_server: str, world: World, db):
    page = english_page
    contest, round_ = await make_contest(db, world, question_count=3, seconds_per_question=None, seconds_per_round=300)
    await _pupil_logs_in(page, live_server, "pupil1")
    await page.goto(f"{live_server}/contests/{contest.id}")
    await page.get_by_role("button", name="Start").click()
    await page.wait_for_url(re.compile(r"/play/"))
    url = page.url
    stem = await page.locator(".play-question legend").inner_text()
    first = int(await page.locator(".countdown").get_attribute("data-remaining-ms"))
    await page.wait_for_timeout(1500)
    await page.reload()
    assert page.url == url
    assert await page.locator(".play-question legend").inner_text() == stem
    second = int(await page.locator(".countdown").get_attribute("data-remaining-ms"))
    assert 1000 <= first - second <= 5000  # the server's clock went on; the reload did not reset it
    await page.goto(f"{live_server}/contests/{contest.id}")
    await page.get_by_role("link", name="Continue").click()
    await page.wait_for_url(url)
