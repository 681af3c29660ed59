"""Server-sent event streams of "something changed" notices (live boards, live games).

A stream subscribes to one Litestar Channels channel (Redis pub/sub, so a notice published on any app
instance reaches streams on every instance), sends a comment at once and then every
KEEPALIVE_SECONDS so that proxies neither buffer nor drop it, and forwards each notice as a `changed`
event; notices that arrive closer together than `min_interval` become one. Streams hold no database
connection: the browser fetches what changed itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from litestar.channels import ChannelsPlugin
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

KEEPALIVE_SECONDS = 15


async def change_events(channels: ChannelsPlugin, channel: str,
                        min_interval: float = 0.0) -> AsyncIterator[ServerSentEventMessage]:
    yield ServerSentEventMessage(comment="connected", retry=3000)
    async with channels.start_subscription([channel]) as subscriber:
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
                wait = last_sent + min_interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                while not arrived.empty():  # everything that came meanwhile is one change
                    arrived.get_nowait()
                last_sent = loop.time()
                yield ServerSentEventMessage(event="changed", data="1")
        finally:
            pumping.cancel()


def event_stream(events: AsyncIterator[ServerSentEventMessage]) -> ServerSentEvent:
    """The response for a stream, with the headers that keep proxies from buffering it."""
    return ServerSentEvent(events, headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"})
