"""Live updates: "this contest's boards changed" events through Litestar Channels on Redis pub/sub,
so an answer on any app instance reaches screens on every instance.

Answers mark their contest changed; each instance publishes at most one event per contest every
COALESCE_SECONDS, and each stream forwards at most one per COALESCE_SECONDS too, so a hall's screens
refresh a few times a second however fast the answers come. The streams are contest/events.py's: the
browser fetches the board fragment itself when told.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from litestar.channels import ChannelsPlugin
from litestar.response.sse import ServerSentEventMessage

from contest.events import change_events

COALESCE_SECONDS = 0.25  # per instance and per stream: at most ~0.5 s of deliberate delay
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


def board_events(channels: ChannelsPlugin, contest_id: int) -> AsyncIterator[ServerSentEventMessage]:
    return change_events(channels, channel_of(contest_id), COALESCE_SECONDS)
