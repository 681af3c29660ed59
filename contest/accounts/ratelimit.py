"""Login throttling: failed attempts are counted per account and per client address in Redis.

An account locks after ACCOUNT_FAILURES failures within the window; a client address after
CLIENT_FAILURES. The per-client limit is generous because a whole school often shares one address.
"""

from __future__ import annotations

from redis.asyncio import Redis

WINDOW_SECONDS = 15 * 60
ACCOUNT_FAILURES = 5
CLIENT_FAILURES = 100


def _account_key(username: str) -> str:
    return f"login-failures:account:{username.casefold()}"


def _client_key(client: str) -> str:
    return f"login-failures:client:{client}"


class LoginLimiter:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def seconds_locked(self, username: str, client: str) -> int:
        """0 when a login may be tried; else how long until it may."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in (_account_key(username), _client_key(client)):
                pipe.get(key)
                pipe.ttl(key)
            account, account_ttl, by_client, client_ttl = await pipe.execute()
        locked = []
        if account is not None and int(account) >= ACCOUNT_FAILURES:
            locked.append(account_ttl)
        if by_client is not None and int(by_client) >= CLIENT_FAILURES:
            locked.append(client_ttl)
        return max(locked, default=0)

    async def record_failure(self, username: str, client: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in (_account_key(username), _client_key(client)):
                # The window starts at the first failure (SET NX keeps its expiry; works on Redis 6).
                pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)
                pipe.incr(key)
            await pipe.execute()

    async def forget(self, username: str) -> None:
        await self.redis.delete(_account_key(username))
