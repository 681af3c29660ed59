"""A game's questions: chosen from the bank or a contest round, and read back while it runs.

While a game runs, any instance scores from Redis (`q:<pos>`), not from the database. A question is
immutable once the game is made (its version is frozen), so each process keeps the ones it read, under
the game's random nonce as well as its id (a database may hand out a deleted game's id again).
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.contests.models import Round
from contest.errors import Refused
from contest.games.state import key
from contest.i18n import gettext as _
from contest.play.draw import draw_questions
from questions.content import QuestionData
from questions.kinds import PlayView, Response, kind_of, option_count
from questions.models import Question, QuestionVersion, Status
from questions.store import from_content

# What a phone can answer in a few seconds; ordering and matching need a bigger screen than a hall's phones.
LIVE_KINDS = ("single_choice", "true_false", "multiple_response", "numeric", "short_text")
ROUND_GRADE = 9  # a random round is drawn once for the whole hall, at lower-secondary level
MAX_QUESTIONS = 50
_RANDOM = random.SystemRandom()


@dataclass(frozen=True)
class LiveQuestion:
    data: QuestionData
    order: list[int]  # option indices in display order (the big screen's and every phone's)
    tokens: list[str]  # the token shown for order[i]

    @property
    def view(self) -> PlayView:
        return kind_of(self.data).play_view(self.data, self.order, self.tokens)

    def response(self, form_json: str) -> Response:
        form = json.loads(form_json)
        return kind_of(self.data).read_response(form, dict(zip(self.tokens, self.order)))

    def credit(self, response: Response) -> float:
        return 0.0 if response.is_empty() else kind_of(self.data).credit(self.data, response)

    def right_positions(self) -> set[int]:
        """Display positions of the right options (choice questions)."""
        if self.data.type == "true_false":
            right = 0 if self.data.answer_true else 1
            return {n for n, index in enumerate(self.order) if index == right}
        return {n for n, index in enumerate(self.order) if self.data.options[index].correct}


def _layout(data: QuestionData) -> dict:
    order = list(range(option_count(data)))
    if data.type != "true_false":  # true before false, always
        _RANDOM.shuffle(order)
    return {"order": order, "tokens": [secrets.token_urlsafe(6) for _ in order]}


async def store_questions(redis: Redis, game_id: int, contents: list[dict]) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        for position, content in enumerate(contents):
            pipe.set(key(game_id, f"q:{position}"), json.dumps({"content": content, **_layout(from_content(content))}))
        await pipe.execute()


_cache: dict[tuple[int, str, int], LiveQuestion] = {}


async def live_question(redis: Redis, game_id: int, position: int, nonce: str = "") -> LiveQuestion:
    """The question at `position`; kept in this process when the game's nonce is given."""
    found = _cache.get((game_id, nonce, position))
    if found is None:
        stored = json.loads(await redis.get(key(game_id, f"q:{position}")))
        found = LiveQuestion(from_content(stored["content"]), stored["order"], stored["tokens"])
        if nonce:
            if len(_cache) > 512:
                _cache.clear()
            _cache[(game_id, nonce, position)] = found
    return found


async def from_bank(db: AsyncSession, language: str, count: int) -> list[tuple[int, int]]:
    """`count` approved questions of the kinds a phone can answer, at random."""
    rows = (await db.execute(
        select(Question.id, Question.current_version_id)
        .where(Question.status == Status.APPROVED, Question.language == language, Question.type.in_(LIVE_KINDS))
        .order_by(Question.id)
    )).all()
    if len(rows) < count:
        raise Refused(detail=_("The bank has too few approved questions in this language for this game."))
    return [(row[0], row[1]) for row in _RANDOM.sample(rows, count)]


async def from_round(db: AsyncSession, round_: Round) -> list[tuple[int, int]]:
    """The round's question set (a random round is drawn once for everyone)."""
    chosen, _audit = await draw_questions(db, round_, ROUND_GRADE)
    types = dict((await db.execute(select(Question.id, Question.type).where(Question.id.in_([q for q, _v in chosen])))).all())
    if any(types[question_id] not in LIVE_KINDS for question_id, _v in chosen):
        raise Refused(detail=_("This round has ordering or matching questions, which cannot be played live."))
    return chosen


async def contents_of(db: AsyncSession, chosen: list[tuple[int, int]]) -> list[dict]:
    versions = dict((await db.execute(select(QuestionVersion.id, QuestionVersion.content)
                                      .where(QuestionVersion.id.in_([v for _q, v in chosen])))).all())
    return [versions[version_id] for _q, version_id in chosen]
