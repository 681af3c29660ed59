"""Liveness and readiness: is the database there, is Redis there."""

from __future__ import annotations

import asyncio

from litestar import Request, Response, get
from sqlalchemy import text

CHECK_TIMEOUT_SECONDS = 2


async def _database_ok(request: Request) -> bool:
    async with request.app.state.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return True


async def _redis_ok(request: Request) -> bool:
    return bool(await request.app.state.redis.ping())


@get("/healthz", include_in_schema=False, exclude_from_csrf=True)
async def healthz(request: Request) -> Response:
    report = {}
    for name, check in (("database", _database_ok), ("redis", _redis_ok)):
        try:
            await asyncio.wait_for(check(request), CHECK_TIMEOUT_SECONDS)
            report[name] = "ok"
        except Exception as exc:  # any failure of a part is that part's failure
            report[name] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in report.values())
    return Response(report, status_code=200 if healthy else 503)
