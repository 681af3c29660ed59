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
