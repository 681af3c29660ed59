"""A round over a bad 3G link (issue 9): Chromium's network emulation at 400 kbit/s and 400 ms latency,
one answer whose response is lost on the way back, and a phone whose clock is ten minutes wrong.

Nothing is lost (the database holds every answer, once), the pupil sees "saving…" and then that the
answer is saved, and the countdown shows the server's deadline, never more time than it gives.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import func, select

from contest.play.models import Answer, Attempt, AttemptQuestion
from tests.browser.conftest import give_an_answer, log_in, screenshot
from tests.conftest import CARD_CODE, World, make_contest

THREE_G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
WRONG_CLOCK = "Date.now = (now => () => now() + 600_000)(Date.now);"  # a phone ten minutes fast


def _seconds(clock: str) -> int:
    minutes, seconds = clock.strip().split(":")
    return int(minutes) * 60 + int(seconds)


async def _time_left_on_server(db, attempt_token: str) -> float:
    deadline = await db.scalar(
        select(AttemptQuestion.deadline).join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.token == attempt_token, AttemptQuestion.position == Attempt.position))
    return (deadline - datetime.now(timezone.utc)).total_seconds()


async def test_a_round_over_a_slow_flaky_link_loses_no_answer(english_page, live_server: str, world: World, db):
    page = english_page
    contest, round_ = await make_contest(db, world, question_count=3, seconds_per_question=60)
    await page.add_init_script(WRONG_CLOCK)
    await log_in(page, live_server, "pupil1", CARD_CODE)
    await page.goto(f"{live_server}/contests/{contest.id}")
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", THREE_G)
    await page.locator(f"form[action$='/rounds/{round_.id}/start'] button").click()
    await page.wait_for_url(re.compile(r"/play/[^/]+$"), timeout=30_000)
    token = page.url.rsplit("/", 1)[1]

    dropped = []

    async def lose_the_first_response(route):
        """The answer reaches the server; its response never reaches the phone."""
        if route.request.method == "POST" and not dropped:
            await route.fetch()
            dropped.append(route.request.url)
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route(re.compile(r"/play/[^/]+$"), lose_the_first_response)
    for number in range(1, 4):
        await page.locator(".progress").filter(has_text=f"Question {number} of 3").wait_for(timeout=30_000)
        await page.wait_for_timeout(1200)  # let the countdown tick under the wrong clock
        server = await _time_left_on_server(db, token)
        shown = _seconds(await page.locator(".countdown .clock").inner_text())  # read after: it can only be less
        # The clock is redrawn every 250 ms; beyond that it never shows more than the server gives, and
        # not much less (the link's latency).
        assert shown <= server + 0.25, f"the countdown shows {shown}s, the server gives {server:.2f}s"
        assert shown >= server - 5, f"the countdown shows {shown}s, the server still gives {server:.2f}s"

        await give_an_answer(page)
        await page.locator("form.play .saving").wait_for(state="visible", timeout=5_000)  # "Saving…" at once
        if number == 1:  # the lost response: the page says so and sends the answer again by itself
            await page.locator("form.play.retrying .saving").filter(has_text="sent again").wait_for(timeout=10_000)
            await screenshot(page, "slow-link-retrying")
        await page.locator(".feedback .save-state").wait_for(timeout=30_000)
        assert re.search(r"saved", await page.locator(".feedback .save-state").inner_text(), re.IGNORECASE)
        await page.locator("a.next").click()
    await page.wait_for_url(re.compile(r"/result$"), timeout=30_000)

    assert dropped, "no response was dropped: the test did not test a retry"
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token).execution_options(populate_existing=True))
    assert attempt.finished_at is not None and attempt.answered_count == 3
    answers = await db.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == attempt.id,
                                                                                Answer.timed_out.is_(False)))
    assert answers == 3
