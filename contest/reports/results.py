"""Result rows: each pupil's counted attempt per round (contest/play/ranks.py), ranked inside the scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.models import User
from contest.collation import name_key, sort_key
from contest.contests.models import Contest, Round
from contest.org.models import District, School, SchoolClass
from contest.play.models import Attempt
from contest.play.ranks import counted_attempts, key_of
from contest.reports.access import ReportScope
from questions.kinds import fold

SORTS = ("rank", "name", "class", "school", "score")


@dataclass(frozen=True)
class ResultRow:
    round_id: int
    round_title: str
    rank: int  # inside the scope, by the published tie-break
    pupil_id: int
    full_name: str
    pupil_number: str
    class_name: str
    school_name: str
    district_name: str
    score: int
    correct: int
    questions: int
    time_ms: int
    finished: bool

    @property
    def correct_share(self) -> float:
        return self.correct / self.questions if self.questions else 0.0


async def rounds_of(db: AsyncSession, contest: Contest) -> list[Round]:
    return list(await db.scalars(select(Round).where(Round.contest_id == contest.id).order_by(Round.position)))


async def results_of(db: AsyncSession, contest: Contest, scope: ReportScope, round_: Round | None = None) -> list[ResultRow]:
    """Every counted attempt in the scope, round by round (or only `round_`), best first."""
    rounds = [round_] if round_ is not None else await rounds_of(db, contest)
    ranked: list[tuple[Round, int, Attempt]] = []
    for each in rounds:
        attempts = list(await db.scalars(select(Attempt).where(scope.where(contest), Attempt.round_id == each.id)))
        ordered = sorted(counted_attempts(attempts, each.counting).values(), key=key_of)
        ranked += [(each, rank, attempt) for rank, attempt in enumerate(ordered, start=1)]
    pupils = {i: (name, number) for i, name, number in await db.execute(
        select(User.id, User.full_name, User.pupil_number).where(User.id.in_({a.pupil_id for _r, _n, a in ranked})))}
    places = {i: (class_name, school, district) for i, class_name, school, district in await db.execute(
        select(SchoolClass.id, SchoolClass.name, School.name, District.name)
        .join(School, School.id == SchoolClass.school_id).join(District, District.id == School.district_id)
        .where(SchoolClass.id.in_({a.class_id for _r, _n, a in ranked})))}
    rows = []
    for each, rank, attempt in ranked:
        if attempt.pupil_id not in pupils:
            continue  # deleted since
        name, number = pupils[attempt.pupil_id]
        rows.append(ResultRow(each.id, each.title, rank, attempt.pupil_id, name, number or "", *places[attempt.class_id],
                              attempt.score, attempt.correct_count, attempt.question_count, attempt.time_ms,
                              attempt.finished))
    return rows


def sorted_rows(rows: list[ResultRow], sort: str) -> list[ResultRow]:
    """People in Vietnamese order, by given name (contest/collation.py); ranks keep their order as ties break."""
    keys = {
        "name": lambda r: (name_key(r.full_name), r.rank),
        "class": lambda r: (sort_key(r.school_name), sort_key(r.class_name), name_key(r.full_name)),
        "school": lambda r: (sort_key(r.school_name), r.rank),
        "score": lambda r: (-r.score, r.rank),
    }
    return sorted(rows, key=keys[sort]) if sort in keys else list(rows)


def matching(rows: list[ResultRow], text: str) -> list[ResultRow]:
    """Rows whose pupil, class or school contains `text`, ignoring case and diacritics."""
    wanted = fold(text)
    if not wanted:
        return rows
    return [r for r in rows if wanted in fold(f"{r.full_name} {r.pupil_number} {r.class_name} {r.school_name}")]
