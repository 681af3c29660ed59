"""Practice mode: untimed, unranked questions, one at a time, the missed ones first.

The question being practised lives in Redis under `practice:{pupil_id}` for an hour: its question
and version, its option order and the opaque tokens the page shows. The page gets only the tokens,
so nothing in it says which option is right. An answer is checked against that item, stored in
`practice_answers` (never in the contest tables) and the item is gone: the next GET draws another.

Which question comes next (`draw`):
1. a question the pupil got wrong (credit below 1, in a contest or in practice) and has not answered
   fully right since, oldest mistake first, in the practice language (a question met in the other
   language comes back as its translation);
2. else an approved question they have never answered, whose levels suit their grade;
3. else any approved question whose levels suit their grade.
Never the question they have just answered, unless it is the only one. An optional domain (1–6)
narrows every step.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.contests.eligibility import place_of
from contest.db import utcnow
from contest.i18n import current_locale
from contest.i18n import gettext as _
from contest.play.draw import levels_for_grade
from contest.play.models import Answer, Attempt
from contest.progress.achievements import FULL_CREDIT, PRACTICE_XP
from contest.progress.models import PracticeAnswer
from questions.content import QuestionData
from questions.kinds import PlayView, kind_of, option_count
from questions.models import Question, QuestionVersion, Status
from questions.store import freeze_versions, from_content

ITEM_SECONDS = 3600
DOMAINS = range(1, 7)

# Delete the item only if it is still the one this request read: of two answers sent at once, one wins.
_CLAIM = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"


def practice_key(pupil_id: int) -> str:
    return f"practice:{pupil_id}"


def practice_language() -> str:
    """Questions in the pupil's language: English for an English page, Vietnamese otherwise."""
    return "en" if current_locale.get() == "en" else "vi"


@dataclass(frozen=True)
class Item:
    """The question being practised, as kept server-side."""

    token: str  # the question's name in the answer form
    question_id: int
    version_id: int
    order: list[int]  # option indices in display order
    tokens: list[str]  # the token shown for each of them
    language: str
    domain: int | None  # the filter it was drawn under
    review: bool  # a question the pupil got wrong before

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Item:
        return cls(**json.loads(raw))


async def current_item(redis: Redis, pupil_id: int) -> tuple[Item, bytes] | None:
    raw = await redis.get(practice_key(pupil_id))
    if raw is None:
        return None
    try:
        return Item.from_json(raw), raw
    except (ValueError, TypeError):  # an item from an older release: draw a new one
        return None


async def _history(db: AsyncSession, pupil_id: int, language: str) -> dict[int, tuple[datetime, float]]:
    """Per question in `language`: the time and credit of the pupil's latest answer to it (or to its translation)."""
    contest = (await db.execute(select(Answer.question_id, Answer.credit, Answer.received_at)
                                .join(Attempt, Attempt.id == Answer.attempt_id).where(Attempt.pupil_id == pupil_id))).all()
    practice = (await db.execute(select(PracticeAnswer.question_id, PracticeAnswer.credit, PracticeAnswer.answered_at)
                                 .where(PracticeAnswer.pupil_id == pupil_id))).all()
    answers = [*contest, *practice]
    ids = {question_id for question_id, _credit, _at in answers}
    questions = {row.id: row for row in await db.execute(select(Question.id, Question.language, Question.translation_id)
                                                          .where(Question.id.in_(ids)))} if ids else {}
    latest: dict[int, tuple[datetime, float]] = {}
    for question_id, credit, at in answers:
        question = questions[question_id]
        target = question_id if question.language == language else question.translation_id
        if target is not None and (target not in latest or at > latest[target][0]):
            latest[target] = (at, credit)
    return latest


def _eligible(language: str, domain: int | None):
    query = (select(Question.id, Question.current_version_id, Question.level_min, Question.level_max)
             .where(Question.status == Status.APPROVED, Question.language == language).order_by(Question.id))
    if domain is not None:
        query = query.where(Question.competences.contains(f",{domain}."))
    return query


def _mistakes(latest: dict[int, tuple[datetime, float]]) -> list[int]:
    """Questions whose latest answer was not fully right, oldest mistake first."""
    return [question_id for _at, question_id in
            sorted((at, question_id) for question_id, (at, credit) in latest.items() if credit < FULL_CREDIT)]


