"""Batch printing of a school's certificates as one PDF, in the background, with its progress in Redis.

The request that starts a batch returns at once; the page then polls the batch's progress (htmx,
or a plain refresh without JavaScript). Progress and the finished PDF live in Redis for an hour, so
any app instance can answer the polling and the download, and nothing is left on disk.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.contests.models import Contest
from contest.i18n import current_locale
from contest.reports import certificates

KEEP_SECONDS = 3600
REPORT_SECONDS = 0.5  # between progress updates
logger = logging.getLogger("hoithi.reports")
_running: set[asyncio.Task] = set()  # strong references, so a running batch is not garbage-collected


def _key(token: str) -> str:
    return f"reports:batch:{token}"


@dataclass(frozen=True)
class Progress:
    token: str
    done: int
    total: int
    state: str  # running | ready | failed
    contest_id: int

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 1.0


async def start(redis: Redis, sessionmaker: async_sessionmaker[AsyncSession], contest: Contest, school_id: int,
                owner_id: int, base_url: str, locale: str) -> str:
    token = secrets.token_urlsafe(16)
    await redis.hset(_key(token), mapping={"owner": owner_id, "done": 0, "total": 0, "state": "running",
                                           "contest": contest.id})
    await redis.expire(_key(token), KEEP_SECONDS)
    task = asyncio.create_task(_run(redis, sessionmaker, contest.id, school_id, token, base_url, locale))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return token


async def _run(redis: Redis, sessionmaker, contest_id: int, school_id: int, token: str, base_url: str, locale: str) -> None:
    current_locale.set(locale)  # this task's own context: the words of the PDF in the requester's language
    key = _key(token)
    try:
        async with sessionmaker() as db:
            contest = await db.get(Contest, contest_id)
            issued = await certificates.issue(db, contest, await certificates.earned(db, redis, contest, school_id))
            template = await certificates.template_of(db, contest)
        await redis.hset(key, "total", len(issued))
        done = [0]  # pages drawn so far, written by the drawing thread, read here

        def draw() -> bytes:
            for step in certificates.pages(issued, contest, template, base_url):
                if isinstance(step, int):
                    done[0] = step
                else:
                    return bytes(step.output())
            raise AssertionError("pages() ends with the document")

        # Drawing takes ~12 ms a page: a thread keeps the server answering meanwhile (the context, and so
        # the language, goes with it).
        drawing = asyncio.ensure_future(asyncio.to_thread(draw))
        while not drawing.done():
            await redis.hset(key, "done", done[0])
            await asyncio.wait({drawing}, timeout=REPORT_SECONDS)
        document = await drawing
        await redis.set(f"{key}:pdf", document, ex=KEEP_SECONDS)
        await redis.hset(key, mapping={"done": len(issued), "state": "ready"})
    except Exception:
        logger.exception("printing certificates failed (contest %s, school %s)", contest_id, school_id)
        await redis.hset(key, "state", "failed")


async def progress(redis: Redis, token: str, owner_id: int) -> Progress | None:
    """The batch's progress, for the user who started it only."""
    found = {k.decode(): v.decode() for k, v in (await redis.hgetall(_key(token))).items()}
    if not found or found.get("owner") != str(owner_id):
        return None
    return Progress(token, int(found["done"]), int(found["total"]), found["state"], int(found["contest"]))


async def document(redis: Redis, token: str) -> bytes | None:
    return await redis.get(f"{_key(token)}:pdf")
