"""Server-side sessions in Redis.

The cookie holds a random token; Redis holds, under the token's SHA-256 (so a copy of Redis gives
nobody a live cookie), the signed-in user's snapshot and when the login began. Each read slides the
idle expiry forward (GETEX, one round trip); a login older than the absolute limit is ended. A new
token is issued at every login, so a token planted before login is worthless after it.
"""

from __future__ import annotations

import hashlib
import secrets
import time

import msgspec
from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send
from redis.asyncio import Redis

from contest.accounts.identity import CurrentUser

SESSION_COOKIE = "hoithi_session"


class StoredSession(msgspec.Struct):
    user: CurrentUser
    started: float


def _key(token: str) -> str:
    return "session:" + hashlib.sha256(token.encode()).hexdigest()


def _user_index(user_id: int) -> str:
    return f"user-sessions:{user_id}"


class SessionStore:
    def __init__(self, redis: Redis, idle_seconds: int, absolute_seconds: int) -> None:
        self.redis = redis
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds

    async def start(self, user: CurrentUser) -> str:
        token = secrets.token_urlsafe(32)
        data = msgspec.json.encode(StoredSession(user=user, started=time.time()))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(_key(token), data, ex=self.idle_seconds)
            pipe.sadd(_user_index(user.id), _key(token))
            pipe.expire(_user_index(user.id), self.absolute_seconds)
            await pipe.execute()
        return token

    async def load(self, token: str) -> CurrentUser | None:
        raw = await self.redis.getex(_key(token), ex=self.idle_seconds)
        if raw is None:
            return None
        stored = msgspec.json.decode(raw, type=StoredSession)
        if time.time() - stored.started > self.absolute_seconds:
            await self.end(token)
            return None
        return stored.user

    async def end(self, token: str) -> None:
        await self.redis.delete(_key(token))

    async def end_all_for(self, user_id: int) -> None:
        """Log a user out everywhere (deactivated account, new password, deleted pupil)."""
        keys = await self.redis.smembers(_user_index(user_id))
        await self.redis.delete(_user_index(user_id), *keys)


def session_middleware(app: ASGIApp) -> ASGIApp:
    """Put the signed-in user (or None) in scope["user"], where guards and handlers read it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            token = ASGIConnection(scope).cookies.get(SESSION_COOKIE)
            scope["user"] = await scope["app"].state.sessions.load(token) if token else None
        await app(scope, receive, send)

    return middleware
