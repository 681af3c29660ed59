"""The rules of play: starting an attempt, serving its current question, recording an answer.

The server owns every clock. An attempt's deadline is fixed when it starts; a question's deadline
when the server first sends it. An answer counts if it arrives before the deadline plus GRACE (for
the network), and each answer is one database transaction: the answer row (unique per question of
the attempt, so a repeat changes nothing) and the attempt's running totals, moved forward only if
the attempt is still at that question. Leaderboards hear of it after the commit (`AnswerListener`).
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from contest.accounts.identity import CurrentUser
from contest.contests.eligibility import place_of, round_refusal
from contest.contests.models import Contest, Explanations, Round
from contest.db import utcnow
from contest.errors import Refused
from contest.i18n import gettext as _
from contest.play.draw import draw_questions
from contest.play.models import Answer, Attempt, AttemptQuestion
from contest.play.scoring import Rule, points
from questions.content import QuestionData
from questions.kinds import PlayView, Response, kind_of, option_count, response_as_json
from questions.models import QuestionVersion
from questions.store import freeze_versions, from_content

logger = logging.getLogger("hoithi.play")

# How late an answer may arrive after its deadline and still count: the time a slow phone link takes.
GRACE = timedelta(seconds=2)
# With only per-question limits, how long the whole attempt may last beyond the questions' own time.
PAUSE_ALLOWANCE_PER_QUESTION = timedelta(seconds=30)

# Hears of every committed answer (the leaderboards): (session, attempt, round, contest).
AnswerListener = Callable[[AsyncSession, Attempt, Round, Contest], Awaitable[None]]


async def notify_listeners(listeners: list[AnswerListener], db: AsyncSession, attempt: Attempt, round_: Round,
                           contest: Contest) -> None:
    """After the commit: the answer is saved whatever happens here, so a listener's failure (Redis away)
    is logged, never shown to the pupil as a failed answer; the boards are rebuilt from the database."""
    for listener in listeners:
        try:
            await listener(db, attempt, round_, contest)
        except Exception:
            logger.exception("an answer listener failed for attempt %s; the answer itself is saved", attempt.id)


def rule_of(round_: Round) -> Rule:
    return Rule(round_.scoring, round_.speed_floor, round_.streak_bonus, round_.streak_cap)


def _attempt_deadline(contest: Contest, round_: Round, count: int, started: datetime) -> datetime:
    if round_.seconds_per_round:
        deadline = started + timedelta(seconds=round_.seconds_per_round)
    else:
        deadline = started + count * (timedelta(seconds=round_.seconds_per_question) + PAUSE_ALLOWANCE_PER_QUESTION)
    return min(deadline, contest.closes_at)


async def start_attempt(db: AsyncSession, contest: Contest, round_: Round, pupil: CurrentUser,
                        now: datetime | None = None) -> Attempt:
    """The pupil's unfinished attempt at this round, or a new one if they have attempts left."""
    now = now or utcnow()
    attempts = list(await db.scalars(select(Attempt).where(Attempt.round_id == round_.id, Attempt.pupil_id == pupil.id)
                                     .order_by(Attempt.number)))
    unfinished = [a for a in attempts if a.finished_at is None]
    if unfinished:
        return unfinished[0]  # a reload, another tab or another phone: the same attempt, the same deadline
    if len(attempts) >= round_.attempts_allowed:
        raise Refused(detail=_("You have used all your attempts at this round."))
    place = await place_of(db, pupil)
    if reason := await round_refusal(db, contest, round_, place, now):
        raise Refused(detail=reason, status_code=403)
    chosen, audit = await draw_questions(db, round_, place.grade)
    attempt = Attempt(
        token=secrets.token_urlsafe(16), round_id=round_.id, contest_id=contest.id, pupil_id=pupil.id,
        class_id=place.class_id, school_id=place.school_id, district_id=place.district_id,
        number=len(attempts) + 1, started_at=now, deadline=_attempt_deadline(contest, round_, len(chosen), now),
        question_count=len(chosen), draw=audit,
    )
    versions = {v.id: v for v in await db.scalars(select(QuestionVersion).where(QuestionVersion.id.in_([v for _q, v in chosen])))}
    db.add(attempt)  # nothing is flushed before the try below: a twin request's insert fails there
    shuffler = random.Random(audit["seed"])
    for position, (question_id, version_id) in enumerate(chosen):
        options = list(range(option_count(from_content(versions[version_id].content))))
        if round_.shuffle_options:
            shuffler.shuffle(options)
        db.add(AttemptQuestion(attempt=attempt, position=position, question_id=question_id, version_id=version_id,
                               token=secrets.token_urlsafe(8), option_order=options,
                               option_tokens=[secrets.token_urlsafe(6) for _ in options]))
    try:
        await freeze_versions(db, [version_id for _q, version_id in chosen])  # flushes the attempt first
        await db.commit()
    except IntegrityError:  # the same pupil started twice at once: the other request won
        await db.rollback()
        return await db.scalar(select(Attempt).where(Attempt.round_id == round_.id, Attempt.pupil_id == pupil.id,
                                                     Attempt.number == len(attempts) + 1))
    return attempt


