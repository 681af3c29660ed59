"""Argon2id hashing for staff passwords and pupils' card codes.

Hashing is deliberately slow, so it runs in a worker thread (argon2 releases the GIL) and never
blocks the event loop that serves answers.
"""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's recommended minimum for argon2id: 19 MiB, 2 passes, 1 lane (about 20 ms here).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the account does not exist, so a wrong username costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("no such account")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_secret_async(secret: str) -> str:
    return await anyio.to_thread.run_sync(hash_secret, secret)


async def verify_secret_async(stored_hash: str | None, secret: str) -> bool:
    return await anyio.to_thread.run_sync(verify_secret, stored_hash, secret)
