"""Security headers (issue 9): every response carries them, pages, errors, static files and the API alike."""

from __future__ import annotations

import dataclasses
import re

import pytest
from litestar.testing import AsyncTestClient

from contest.app import create_app
from contest.web import TEMPLATE_DIR, static_url

from tests.conftest import World, login

POLICY = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
          "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'")


def assert_secured(response) -> None:
    policy = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    assert all(directive in policy for directive in POLICY), policy
    assert not any("unsafe" in part for part in policy), policy
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "camera=()" in response.headers["permissions-policy"]


@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/healthz", "/api/v1/contests",
                                  static_url("css/hoithi.css"), static_url("vendor/htmx-2.0.11.min.js")])
async def test_public_responses_carry_the_security_headers(client: AsyncTestClient, path: str):
    response = await client.get(path)
    assert response.status_code in (200, 404)
    assert_secured(response)


async def test_pages_and_refusals_of_a_signed_in_user_carry_them_too(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    assert_secured(await client.get("/"))
    assert_secured(await client.get("/contests"))  # a pupil's page: 403 for a teacher
    assert_secured(await client.get(f"/schools/{world.schools[2].id}"))  # out of scope: 404


async def test_static_files_are_compressed_and_cached_for_a_year(client: AsyncTestClient):
    response = await client.get(static_url("vendor/htmx-2.0.11.min.js"), headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < 20_000  # 52 KB on disk
    assert "max-age=31536000" in response.headers["cache-control"]
    assert "immutable" in response.headers["cache-control"]
    assert "set-cookie" not in response.headers  # a shared cache would hand one CSRF token to everyone


async def test_hsts_only_over_tls_or_when_the_app_is_declared_behind_tls(client: AsyncTestClient, settings):
    assert "strict-transport-security" not in (await client.get("/login")).headers  # a school LAN over HTTP
    async with AsyncTestClient(app=create_app(settings), base_url="https://hoithi.example") as tls:
        assert "max-age=31536000" in (await tls.get("/login")).headers["strict-transport-security"]
    behind_proxy_settings = dataclasses.replace(settings, secure_cookies=True)  # HOITHI_SECURE_COOKIES=1
    async with AsyncTestClient(app=create_app(behind_proxy_settings)) as behind_proxy:
        assert "strict-transport-security" in (await behind_proxy.get("/login")).headers


INLINE_CODE = re.compile(r"<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=|\shx-on|javascript:", re.IGNORECASE)


def test_no_template_holds_inline_script_style_or_event_handler():
    """The policy refuses them: they would silently not work. Scripts and styles live in static/."""
    offenders = [f"{path.relative_to(TEMPLATE_DIR)}:{number}: {line.strip()}"
                 for path in sorted(TEMPLATE_DIR.rglob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if INLINE_CODE.search(line)]
    assert not offenders, "\n".join(offenders)
