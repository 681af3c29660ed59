"""Live updates: "this contest's boards changed" events through Litestar Channels on Redis pub/sub,
so an answer on any app instance reaches screens on every instance.

Answers mark their contest changed; each instance publishes at most one event per contest every
COALESCE_SECONDS, and each stream forwards at most one per COALESCE_SECONDS too, so a hall's screens
refresh about twice a second however fast the answers come. Streams send a comment at once and then
every KEEPALIVE_SECONDS, so proxies neither buffer nor drop them. They hold no database connection:
the browser fetches the board fragment itself when told.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from litestar.channels import ChannelsPlugin
from litestar.response.sse import ServerSentEventMessage

COALESCE_SECONDS = 0.25  # per instance and per stream: at most ~0.5 s of deliberate delay
KEEPALIVE_SECONDS = 15
logger = logging.getLogger("hoithi.live")


def channel_of(contest_id: int) -> str:
    return f"contest:{contest_id}"


class ChangeNotifier:
    def __init__(self, channels: ChannelsPlugin) -> None:
        self.channels = channels
        self.dirty: set[int] = set()
        self._task: asyncio.Task | None = None

    def changed(self, contest_id: int) -> None:
        self.dirty.add(contest_id)

    async def _publish_forever(self) -> None:
        while True:
            await asyncio.sleep(COALESCE_SECONDS)
            dirty, self.dirty = self.dirty, set()
            for contest_id in dirty:
                try:
                    await self.channels.wait_published(b"changed", [channel_of(contest_id)])
                except Exception:  # Redis away for a moment: screens catch up with the next change
                    logger.warning("could not publish a board change for contest %s", contest_id, exc_info=True)

    def start(self) -> None:
        self._task = asyncio.create_task(self._publish_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def board_events(channels: ChannelsPlugin, contest_id: int) -> AsyncIterator[ServerSentEventMessage]:
    yield ServerSentEventMessage(comment="connected", retry=3000)
    async with channels.start_subscription([channel_of(contest_id)]) as subscriber:
        arrived: asyncio.Queue[bytes] = asyncio.Queue()

        async def pump() -> None:
            async for event in subscriber.iter_events():
                arrived.put_nowait(event)

        pumping = asyncio.create_task(pump())
        loop = asyncio.get_running_loop()
        last_sent = 0.0
        try:
            while True:
                try:
                    await asyncio.wait_for(arrived.get(), KEEPALIVE_SECONDS)
                except asyncio.TimeoutError:
                    yield ServerSentEventMessage(comment="keepalive")
                    continue
                wait = last_sent + COALESCE_SECONDS - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                while not arrived.empty():  # everything that came meanwhile is one change
                    arrived.get_nowait()
                last_sent = loop.time()
                yield ServerSentEventMessage(event="changed", data="1")
        finally:
            pumping.cancel()
