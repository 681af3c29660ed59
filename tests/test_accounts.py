"""Logging in and out: passwords, card codes, sessions, throttling, CSRF."""

from __future__ import annotations

import json

from litestar.testing import AsyncTestClient

from contest.accounts import ratelimit
from contest.accounts.sessions import SESSION_COOKIE
from tests.conftest import CARD_CODE, PASSWORD, World, csrf_token, login, post_form


async def test_staff_log_in_with_password_and_see_their_dashboard(client: AsyncTestClient, world: World):
    response = await login(client, "teacher1")
    assert response.status_code == 302 and response.headers["location"] == "/"
    dashboard = await client.get("/")
    assert "Trường Số 1" in dashboard.text
    assert "Trường Số 2" not in dashboard.text


async def test_pupil_logs_in_with_card_code_typed_loosely(client: AsyncTestClient, world: World):
    response = await login(client, "PUPIL1", " abcd 2345 ")
    assert response.status_code == 302
    page = await client.get("/")
    assert "Học Sinh 1" in page.text


async def test_wrong_secret_is_refused_without_saying_which_part(client: AsyncTestClient, world: World):
    wrong_password = await login(client, "teacher1", "nope")
    unknown_user = await login(client, "nobody", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert "Wrong username, password or card code" in wrong_password.text
    assert (await client.get("/")).status_code == 302  # still logged out


async def test_a_pupil_cannot_log_in_with_a_staff_password_field(client: AsyncTestClient, world: World):
    assert (await login(client, "pupil1", PASSWORD)).status_code == 400
    assert (await login(client, "teacher1", CARD_CODE)).status_code == 400


async def test_account_locks_after_repeated_failures_even_for_the_right_password(client: AsyncTestClient, world: World):
    for _ in range(ratelimit.ACCOUNT_FAILURES):
        assert (await login(client, "teacher2", "guess")).status_code == 400
    locked = await login(client, "teacher2", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text
    # Other accounts from the same client are not locked by it.
    assert (await login(client, "teacher1")).status_code == 302


async def test_client_address_locks_after_many_failures_across_accounts(client: AsyncTestClient, world: World, redis):
    await redis.set("login-failures:client:127.0.0.1", ratelimit.CLIENT_FAILURES, ex=60)
    await redis.set("login-failures:client:testclient", ratelimit.CLIENT_FAILURES, ex=60)
    assert (await login(client, "teacher1")).status_code == 429


async def test_login_issues_a_new_session_and_logout_ends_it(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    first = client.cookies[SESSION_COOKIE]
    await login(client, "teacher2")
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    # The first token no longer works, even if someone kept it.
    client.cookies.set(SESSION_COOKIE, first)
    assert (await client.get("/")).status_code == 302
    client.cookies.set(SESSION_COOKIE, second)
    assert (await client.get("/")).status_code == 200
    await post_form(client, "/logout")
    client.cookies.set(SESSION_COOKIE, second)
    assert (await client.get("/")).status_code == 302


async def test_sessions_end_after_the_absolute_limit(client: AsyncTestClient, world: World, redis):
    await login(client, "teacher1")
    assert (await client.get("/")).status_code == 200
    [key] = [key async for key in redis.scan_iter("session:*")]
    stored = json.loads(await redis.get(key))
    stored["started"] -= client.app.state.settings.session_absolute_seconds + 1  # as if it began long ago
    await redis.set(key, json.dumps(stored))
    assert (await client.get("/")).status_code == 302
    assert not await redis.exists(key)


async def test_sessions_end_after_idle_time(client: AsyncTestClient, world: World, redis):
    await login(client, "teacher1")
    keys = [key async for key in redis.scan_iter("session:*")]
    assert len(keys) == 1
    ttl = await redis.ttl(keys[0])
    assert 0 < ttl <= client.app.state.settings.session_idle_seconds


async def test_post_without_csrf_token_is_refused(client: AsyncTestClient, world: World):
    await csrf_token(client)
    response = await client.post("/login", data={"username": "teacher1", "secret": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


async def test_htmx_posts_carry_csrf_in_a_header(client: AsyncTestClient, world: World):
    token = await csrf_token(client)
    response = await client.post("/login", data={"username": "teacher1", "secret": PASSWORD},
                                 headers={"x-csrftoken": token, "hx-request": "true"})
    assert response.status_code == 302


async def test_login_never_redirects_to_another_site(client: AsyncTestClient, world: World):
    token = await csrf_token(client)
    response = await client.post("/login", data={"username": "teacher1", "secret": PASSWORD,
                                                 "next": "//evil.example/", "_csrf_token": token})
    assert response.headers["location"] == "/"


async def test_session_cookie_is_http_only(client: AsyncTestClient, world: World):
    response = await login(client, "teacher1")
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("samesite", "SameSite")