@dataclass(frozen=True)
class Current:
    """The question to show now, and the clocks that bound it."""

    question: AttemptQuestion
    data: QuestionData
    view: PlayView
    deadline: datetime  # the earlier of the question's and the attempt's


# Per database (engine): version id → content, for frozen versions only. Those never change, so every
# worker may keep them; keyed by engine because ids mean nothing across databases (tests empty theirs).
_frozen_content: WeakKeyDictionary[Engine, dict[int, dict]] = WeakKeyDictionary()
MAX_KEPT_VERSIONS = 20_000


async def _load(db: AsyncSession, attempt_question: AttemptQuestion) -> QuestionData:
    kept = _frozen_content.setdefault(db.bind.sync_engine, {})
    content = kept.get(attempt_question.version_id)
    if content is None:
        version = await db.get(QuestionVersion, attempt_question.version_id)
        content = version.content
        if version.frozen and len(kept) < MAX_KEPT_VERSIONS:
            kept[version.id] = content
    return from_content(content)


async def finish(db: AsyncSession, attempt: Attempt, at: datetime) -> None:
    await db.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.finished_at.is_(None))
                     .values(finished_at=min(at, attempt.deadline)))
    await db.commit()
    await db.refresh(attempt)


async def current_question(db: AsyncSession, attempt: Attempt, round_: Round, now: datetime | None = None) -> Current | None:
    """The question the pupil is on (None once the attempt is over), starting its clock on first view.

    Questions whose time ran out are recorded as unanswered on the way, so a pupil who closed the
    page comes back to where the clock says they are."""
    now = now or utcnow()
    while attempt.finished_at is None:
        if now > attempt.deadline + GRACE or attempt.position >= attempt.question_count:
            await finish(db, attempt, now)
            break
        question = await db.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id,
                                                                 AttemptQuestion.position == attempt.position))
        if question.shown_at is None:
            question.shown_at, question.deadline = now, _question_deadline(attempt, round_, now)
            await db.commit()
        deadline = question.deadline or attempt.deadline
        if now > deadline + GRACE:
            await _record(db, attempt, round_, question, await _load(db, question), Response(), now, client_ms=None,
                          timed_out=True)
            continue
        data = await _load(db, question)
        view = kind_of(data).play_view(data, question.option_order, question.option_tokens)
        return Current(question, data, view, deadline)
    return None


@dataclass(frozen=True)
class Outcome:
    """What happened to an answer, for the pupil's feedback."""

    accepted: bool
    message: str
    answer: Answer | None = None
    data: QuestionData | None = None
    repeated: bool = False


def _question_deadline(attempt: Attempt, round_: Round, shown_at: datetime) -> datetime | None:
    if not round_.seconds_per_question:
        return None  # the round's clock only
    return min(shown_at + timedelta(seconds=round_.seconds_per_question), attempt.deadline)


ATTEMPT_PROGRESS = (Attempt.position, Attempt.score, Attempt.correct_count, Attempt.answered_count, Attempt.time_ms,
                    Attempt.streak, Attempt.finished_at)


