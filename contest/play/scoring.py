"""Scoring rules, as formulas (docs/scoring.md has them in words and worked examples).

Points are whole numbers: a question is worth MAX_POINTS at full credit.

- accuracy: points = round(MAX_POINTS × credit)
- speed:    points = round(MAX_POINTS × credit × (1 − (1 − floor) × min(t, T) / T)),
            t the response time, T the question's time limit, floor the share kept at the limit
            (floor 0.5 halves the points of an answer given at the last moment, like the live quiz apps)
- streak:   either rule, plus streak_bonus × min(streak − 1, cap) for the 2nd, 3rd… fully right answer in a row

Ties break by less total time, then earlier finish, then earlier start (`ranking_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_POINTS = 1000
RULES = ("accuracy", "speed")


@dataclass(frozen=True)
class Rule:
    name: str = "accuracy"
    speed_floor: float = 0.5
    streak_bonus: int = 0
    streak_cap: int = 5


def base_points(rule: Rule, credit: float, response_ms: int, limit_ms: int | None) -> int:
    if rule.name == "speed" and limit_ms:
        slowness = min(max(response_ms, 0), limit_ms) / limit_ms
        return round(MAX_POINTS * credit * (1 - (1 - rule.speed_floor) * slowness))
    return round(MAX_POINTS * credit)


def next_streak(streak: int, credit: float) -> int:
    """Only a fully right answer keeps a streak going."""
    return streak + 1 if credit >= 1 else 0


def streak_points(rule: Rule, streak: int) -> int:
    """The bonus for an answer that made the streak `streak` long."""
    if rule.streak_bonus <= 0 or streak < 2:
        return 0
    return rule.streak_bonus * min(streak - 1, rule.streak_cap)


def points(rule: Rule, credit: float, response_ms: int, limit_ms: int | None, streak_before: int) -> tuple[int, int]:
    """(points for this answer, the streak after it)."""
    streak = next_streak(streak_before, credit)
    return base_points(rule, credit, response_ms, limit_ms) + streak_points(rule, streak), streak


def ranking_key(score: int, time_ms: int, finished_at: datetime | None, started_at: datetime) -> tuple:
    """Sorts best first: more points, then less time, then earlier finish, then earlier start."""
    finished = finished_at.timestamp() if finished_at else float("inf")
    return (-score, time_ms, finished, started_at.timestamp())
