"""Item analysis: how each question of a round behaved, to fix or retire the ones that did not work.

Definitions (docs/reports.md has worked examples):
- facility: the share of answers given in time that earned full credit (questions/statistics.py's
  correct rate, narrowed to the round and the scope);
- discrimination: Kelley's upper–lower index. The answers given in time are ranked by their
  attempt's total score; the upper and lower groups are the top and bottom 27 % of them (rounded,
  at least one answer each); D = facility in the upper group − facility in the lower group,
  from −1 to 1. A good question has D ≥ 0.2; a negative D means stronger pupils miss it more often;
- option distribution: how many answers picked each option (choice and true/false questions);
- mean response time: of the answers given in time.
Flags are raised only once a question has MIN_ANSWERS_FOR_FLAGS answers, so that a handful of
answers cannot condemn a question.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.contests.models import Contest, Round
from contest.i18n import gettext, lazy
from contest.play.models import Answer, Attempt, AttemptQuestion
from contest.reports.access import ReportScope
from questions.content import QuestionData
from questions.models import Question, QuestionVersion
from questions.statistics import QuestionStatistics, statistics_of
from questions.store import from_content

GROUP_SHARE = 0.27
MIN_ANSWERS_FOR_FLAGS = 10
ALMOST_NOBODY = 0.2  # facility below this: almost nobody gets it right
FLAGS = {
    "negative_discrimination": lazy("Stronger pupils miss it more often than weaker ones"),
    "unused_distractor": lazy("A wrong option nobody picks"),
    "too_hard": lazy("Almost nobody gets it right"),
}


@dataclass(frozen=True)
class OptionShare:
    text: str
    correct: bool
    picks: int


@dataclass(frozen=True)
class ItemAnalysis:
    question_id: int
    stem: str
    type: str
    statistics: QuestionStatistics
    discrimination: float | None
    options: tuple[OptionShare, ...]
    flags: tuple[str, ...]

    @property
    def facility(self) -> float | None:
        return self.statistics.correct_rate

    @property
    def flag_texts(self) -> list[str]:
        return [gettext(FLAGS[flag]) for flag in self.flags]


def discrimination(answers: list[tuple[float, bool]]) -> float | None:
    """Upper–lower index of (attempt score, fully right) pairs; None below two answers.

    Equal scores keep the order given, so callers pass answers in a stable order."""
    if len(answers) < 2:
        return None
    size = max(1, round(GROUP_SHARE * len(answers)))
    ordered = sorted(answers, key=lambda answer: answer[0], reverse=True)
    upper, lower = ordered[:size], ordered[-size:]
    return (sum(right for _s, right in upper) - sum(right for _s, right in lower)) / size


def option_shares(data: QuestionData, chosen: list[list[int]]) -> tuple[OptionShare, ...]:
    """Picks per option, from each answer's chosen option indices (choice and true/false questions)."""
    if data.type == "true_false":
        options = [(gettext("True"), data.answer_true is True), (gettext("False"), data.answer_true is False)]
    elif data.type in ("single_choice", "multiple_response"):
        options = [(option.text, option.correct) for option in data.options]
    else:
        return ()
    picks = [0] * len(options)
    for indices in chosen:
        for index in set(indices):
            if 0 <= index < len(picks):
                picks[index] += 1
    return tuple(OptionShare(text, correct, n) for (text, correct), n in zip(options, picks))


def flags_of(statistics: QuestionStatistics, index: float | None, options: tuple[OptionShare, ...]) -> tuple[str, ...]:
    if statistics.answered < MIN_ANSWERS_FOR_FLAGS:
        return ()
    flags = []
    if index is not None and index < 0:
        flags.append("negative_discrimination")
    if any(not option.correct and option.picks == 0 for option in options):
        flags.append("unused_distractor")
    if statistics.correct_rate is not None and statistics.correct_rate < ALMOST_NOBODY:
        flags.append("too_hard")
    return tuple(flags)


async def analyse_round(db: AsyncSession, contest: Contest, round_: Round, scope: ReportScope) -> list[ItemAnalysis]:
    """Every question met in the round by pupils of the scope: flagged ones first, then the hardest."""
    attempts = select(Attempt.id).where(scope.where(contest), Attempt.round_id == round_.id)
    question_ids = list(await db.scalars(select(AttemptQuestion.question_id).distinct()
                                         .where(AttemptQuestion.attempt_id.in_(attempts)).order_by(AttemptQuestion.question_id)))
    statistics = await statistics_of(db, question_ids, attempts)
    answers: dict[int, list[tuple[float, bool, list[int]]]] = {i: [] for i in question_ids}
    for question_id, score, credit, response in await db.execute(
            select(Answer.question_id, Attempt.score, Answer.credit, Answer.response).join(Attempt, Attempt.id == Answer.attempt_id)
            .where(Answer.attempt_id.in_(attempts), Answer.timed_out.is_(False)).order_by(Answer.id)):
        answers[question_id].append((score, credit >= 1, list(response.get("chosen") or [])))
    questions = {q.id: (q, content) for q, content in await db.execute(
        select(Question, QuestionVersion.content).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.id.in_(question_ids)))}
    analyses = []
    for question_id in question_ids:
        question, content = questions[question_id]
        data = from_content(content)
        given = answers[question_id]
        index = discrimination([(score, right) for score, right, _c in given])
        options = option_shares(data, [chosen for _s, _r, chosen in given])
        analyses.append(ItemAnalysis(question_id, question.stem, question.type, statistics[question_id], index, options,
                                     flags_of(statistics[question_id], index, options)))
    return sorted(analyses, key=lambda a: (-len(a.flags), a.facility if a.facility is not None else 2, a.question_id))