async def _record(db: AsyncSession, attempt: Attempt, round_: Round, question: AttemptQuestion, data: QuestionData,
                  response: Response, now: datetime, *, client_ms: int | None, timed_out: bool = False,
                  start_next: bool = False) -> Answer | None:
    """The one transaction of an answer. None when it lost a race (already answered, attempt moved on).

    start_next: the next question is shown straight away, so its clock starts in this same transaction."""
    credit = 0.0 if response.is_empty() else kind_of(data).credit(data, response)
    response_ms = max(0, int(((question.deadline or now) if timed_out else now).timestamp() * 1000
                             - question.shown_at.timestamp() * 1000))
    limit_ms = round_.seconds_per_question * 1000 if round_.seconds_per_question else None
    earned, streak = points(rule_of(round_), credit, response_ms, limit_ms, attempt.streak)
    answer = Answer(attempt_question_id=question.id, attempt_id=attempt.id, question_id=question.question_id,
                    response=response_as_json(response), credit=credit, points=earned, received_at=now,
                    response_ms=response_ms, client_ms=client_ms, timed_out=timed_out)
    db.add(answer)
    last = attempt.position + 1 >= attempt.question_count
    try:
        await db.flush()  # the unique attempt_question_id refuses a second answer here
        moved = await db.execute(
            update(Attempt)
            .where(Attempt.id == attempt.id, Attempt.position == question.position, Attempt.finished_at.is_(None))
            .values(position=Attempt.position + 1, score=Attempt.score + earned,
                    correct_count=Attempt.correct_count + (1 if credit >= 1 else 0),
                    answered_count=Attempt.answered_count + (0 if timed_out else 1),
                    time_ms=Attempt.time_ms + response_ms, streak=streak, finished_at=now if last else None)
            .returning(*ATTEMPT_PROGRESS)
            .execution_options(synchronize_session=False)
        )
        progress = moved.one_or_none()
    except IntegrityError:
        progress = None
    if progress is None:  # lost a race: someone else answered or the attempt moved on
        await db.rollback()
        await db.refresh(attempt)
        return None
    if start_next and not last:
        await db.execute(update(AttemptQuestion)
                         .where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == question.position + 1,
                                AttemptQuestion.shown_at.is_(None))
                         .values(shown_at=now, deadline=_question_deadline(attempt, round_, now))
                         .execution_options(synchronize_session=False))
    await db.commit()
    for column, value in zip(ATTEMPT_PROGRESS, progress):  # the row as committed, without reading it again
        set_committed_value(attempt, column.key, value)
    return answer


async def submit_answer(db: AsyncSession, attempt: Attempt, round_: Round, question_token: str,
                        form: dict[str, list[str]], client_ms: int | None, now: datetime | None = None, *,
                        start_next: bool = False) -> Outcome:
    """start_next: the pupil sees the next question right after this answer (no feedback in between)."""
    now = now or utcnow()
    question = await db.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id,
                                                             AttemptQuestion.token == question_token))
    if question is None:
        return Outcome(False, _("This question is not part of your attempt."))
    earlier = await db.scalar(select(Answer).where(Answer.attempt_question_id == question.id))
    if earlier is not None:  # a double click, a retry over a bad link, or a replay: the first answer stands
        return Outcome(True, _("Your answer was already saved."), earlier, await _load(db, question), repeated=True)
    if attempt.finished_at is not None:
        return Outcome(False, _("This attempt is over; answers are no longer accepted."))
    if question.position != attempt.position or question.shown_at is None:
        return Outcome(False, _("This is not the question you are on now."))
    deadline = question.deadline or attempt.deadline
    if now > deadline + GRACE:
        return Outcome(False, _("Time was up for this question; the answer was not counted."))
    token_to_index = dict(zip(question.option_tokens, question.option_order))
    data = await _load(db, question)
    response = kind_of(data).read_response(form, token_to_index)
    answer = await _record(db, attempt, round_, question, data, response, now, client_ms=client_ms,
                           start_next=start_next)
    if answer is None:
        earlier = await db.scalar(select(Answer).where(Answer.attempt_question_id == question.id))
        if earlier is not None:
            return Outcome(True, _("Your answer was already saved."), earlier, data, repeated=True)
        return Outcome(False, _("This is not the question you are on now."))
    return Outcome(True, _("Saved."), answer, data)


def explanations_visible(round_: Round, contest: Contest, attempt: Attempt, now: datetime) -> bool:
    if round_.explanations is Explanations.AFTER_EACH:
        return True
    if round_.explanations is Explanations.AFTER_ROUND:
        return attempt.finished_at is not None
    return now >= contest.closes_at


async def finish_overdue(db: AsyncSession, now: datetime | None = None) -> int:
    """Finish every attempt whose time ran out, even if its pupil never came back (run periodically)."""
    now = now or utcnow()
    overdue = list(await db.scalars(select(Attempt).where(Attempt.finished_at.is_(None), Attempt.deadline < now - GRACE)))
    for attempt in overdue:
        await db.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.finished_at.is_(None))
                         .values(finished_at=attempt.deadline))
    await db.commit()
    return len(overdue)
