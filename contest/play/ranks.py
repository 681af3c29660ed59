"""Which attempt counts for each pupil (best or last, as the round says), ordered by the published
tie-break (contest/play/scoring.py). Finals' qualification and the leaderboards both use it."""

from __future__ import annotations

from contest.contests.models import Counting
from contest.play.models import Attempt
from contest.play.scoring import ranking_key


def counted_attempts(attempts: list[Attempt], counting: Counting) -> dict[int, Attempt]:
    """The attempt that counts for each pupil."""
    counted: dict[int, Attempt] = {}
    for attempt in sorted(attempts, key=lambda a: a.number):
        best = counted.get(attempt.pupil_id)
        if best is None or counting is Counting.LAST or key_of(attempt) < key_of(best):
            counted[attempt.pupil_id] = attempt
    return counted


def key_of(attempt: Attempt) -> tuple:
    return ranking_key(attempt.score, attempt.time_ms, attempt.finished_at, attempt.started_at)
