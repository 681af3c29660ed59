"""Sessions end when idle and when old; login throttling locks, forgives and lifts (docs/security.md).

tests/test_accounts.py covers the absolute limit, session fixation and the two lock thresholds; these
add the idle expiry as a user meets it, the sliding window, the cookie's lifetime and the lock's end."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from contest.accounts import ratelimit
from contest.app import create_app
from contest.settings import Settings
from tests.conftest import PASSWORD, World, login

IDLE_SECONDS = 2


@pytest.fixture
async def impatient_client(settings: Settings, db) -> AsyncIterator[AsyncTestClient]:
    """The app with a two-second idle limit, so a test can wait it out."""
    app = create_app(dataclasses.replace(settings, session_idle_seconds=IDLE_SECONDS))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        client.follow_redirects = False
        yield client


async def test_an_idle_session_is_refused(impatient_client: AsyncTestClient, world: World):
    await login(impatient_client, "teacher1")
    assert (await impatient_client.get("/")).status_code == 200
    await asyncio.sleep(IDLE_SECONDS + 1)
    refused = await impatient_client.get("/")
    assert refused.status_code == 302 and refused.headers["location"].startswith("/login")


async def test_activity_keeps_a_session_alive_past_the_idle_limit(impatient_client: AsyncTestClient, world: World):
    await login(impatient_client, "teacher1")
    for _ in range(3):  # 3 s in all, never 2 s without a request
        await asyncio.sleep(IDLE_SECONDS / 2)
        assert (await impatient_client.get("/")).status_code == 200


async def test_the_session_cookie_lasts_no_longer_than_the_absolute_limit(client: AsyncTestClient, world: World):
    response = await login(client, "teacher1")
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "hoithi_session=" in v)
    assert f"Max-Age={client.app.state.settings.session_absolute_seconds}" in cookie


async def test_a_successful_login_forgives_earlier_failures(client: AsyncTestClient, world: World):
    for _ in range(ratelimit.ACCOUNT_FAILURES - 1):
        assert (await login(client, "teacher1", "guess")).status_code == 400
    assert (await login(client, "teacher1")).status_code == 302
    for _ in range(ratelimit.ACCOUNT_FAILURES - 1):
        assert (await login(client, "teacher1", "guess")).status_code == 400
    assert (await login(client, "teacher1")).status_code == 302  # the count started again


async def test_a_lock_lifts_when_its_window_ends(client: AsyncTestClient, world: World, redis):
    for _ in range(ratelimit.ACCOUNT_FAILURES):
        await login(client, "teacher1", "guess")
    assert (await login(client, "teacher1")).status_code == 429
    await redis.expire("login-failures:account:teacher1", 1)  # as if the 15 minutes had passed
    await asyncio.sleep(1.5)
    assert (await login(client, "teacher1", PASSWORD)).status_code == 302


async def test_usernames_are_locked_whatever_their_case(client: AsyncTestClient, world: World):
    for n in range(ratelimit.ACCOUNT_FAILURES):
        await login(client, "TEACHER1" if n % 2 else "teacher1", "guess")
    assert (await login(client, "Teacher1")).status_code == 429
