"""An organiser sets up a contest in the browser: a qualifier, a final for the best 3 per school, published."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession

from contest.db import utcnow
from contest.i18n import TIMEZONE
from questions.starter import load_starter
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, World


def _local(moment) -> str:
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%dT%H:%M")


async def test_an_organiser_sets_up_and_publishes_a_contest(browser, live_server: str, world: World, db: AsyncSession):
    await load_starter(db)
    # English through Accept-Language, so the test does not depend on the Vietnamese catalog's wording.
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    page.set_default_timeout(10_000)
    await page.goto(f"{live_server}/login")
    await page.get_by_label("Username").fill("province")
    await page.get_by_label("Password or card code").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{live_server}/")

    await page.goto(f"{live_server}/manage/contests")
    await page.get_by_role("link", name="New contest").click()
    await page.wait_for_url(f"{live_server}/manage/contests/new")
    await page.get_by_label("Title in Vietnamese").fill("Hội thi An toàn số")
    await page.get_by_label("Title in English (optional)").fill("Digital Safety Contest")
    now = utcnow()
    # A window that closes before it opens is refused, with the reason on the page.
    await page.get_by_label("Opens", exact=True).fill(_local(now))
    await page.get_by_label("Closes", exact=True).fill(_local(now - timedelta(hours=1)))
    await page.get_by_role("button", name="Save contest").click()
    await expect(page.locator('#problems li[data-field="closes_at"]')).to_have_text("The contest must close after it opens.")
    await expect(page.get_by_label("Closes", exact=True)).to_have_attribute("aria-invalid", "true")
    await screenshot(page, "contest-setup-refused")
    await page.get_by_label("Closes", exact=True).fill(_local(now + timedelta(hours=1)))
    await page.get_by_role("button", name="Save contest").click()
    await page.wait_for_url(re.compile(r"/manage/contests/\d+$"))
    contest_url = page.url

    await page.get_by_role("link", name="Add round").click()
    await page.get_by_label("Round title").fill("Qualifier")
    await page.get_by_label("Random draw for each pupil").check()
    await page.get_by_label("Number of questions").fill("10")
    await page.get_by_label("Seconds per question").fill("20")
    await page.get_by_role("button", name="Save round").click()
    await page.wait_for_url(contest_url)

    await page.get_by_role("link", name="Add round").click()
    await page.get_by_label("Round title").fill("Final")
    await page.get_by_label("Number of questions").fill("5")
    await page.get_by_label("Only for the best of an earlier round").select_option(label="Qualifier")
    await page.get_by_label("How many qualify").fill("3")
    await page.get_by_label("Counted").select_option(label="per school")
    await page.get_by_role("button", name="Save round").click()
    await page.wait_for_url(contest_url)

    await page.get_by_label("Published: pupils see the contest in their list").check()
    await page.get_by_role("button", name="Save contest").click()
    await page.wait_for_url(contest_url)

    rounds = page.locator(".round-list li")
    await expect(rounds).to_have_count(2)
    await expect(rounds.nth(0).get_by_role("link")).to_have_text("Qualifier")
    await expect(rounds.nth(1).get_by_role("link")).to_have_text("Final")
    await expect(rounds.nth(1)).to_contain_text("final for the best 3 per school of “Qualifier”")
    await expect(page.locator("h1 + .meta")).to_contain_text("Published")
    await expect(page.get_by_label("Published: pupils see the contest in their list")).to_be_checked()
    await screenshot(page, "contest-setup")

    await page.goto(f"{live_server}/manage/contests")
    await expect(page.locator("table.contest-list tbody tr")).to_have_count(1)
    await expect(page.locator("table.contest-list tbody tr")).to_contain_text("Published")
    await context.close()
