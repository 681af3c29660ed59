"""Two app instances share one database and one Redis: an answer on one moves the projector on the other."""

from __future__ import annotations

import re
import time

import httpx
from playwright.async_api import expect

from tests.browser.conftest import screenshot
from tests.servers import start_server, stop_server
from tests.conftest import CARD_CODE, World, make_contest

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def _pupil_answers_one_question(base: str, username: str, contest_id: int, round_id: int) -> None:
    with httpx.Client(base_url=base, follow_redirects=False, headers={"accept-language": "en"}) as pupil:
        token = CSRF.search(pupil.get("/login").text).group(1)
        assert pupil.post("/login", data={"username": username, "secret": CARD_CODE, "_csrf_token": token}).status_code == 302
        started = pupil.post(f"/contests/{contest_id}/rounds/{round_id}/start", data={"_csrf_token": token})
        play = started.headers["location"]
        page = pupil.get(play).text
        form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
        choice = re.search(r'name="choice" value="([^"]+)"', page)
        data = {"_csrf_token": form["_csrf_token"], "q": form["q"]}
        data |= {"choice": choice.group(1)} if choice else {"text": "x", "number": "1"}
        assert pupil.post(play, data=data).status_code == 200


async def test_an_answer_on_one_instance_updates_the_projector_on_another(english_page, settings, world: World, db):
    contest, round_ = await make_contest(db, world, question_count=2)
    first, first_url = start_server(settings)
    second, second_url = start_server(settings)
    try:
        page = english_page
        await page.goto(f"{second_url}/boards/{contest.id}/projector")
        await expect(page.locator("#projector")).to_contain_text("Nobody has played yet")
        await page.wait_for_timeout(500)  # the event stream is connected
        answered = time.monotonic()
        _pupil_answers_one_question(first_url, "pupil1", contest.id, round_.id)
        shown_as = f"{world.pupils[0].full_name.split()[-1]} · {world.classes[0].name}"  # given name and class
        await expect(page.locator(".big-board").first).to_contain_text(shown_as, timeout=3000)
        elapsed = time.monotonic() - answered
        await screenshot(page, "projector-live")
        assert elapsed < 1.5, f"the projector took {elapsed:.2f} s"
    finally:
        await english_page.close()  # ends the event stream, so the servers stop at once
        for process in (first, second):
            stop_server(process)
