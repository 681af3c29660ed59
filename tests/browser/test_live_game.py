"""A live game in a hall: a host screen driven by the keyboard, three phones, three questions, and one
phone reloaded mid-question that keeps its score."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import CARD_CODE, PASSWORD, World
from tests.test_games import STEMS, bank  # noqa: F401  (the fixture: three approved questions)


async def _log_in(page, base: str, username: str, secret: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("#username", username)
    await page.fill("#secret", secret)
    await page.press("#secret", "Enter")
    await page.wait_for_url(f"{base}/")


async def _phone(browser, base: str, pin: str, nickname: str | None, username: str | None = None):
    context = await browser.new_context(locale="en-US", viewport={"width": 390, "height": 780})
    page = await context.new_page()
    page.set_default_timeout(10_000)
    if username:
        await _log_in(page, base, username, CARD_CODE)
    await page.goto(f"{base}/g")
    await page.fill("#pin", pin)
    await page.press("#pin", "Enter")
    if nickname:
        await page.fill("#nickname", nickname)
    await page.get_by_role("button", name="Join").click()
    await page.wait_for_url(f"{base}/g/{pin}/play")
    await expect(page.locator(".status-line")).to_contain_text("You are in")
    return context, page


async def _next(host) -> None:
    """The clicker: the host screen has the focus, not a button."""
    await host.locator("h1").click()
    await host.keyboard.press("PageDown")


async def test_a_host_and_three_phones_play_three_questions(browser, live_server: str, world: World, db, bank):  # noqa: F811
    base = live_server
    host_context = await browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    host = await host_context.new_page()
    host.set_default_timeout(10_000)
    await _log_in(host, base, "teacher1", PASSWORD)
    await host.goto(f"{base}/manage/games")
    await host.fill("#game-title", "Launch ceremony")
    await host.fill("#game-count", "3")
    await host.select_option("#game-scoring", "accuracy")
    await host.get_by_role("button", name="Make the game").click()
    await host.wait_for_url(re.compile(r"/manage/games/\d+$"))
    pin = (await host.locator(".pin").inner_text()).strip()
    assert re.fullmatch(r"\d{6}", pin)
    await expect(host.locator(".join svg")).to_be_visible()  # the QR code

    phones = [await _phone(browser, base, pin, "An"), await _phone(browser, base, pin, "Bảo"),
              await _phone(browser, base, pin, None, username="pupil1")]
    an, bao, pupil = (page for _context, page in phones)
    await expect(host.locator(".player-count")).to_have_text("3")  # the lobby polls
    await expect(host.locator(".school-counts")).to_contain_text(world.schools[0].name)
    await screenshot(host, "live-game-lobby")

    for number in range(3):
        await _next(host)  # the question
        await expect(host.locator(".progress")).to_contain_text(f"Question {number + 1} of 3")
        stem = (await host.locator(".stem").inner_text()).strip()
        assert stem in STEMS
        for page in (an, bao, pupil):  # the phones hear of it by server-sent events
            await expect(page.locator(".answer-buttons")).to_be_visible()
        if number == 0:
            await screenshot(an, "live-game-phone-question")
        if number == 1:  # An's phone reloads mid-question: the same player, the score intact
            await an.reload()
            await expect(an.locator(".score")).to_have_text("1,000 points")
            await expect(an.locator(".answer-buttons")).to_be_visible()
        await an.get_by_role("button", name=re.compile("Đúng")).click()
        await bao.get_by_role("button", name=re.compile("Sai 1")).click()
        if number != 2:
            await pupil.get_by_role("button", name=re.compile("Đúng")).click()
        for page in (an, bao) + ((pupil,) if number != 2 else ()):
            await expect(page.locator(".answered")).to_be_visible()
        if number == 0:
            await screenshot(an, "live-game-phone-answered")
        await _next(host)  # close: the distribution, the answer, its explanation
        await expect(host.locator(".distribution")).to_be_visible()
        await expect(host.locator(".explanation")).to_contain_text("OTP")
        await expect(an.locator(".verdict")).to_have_text("Right!")
        await expect(bao.locator(".verdict")).to_have_text("Not right this time.")
        if number == 0:
            await screenshot(host, "live-game-reveal")
        await _next(host)  # the standings
        await expect(host.locator(".player-board")).to_contain_text("An")
    await screenshot(host, "live-game-board")

    await _next(host)  # the podium
    await expect(host.locator(".podium")).to_contain_text("An")
    await expect(an.locator(".verdict")).to_have_text("The game is over.")
    await expect(an.locator(".rank")).to_contain_text("Rank 1 of 3")
    await expect(an.locator(".score")).to_have_text("3,000 points")
    await expect(pupil.locator(".score")).to_have_text("2,000 points")
    await expect(bao.locator(".score")).to_have_text("0 points")
    await screenshot(host, "live-game-podium")

    await host.goto(f"{base}/manage/games")
    await host.get_by_role("link", name="Results").first.click()
    await expect(host.locator(".game-results tbody tr").first).to_contain_text("An")
    await expect(host.locator(".game-results")).to_contain_text(world.schools[0].name)
    for context, _page in phones:
        await context.close()
    await host_context.close()
