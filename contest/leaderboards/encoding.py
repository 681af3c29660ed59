"""How a pupil's standing is stored in a Redis sorted set so that Redis's own order is the published
tie-break: more points, then less total time, then earlier finish, then earlier start.

- score  = points · 2^36 + (2^36 − 1 − time_ms)
  Points above 2^17 − 1 (131,071) and times above 2^36 − 1 ms (about 795 days) are clamped; 17 + 36
  = 53 bits, so every score is an exact integer in Redis's double.
- member = 13 digits of (10^13 − 1 − finish ms) · 13 digits of (10^13 − 1 − start ms) · ":" · pupil id
  Redis orders equal scores by member; read highest first (ZREVRANGE), a larger member comes first, so
  the inverted times put the earlier finish (and then the earlier start) ahead. An unfinished
  attempt's finish is "never": 0 digits inverted, so it comes after every finished one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TIME_BITS = 36
POINTS_BITS = 17
MAX_TIME_MS = 2**TIME_BITS - 1
MAX_POINTS = 2**POINTS_BITS - 1
DIGITS = 13
NEVER = 10**DIGITS - 1


@dataclass(frozen=True)
class Standing:
    pupil_id: int
    points: int
    time_ms: int
    finished_at: datetime | None
    started_at: datetime


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def encode_score(points: int, time_ms: int) -> int:
    points = min(max(points, 0), MAX_POINTS)
    time_ms = min(max(time_ms, 0), MAX_TIME_MS)
    return points * 2**TIME_BITS + (MAX_TIME_MS - time_ms)


def decode_score(score: float) -> tuple[int, int]:
    """(points, time_ms) back from a stored score."""
    value = int(score)
    return value >> TIME_BITS, MAX_TIME_MS - (value & MAX_TIME_MS)


def encode_member(standing: Standing) -> str:
    finish = NEVER - _ms(standing.finished_at) if standing.finished_at else 0
    return f"{finish:0{DIGITS}d}{NEVER - _ms(standing.started_at):0{DIGITS}d}:{standing.pupil_id}"


def pupil_of(member: bytes | str) -> int:
    text = member.decode() if isinstance(member, bytes) else member
    return int(text.rsplit(":", 1)[1])
