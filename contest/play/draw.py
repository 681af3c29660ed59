"""Choosing a round's questions for one pupil, reproducibly.

A random round draws from the approved questions in the round's language, preferring those whose
level range suits the pupil's grade. Quotas are filled first (at least N of a domain, then at least
N of a difficulty), the rest at random. The draw records its seed, the candidate count and what each
quota received: re-running it on the same candidates (ordered by id) with that seed gives the same
questions, so any pupil's draw can be audited.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.contests.models import Round, Selection
from contest.errors import Refused
from contest.i18n import gettext as _
from questions.models import Question, Status


@dataclass(frozen=True)
class Candidate:
    id: int
    version_id: int
    domains: frozenset[str]
    difficulty: str


def levels_for_grade(grade: int) -> range:
    """Framework levels that suit a grade: 1–2 primary, 3–4 lower secondary, 5–6 upper secondary."""
    if grade <= 5:
        return range(1, 3)
    if grade <= 9:
        return range(3, 5)
    return range(5, 7)


async def _candidates(db: AsyncSession, round_: Round, grade: int) -> list[Candidate]:
    rows = (await db.execute(
        select(Question.id, Question.current_version_id, Question.competences, Question.difficulty,
               Question.level_min, Question.level_max)
        .where(Question.status == Status.APPROVED, Question.language == round_.language).order_by(Question.id)
    )).all()
    levels = levels_for_grade(grade)
    suited = [row for row in rows if row.level_min <= levels[-1] and row.level_max >= levels[0]]
    chosen = suited if len(suited) >= round_.question_count else rows
    return [Candidate(r.id, r.current_version_id, frozenset(code.split(".")[0] for code in r.competences.strip(",").split(",") if code),
                      r.difficulty) for r in chosen]


def pick(candidates: list[Candidate], count: int, domain_quotas: dict[str, int], difficulty_quotas: dict[str, int],
         seed: int) -> tuple[list[Candidate], dict]:
    """The draw itself, a pure function of its inputs."""
    rng = random.Random(seed)
    pool = list(candidates)
    rng.shuffle(pool)
    picked: list[Candidate] = []
    filled: dict[str, int] = {}

    def take(matches, wanted: int, label: str) -> None:
        have = sum(1 for c in picked if matches(c))
        for candidate in [c for c in pool if matches(c) and c not in picked][: max(0, wanted - have)]:
            picked.append(candidate)
        filled[label] = sum(1 for c in picked if matches(c))

    for domain, wanted in sorted(domain_quotas.items()):
        take(lambda c, d=domain: d in c.domains, wanted, f"domain {domain}")
    for difficulty, wanted in sorted(difficulty_quotas.items()):
        take(lambda c, d=difficulty: c.difficulty == d, wanted, f"difficulty {difficulty}")
    picked += [c for c in pool if c not in picked][: max(0, count - len(picked))]
    return picked[:count], filled


async def draw_questions(db: AsyncSession, round_: Round, grade: int) -> tuple[list[tuple[int, int]], dict]:
    """[(question id, version id)] in play order, and the audit record of how they were chosen."""
    if round_.selection is Selection.FIXED:
        rows = dict((await db.execute(
            select(Question.id, Question.current_version_id)
            .where(Question.id.in_(round_.question_ids), Question.status == Status.APPROVED)
        )).all())
        chosen = [(qid, rows[qid]) for qid in round_.question_ids if qid in rows]
        if len(chosen) != len(round_.question_ids):
            raise Refused(detail=_("Some questions of this round are no longer approved; tell the organiser."))
        seed = secrets.randbits(48)
        if round_.shuffle_questions:
            random.Random(seed).shuffle(chosen)
        return chosen, {"selection": "fixed", "seed": seed}
    candidates = await _candidates(db, round_, grade)
    if len(candidates) < round_.question_count:
        raise Refused(detail=_("The bank has too few approved questions for this round; tell the organiser."))
    seed = secrets.randbits(48)
    picked, filled = pick(candidates, round_.question_count, round_.domain_quotas, round_.difficulty_quotas, seed)
    audit = {"selection": "random", "seed": seed, "candidates": len(candidates), "grade": grade, "quotas": filled}
    return [(c.id, c.version_id) for c in picked], audit
