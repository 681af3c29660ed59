"""Pupils' login cards: a username and a short code, printed by a teacher.

Only the code's hash is stored, so a card can be printed once; printing again issues new codes and
the old cards stop working. Codes avoid look-alike characters (0/O, 1/I/L) and are typed in any case,
with or without the dash.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import User
from contest.accounts.passwords import hash_secret

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 31^8 ≈ 8.5·10^11 codes; with login throttling, guessing one is hopeless


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch.isalnum())


@dataclass(frozen=True)
class Card:
    pupil: User
    code: str


async def issue_cards(db: AsyncSession, pupils: list[User]) -> list[Card]:
    """New codes for these pupils, committed; the returned cards are the only place the codes exist."""
    codes = [new_code() for _ in pupils]
    hashes = await anyio.to_thread.run_sync(lambda: [hash_secret(normalise_code(code)) for code in codes])
    for pupil, code_hash in zip(pupils, hashes):
        pupil.card_code_hash = code_hash
    await db.commit()
    return [Card(pupil, code) for pupil, code in zip(pupils, codes)]