async def due_for_review(db: AsyncSession, pupil_id: int, language: str, domain: int | None = None) -> list[int]:
    """Approved questions the pupil got wrong and has not answered right since, oldest mistake first."""
    wrong = _mistakes(await _history(db, pupil_id, language))
    eligible = set(await db.scalars(_eligible(language, domain).with_only_columns(Question.id)
                                    .where(Question.id.in_(wrong))))
    return [question_id for question_id in wrong if question_id in eligible]


async def draw(db: AsyncSession, pupil: CurrentUser, language: str, domain: int | None) -> Item | None:
    """Choose the next question (see the module's docstring); None when the bank has none for this pupil."""
    latest = await _history(db, pupil.id, language)
    just_answered = await db.scalar(select(PracticeAnswer.question_id).where(PracticeAnswer.pupil_id == pupil.id)
                                    .order_by(PracticeAnswer.answered_at.desc(), PracticeAnswer.id.desc()).limit(1))
    rows = (await db.execute(_eligible(language, domain))).all()
    by_id = {row.id: row for row in rows}
    wrong = [question_id for question_id in _mistakes(latest) if question_id in by_id and question_id != just_answered]
    if wrong:
        chosen = by_id[wrong[0]]
    else:
        levels = levels_for_grade((await place_of(db, pupil)).grade)
        pool = [row for row in rows if row.level_min <= levels[-1] and row.level_max >= levels[0]] or rows
        others = [row for row in pool if row.id != just_answered]
        candidates = [row for row in others if row.id not in latest] or others or pool
        if not candidates:
            return None
        chosen = secrets.choice(candidates)
    review = chosen.id in latest and latest[chosen.id][1] < FULL_CREDIT
    version = await db.get(QuestionVersion, chosen.current_version_id)
    order = list(range(option_count(from_content(version.content))))
    random.SystemRandom().shuffle(order)  # always: an ordering question's options are stored in their right order
    item = Item(token=secrets.token_urlsafe(8), question_id=chosen.id, version_id=version.id, order=order,
                tokens=[secrets.token_urlsafe(6) for _ in order], language=language, domain=domain, review=review)
    await freeze_versions(db, [version.id])  # the pupil meets this text: later edits make a new version
    await db.commit()
    return item


async def item_for(db: AsyncSession, redis: Redis, pupil: CurrentUser, domain: int | None) -> Item | None:
    """The question to show: the current one (a reload shows the same), or a newly drawn one."""
    language = practice_language()
    if (found := await current_item(redis, pupil.id)) is not None:
        item, _raw = found
        if item.language == language and item.domain == domain:
            return item
    item = await draw(db, pupil, language, domain)
    if item is None:
        await redis.delete(practice_key(pupil.id))
        return None
    await redis.set(practice_key(pupil.id), item.to_json(), ex=ITEM_SECONDS)
    return item


async def load(db: AsyncSession, item: Item) -> tuple[QuestionData, PlayView]:
    data = from_content((await db.get(QuestionVersion, item.version_id)).content)
    return data, kind_of(data).play_view(data, item.order, item.tokens)


@dataclass(frozen=True)
class Feedback:
    """What became of a practice answer."""

    accepted: bool
    message: str
    item: Item | None = None  # refused with the question still open: show it again
    credit: float = 0.0
    data: QuestionData | None = None
    answer_text: str = ""

    @property
    def xp(self) -> float:
        return PRACTICE_XP * self.credit


async def answer(db: AsyncSession, redis: Redis, pupil: CurrentUser, form: dict[str, list[str]],
                 now: datetime | None = None) -> Feedback:
    found = await current_item(redis, pupil.id)
    if found is None:
        return Feedback(False, _("This practice question was already answered or has expired."))
    item, raw = found
    if (form.get("q") or [""])[0] != item.token:
        return Feedback(False, _("This is not your current practice question."), item)
    data, _view = await load(db, item)
    kind = kind_of(data)
    response = kind.read_response(form, dict(zip(item.tokens, item.order)))
    if response.is_empty():
        return Feedback(False, _("Choose or type an answer first."), item)
    # Claim the item before writing: a double submit records one answer. Should the write fail, the
    # pupil simply gets a new question; nothing of a contest depends on it.
    if not await redis.eval(_CLAIM, 1, practice_key(pupil.id), raw):
        return Feedback(False, _("This practice question was already answered or has expired."))
    credit = kind.credit(data, response)
    db.add(PracticeAnswer(pupil_id=pupil.id, question_id=item.question_id, version_id=item.version_id, credit=credit,
                          answered_at=now or utcnow()))
    await db.commit()
    return Feedback(True, _("Saved."), None, credit, data, kind.describe_answer(data))
