"""Browser tests: a real server process on a free port, driven by the system's headless Chromium.

Chromium comes from the system (Debian's `chromium` package, or HOITHI_CHROMIUM); Playwright never
downloads a browser here. Without one these tests are skipped, loudly, unless
HOITHI_REQUIRE_BROWSER=1 (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = ROOT / "data" / "screenshots"


def chromium_path() -> str | None:
    return os.environ.get("HOITHI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
async def browser():
    path = chromium_path()
    if path is None:
        message = "no Chromium found: install Debian's `chromium` package or set HOITHI_CHROMIUM"
        if os.environ.get("HOITHI_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        yield instance
        await instance.close()


@pytest.fixture
def live_server(settings) -> Iterator[str]:
    process, base_url = start_server(settings)
    yield base_url
    stop_server(process)


async def _page(browser, locale: str):
    context = await browser.new_context(locale=locale)
    page = await context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
async def page(browser):
    """A page whose browser asks for Vietnamese, the site's first language."""
    context, page = await _page(browser, "vi-VN")
    yield page
    await context.close()


@pytest.fixture
async def english_page(browser):
    context, page = await _page(browser, "en-US")
    yield page
    await context.close()


async def screenshot(page, name: str) -> None:
    """Keep a picture of what the test saw (data/screenshots/, ignored by git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# Issue 9: what every page is checked for. axe-core comes from the npm registry (`make browser-assets`).
AXE_SCRIPT = ROOT / "build" / "browser-assets" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


AXE_MISSING = "axe-core is not installed, accessibility NOT checked: run `make browser-assets` (it needs npm)"


@pytest.fixture(scope="session")
def axe_source() -> str | None:
    """axe-core's script; None when it is missing, and then the test checks the rest and skips loudly."""
    if AXE_SCRIPT.exists():
        return AXE_SCRIPT.read_text(encoding="utf-8")
    if os.environ.get("HOITHI_REQUIRE_BROWSER") == "1":
        pytest.fail(AXE_MISSING)
    return None


async def accessibility_problems(page, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now.

    Injected through the DevTools protocol (page.evaluate), which the page's CSP does not govern,
    so the page is checked under its real policy."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(axe_source)
    result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [f"{page.url}: {v['id']} ({v['impact']}) {v['help']}: "
            + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


class PageWatch:
    """What a page did that it must not: break the Content Security Policy, throw, or ask another host."""

    def __init__(self, page, base_url: str):
        self.origin = base_url.rstrip("/")
        self.csp_violations: list[str] = []
        self.script_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self._follow(page)
        page.context.on("page", self._follow)  # popups too (the login cards open in a new tab)

    def _follow(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.script_errors.append(f"{page.url}: {error}"))
        page.on("request", self._request)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{message.location.get('url')}: {message.text}")

    def _request(self, request) -> None:
        url = request.url
        ours = url == self.origin or url.startswith(self.origin + "/")
        if not ours and not url.startswith(("data:", "blob:", "about:")):
            self.foreign_requests.append(url)


async def log_in(page, base_url: str, username: str, secret: str) -> None:
    """Through the login form, as anyone does; returns on the dashboard."""
    await page.goto(f"{base_url}/login")
    await page.locator("#username").fill(username)
    await page.locator("#secret").fill(secret)
    await page.locator("form[action='/login'] button[type=submit]").click()
    await page.wait_for_url(f"{base_url}/")


async def give_an_answer(page) -> None:
    """Fill in the current question with some answer, whatever its kind, and send it."""
    question = page.locator(".play-question")
    first = question.locator("input:not([type=hidden]), select").first
    kind = await first.evaluate("field => field.type")
    if kind in ("radio", "checkbox"):
        await first.check()
    elif kind == "select-one":
        for select in await question.locator("select").all():
            await select.select_option(index=1)
    elif await first.get_attribute("class") == "rank":
        for rank, field in enumerate(await question.locator("input.rank").all(), start=1):
            await field.fill(str(rank))
    else:
        await first.fill("4")
    await page.locator("form.play button[type=submit]").click()
