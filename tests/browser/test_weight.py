"""The weight budget (issue 9): pupils play on old phones over 3G, so what their pages cost is measured
in the browser, in bytes that crossed the network (compressed, headers included), with Chromium's own
accounting (DevTools protocol Network events).

- the first load of any pupil page, with an empty cache, htmx, CSS and all: at most 60 KB;
- each next question of a round: at most 8 KB;
- no web font at all (system fonts all carry Vietnamese).
"""

from __future__ import annotations

import re

from tests.browser.conftest import give_an_answer, log_in
from tests.conftest import CARD_CODE, World, make_contest

FIRST_LOAD_BUDGET = 60 * 1024
NEXT_QUESTION_BUDGET = 8 * 1024


class Meter:
    """Bytes one page received, per request, as Chromium counts them (compressed, headers included)."""

    def __init__(self, cdp):
        self.cdp = cdp
        self.responses: dict[str, dict] = {}  # request id: Chromium's resource type, url, content-encoding
        self.received: dict[str, int] = {}  # request id: bytes, since the last reset()
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)

    @classmethod
    async def on(cls, page) -> Meter:
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Network.enable")
        return cls(cdp)

    def _response(self, event) -> None:
        headers = {name.lower(): value for name, value in event["response"]["headers"].items()}
        self.responses[event["requestId"]] = {"type": event["type"], "url": event["response"]["url"],
                                              "encoding": headers.get("content-encoding", ""), "size": 0}

    def _finished(self, event) -> None:
        self.received[event["requestId"]] = int(event["encodedDataLength"])
        if event["requestId"] in self.responses:
            self.responses[event["requestId"]]["size"] = int(event["encodedDataLength"])

    def reset(self) -> int:
        """The bytes received since the last reset, and start counting again."""
        total = sum(self.received.values())
        self.received.clear()
        return total

    async def first_load(self, page, url: str) -> int:
        """Load `url` as a first visit would, with nothing in the browser's cache; its bytes."""
        await self.cdp.send("Network.clearBrowserCache")
        self.reset()
        await page.goto(url)
        await page.wait_for_load_state("networkidle")
        return self.reset()

    def fonts(self) -> list[str]:
        return [r["url"] for r in self.responses.values() if r["type"] == "Font"]

    def uncompressed_static_files(self) -> list[str]:
        return [r["url"] for r in self.responses.values()
                if "/static/" in r["url"] and r["size"] > 1024 and r["encoding"] not in ("gzip", "br")]


async def _answer(page) -> None:
    await give_an_answer(page)
    await page.locator(".feedback").wait_for()


async def test_pupil_pages_and_each_next_question_stay_within_the_budget(page, live_server: str, world: World, db):
    contest, round_ = await make_contest(db, world, question_count=4)
    meter = await Meter.on(page)
    await log_in(page, live_server, "pupil1", CARD_CODE)
    await page.goto(f"{live_server}/contests/{contest.id}")
    await page.locator(f"form[action$='/rounds/{round_.id}/start'] button").click()
    await page.wait_for_url(re.compile(r"/play/[^/]+$"))
    play_url = page.url

    first_loads = {"question 1": await meter.first_load(page, play_url)}
    next_questions = {}
    for number in range(2, 5):  # answer, read the feedback, go on: what each further question costs
        await _answer(page)
        await page.locator("a.next").click()
        await page.locator(".progress").filter(has_text=f" {number} ").wait_for()
        await page.wait_for_load_state("networkidle")
        next_questions[f"question {number}"] = meter.reset()
    await _answer(page)
    await page.locator("a.next").click()
    await page.wait_for_url(re.compile(r"/result$"))

    for path in ["/", "/contests", f"/contests/{contest.id}", "/practice", "/me", f"/boards/{contest.id}"]:
        first_loads[path] = await meter.first_load(page, live_server + path)
    for step in ("result", "review"):
        first_loads[step] = await meter.first_load(page, f"{play_url}/{step}")
    print("first loads:", first_loads, "next questions:", next_questions)  # pytest -s; docs/accessibility.md
    assert all(size <= FIRST_LOAD_BUDGET for size in first_loads.values()), first_loads
    assert all(size <= NEXT_QUESTION_BUDGET for size in next_questions.values()), next_questions
    assert not meter.fonts(), f"web fonts loaded: {meter.fonts()}"
    assert not meter.uncompressed_static_files(), meter.uncompressed_static_files()
