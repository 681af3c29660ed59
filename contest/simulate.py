"""`hoithi demo --simulate N`: N pupils play a contest round through the real services.

Each simulated pupil starts an attempt, answers every question (right with a chance that depends on
the pupil) after a short simulated think time, and the leaderboards hear of every answer exactly as
they do from the web. Used to fill the demo's boards and by the tests that compare boards with the
database.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.accounts.models import Role, User
from contest.contests.models import Contest, Round
from contest.play.service import AnswerListener, current_question, start_attempt, submit_answer



def _right_form(current) -> dict[str, list[str]]:
    """The form a pupil who knows the answer would send."""
    data = current.data
    tokens = dict(zip(current.question.option_order, current.question.option_tokens))
    if data.type == "single_choice":
        return {"choice": [tokens[next(i for i, o in enumerate(data.options) if o.correct)]]}
    if data.type == "multiple_response":
        return {"choice": [tokens[i] for i, o in enumerate(data.options) if o.correct]}
    if data.type == "true_false":
        return {"choice": [tokens[0 if data.answer_true else 1]]}
    if data.type == "short_text":
        return {"text": [data.answers[0]]}
    if data.type == "numeric":
        return {"number": [f"{data.numeric_answer:g}"]}
    if data.type == "ordering":
        return {f"rank_{tokens[i]}": [str(i + 1)] for i in range(len(data.options))}
    return {f"match_{tokens[i]}": [o.match] for i, o in enumerate(data.options)}


def _wrong_form(current) -> dict[str, list[str]]:
    return {"choice": [current.question.option_tokens[-1]]} if current.question.option_tokens else {"text": ["?"]}


async def simulate(db: AsyncSession, contest: Contest, round_: Round, pupils: list[User],
                   listeners: list[AnswerListener], seed: int = 1) -> int:
    """Play the round for these pupils; returns how many answers were recorded."""
    rng = random.Random(seed)
    answers = 0
    for pupil in pupils:
        skill = rng.uniform(0.3, 0.95)
        attempt = await start_attempt(db, contest, round_, CurrentUser.of(pupil))
        clock = attempt.started_at
        while (current := await current_question(db, attempt, round_, now=clock)) is not None:
            clock += timedelta(milliseconds=rng.randint(1500, 9000))  # thinking
            form = _right_form(current) if rng.random() < skill else _wrong_form(current)
            outcome = await submit_answer(db, attempt, round_, current.question.token, form, None, now=clock)
            if outcome.accepted:
                answers += 1
                for listener in listeners:
                    await listener(db, attempt, round_, contest)
    return answers


async def demo_pupils(db: AsyncSession, count: int) -> list[User]:
    return list(await db.scalars(select(User).where(User.role == Role.PUPIL).order_by(User.id).limit(count)))
