"""The connections a process holds: database engine and Redis, opened and closed together.

Used by the app's lifespan and by every CLI command, so both run against exactly the same setup
(including the embedded redis-server when REDIS_URL is unset).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio.to_thread
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contest import embedded_redis
from contest.db import create_engine, create_sessionmaker
from contest.settings import Settings


@dataclass(frozen=True)
class Resources:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis


def redis_url_of(settings: Settings) -> str:
    """The Redis this process uses: REDIS_URL, or the embedded server's socket in the data directory."""
    return settings.redis_url or embedded_redis.url_for(settings.data_dir)


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[Resources]:
    if settings.uses_embedded_redis:
        redis_url = await anyio.to_thread.run_sync(embedded_redis.acquire, settings.data_dir)
    else:
        redis_url = settings.redis_url
    engine = create_engine(settings.database_url)
    redis = Redis.from_url(redis_url, health_check_interval=30)
    try:
        yield Resources(engine=engine, sessionmaker=create_sessionmaker(engine), redis=redis)
    finally:
        await redis.aclose()
        await engine.dispose()
        if settings.uses_embedded_redis:
            await anyio.to_thread.run_sync(embedded_redis.release, settings.data_dir)
