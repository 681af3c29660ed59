"""Every page a pupil, a teacher and an organiser reaches (issue 9), checked in a real browser for:
accessibility (axe-core: no serious or critical WCAG 2.2 AA violation), the Content Security Policy (no
violation reported, no script error), privacy (no request to any host but the app's: no CDN, no analytics)
and server errors (none).

Each role's tour is one test, so a page is loaded once and checked for all three. Without axe-core
(and HOITHI_REQUIRE_BROWSER unset) a tour still checks the policy and the hosts, then reports a skip.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from contest.accounts.identity import CurrentUser
from contest.play.models import Answer
from questions.content import QuestionData
from questions.store import Owner, create_question

from tests.browser.conftest import AXE_MISSING, PageWatch, accessibility_problems, give_an_answer, log_in
from tests.conftest import CARD_CODE, PASSWORD, World, make_contest


class Tour:
    """One signed-in browser page, checked wherever it goes."""

    def __init__(self, page, base_url: str, axe_source: str | None):
        self.page, self.base, self.axe_source = page, base_url, axe_source
        self.watch = PageWatch(page, base_url)
        self.accessibility: list[str] = []
        self.server_errors: list[str] = []
        self.visited: list[str] = []

    async def check(self, page=None) -> None:
        page = page or self.page
        await page.wait_for_load_state("load")
        self.visited.append(page.url.removeprefix(self.base))
        if self.axe_source is not None:
            self.accessibility += await accessibility_problems(page, self.axe_source)

    async def visit(self, *paths: str) -> None:
        for path in paths:
            response = await self.page.goto(self.base + path)
            if response is not None and response.status >= 500:
                self.server_errors.append(f"{path}: {response.status}")
            await self.check()

    async def log_in(self, username: str, secret: str) -> None:
        await self.visit("/login")
        await log_in(self.page, self.base, username, secret)

    def assert_clean(self) -> None:
        problems = (
            [f"server error: {p}" for p in self.server_errors]
            + [f"accessibility: {p}" for p in self.accessibility]
            + [f"CSP violation: {p}" for p in self.watch.csp_violations]
            + [f"script error: {p}" for p in self.watch.script_errors]
            + [f"request to another host: {p}" for p in self.watch.foreign_requests]
        )
        assert not problems, f"on {len(self.visited)} pages:\n" + "\n".join(problems)
        if self.axe_source is None:
            pytest.skip(AXE_MISSING)


@pytest.fixture
async def tour(page, live_server: str, axe_source: str | None) -> Tour:
    return Tour(page, live_server, axe_source)


async def test_every_page_a_pupil_reaches(tour: Tour, world: World, db):
    contest, round_ = await make_contest(db, world, question_count=3)
    page = tour.page
    await tour.log_in("pupil1", CARD_CODE)
    await tour.visit("/", "/contests", f"/contests/{contest.id}")
    await page.locator(f"form[action$='/rounds/{round_.id}/start'] button").click()
    await page.wait_for_url(re.compile(r"/play/[^/]+$"))
    announcer = page.locator("#time-announcer")  # 30 s a question: said once at the start, then at 10 s
    await expect(announcer).to_contain_text(":")
    said = await announcer.inner_text()
    await page.wait_for_timeout(2100)
    assert await announcer.inner_text() == said, "the time left is announced every second"
    for _number in range(3):
        await tour.check()  # the question
        await give_an_answer(page)
        await page.locator(".feedback").wait_for()
        await tour.check()  # the answer's feedback
        await page.locator("a.next").click()  # the next question (a fragment), or the result page
        await page.locator("form.play").or_(page.locator("dl.result")).wait_for()
    await page.wait_for_url(re.compile(r"/result$"))
    await tour.check()
    await tour.visit(page.url.removeprefix(tour.base).replace("/result", "/review"))
    await tour.visit("/practice", "/me", f"/boards/{contest.id}", f"/boards/{contest.id}/projector", "/no-such-page",
                     "/g", "/privacy")
    assert await db.scalar(select(Answer.id).limit(1)) is not None
    tour.assert_clean()


async def test_every_page_a_teacher_reaches(tour: Tour, world: World, db):
    await make_contest(db, world)  # loads the starter question bank
    author = CurrentUser.of(world.teachers[0])
    data = QuestionData(type="true_false", stem="Mật khẩu nên dài ít nhất 12 ký tự?", answer_true=True,
                        competences=["4.1"], explanation="Càng dài càng khó đoán.")
    draft = await create_question(db, data, author=author, owner=Owner.of(author))
    await db.commit()
    school, school_class = world.schools[0], world.classes[0]
    await tour.log_in("teacher1", PASSWORD)
    await tour.visit("/", f"/schools/{school.id}", f"/classes/{school_class.id}")
    async with tour.page.expect_popup() as popup:
        await tour.page.locator(f"form[action='/classes/{school_class.id}/cards'] button[type=submit]").click()
    cards = await popup.value
    await tour.check(cards)
    await cards.close()
    await tour.visit("/import", "/questions")
    async with tour.page.expect_response(re.compile(r"/questions\?.*q=")):  # the live search (htmx) under the CSP
        await tour.page.locator("#filter-q").fill("mật khẩu")
    await tour.check()
    await tour.visit("/questions/new", f"/questions/{draft.id}", f"/questions/{draft.id}/edit")
    async with tour.page.expect_response(re.compile(r"/questions/check$")):  # the live check of the question form
        await tour.page.locator("#stem").press("End")
        await tour.page.keyboard.type(" ")
    await tour.check()
    await tour.visit(f"/questions/{draft.id}/preview", "/questions/import", "/manage/contests", "/manage/contests/new",
                     "/contests")  # a pupil's page: the 403 error page
    tour.assert_clean()


async def test_every_page_an_organiser_reaches(tour: Tour, world: World, db):
    contest, round_ = await make_contest(db, world)
    await tour.log_in("province", PASSWORD)
    await tour.visit("/", f"/districts/{world.districts[0].id}", "/manage/contests", f"/manage/contests/{contest.id}",
                     f"/manage/contests/{contest.id}/rounds/new", f"/manage/rounds/{round_.id}",
                     f"/manage/contests/{contest.id}/participation", f"/boards/{contest.id}",
                     f"/boards/{contest.id}/projector")
    assert await _board_row_transition(tour.page) != "0s"  # rows fade as they move on the projector…
    await tour.page.emulate_media(reduced_motion="reduce")
    assert await _board_row_transition(tour.page) == "0s"  # …unless the screen asks for less motion
    await tour.page.emulate_media(reduced_motion="no-preference")
    await tour.page.goto(f"{tour.base}/manage/contests/{contest.id}")
    await tour.page.locator(f"form[action='/manage/contests/{contest.id}/freeze'] button").click()
    await tour.page.wait_for_url(re.compile(r"/reveal$"))  # the ceremony screen, with its own script and styles
    await tour.check()
    async with tour.page.expect_response(lambda response: response.request.method == "POST"):
        await tour.page.keyboard.press("Space")  # the clicker's Next
    await tour.check()
    reports = f"/reports/contests/{contest.id}"
    await tour.visit("/reports", reports, f"{reports}/results", f"{reports}/items", f"{reports}/certificates",
                     f"/pupils/{world.pupils[0].id}/data", "/verify/0000-0000-0000-0000", "/manage/games")
    await tour.page.locator("#game-title").fill("Lễ khai mạc")
    await tour.page.locator("form[action='/manage/games/new'] button[type=submit]").click()
    await tour.page.wait_for_url(re.compile(r"/manage/games/\d+$"))
    await tour.check()  # the host's big screen, in the lobby
    game = tour.page.url.removeprefix(tour.base)
    await tour.visit(f"{game}/players", f"{game}/results")
    tour.assert_clean()


async def _board_row_transition(page) -> str:
    return await page.locator(".big-board li").first.evaluate("row => getComputedStyle(row).transitionDuration")
