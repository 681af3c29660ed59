"""The pupil's pages: their contests, a contest, a round being played, the result and the review."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy import select

from contest.accounts.identity import requires_pupil
from contest.contests.eligibility import contests_for, includes, place_of, qualified_pupils, window_refusal
from contest.contests.models import Contest, Round
from contest.db import DB, utcnow
from contest.i18n import current_locale
from contest.leaderboards.access import View, view_for
from contest.leaderboards.boards import RoundBoards
from contest.leaderboards.reading import pupil_ranks
from contest.play.models import Answer, Attempt, AttemptQuestion
from contest.play.service import (Outcome, current_question, explanations_visible, notify_listeners, start_attempt,
                                  submit_answer)
from contest.web import is_fragment_request, render
from questions.kinds import kind_of
from questions.models import QuestionVersion
from questions.store import from_content


async def _contest_for_pupil(db: DB, request: Request, contest_id: int) -> Contest:
    contest = await db.get(Contest, contest_id)
    if contest is None or not includes(contest, await place_of(db, request.user)):
        raise NotFoundException()
    return contest


async def _attempt_of(db: DB, request: Request, token: str) -> tuple[Attempt, Round, Contest]:
    """The attempt named in the URL, if it is this pupil's; anyone else's answers 404."""
    attempt = await db.scalar(select(Attempt).where(Attempt.token == token, Attempt.pupil_id == request.user.id))
    if attempt is None:
        raise NotFoundException()
    round_ = await db.get(Round, attempt.round_id)
    return attempt, round_, await db.get(Contest, attempt.contest_id)


@get("/contests", guards=[requires_pupil])
async def my_contests(request: Request, db: DB) -> Response:
    place = await place_of(db, request.user)
    contests = [c for c in await db.scalars(contests_for(place)) if includes(c, place)]
    return render(request, "play/contests.html", {"contests": contests, "now": utcnow(), "locale": current_locale.get()})


@get("/contests/{contest_id:int}", guards=[requires_pupil])
async def contest_page(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest = await _contest_for_pupil(db, request, contest_id)
    now = utcnow()
    rounds = []
    for round_ in await db.scalars(select(Round).where(Round.contest_id == contest.id).order_by(Round.position)):
        attempts = list(await db.scalars(select(Attempt).where(Attempt.round_id == round_.id,
                                                               Attempt.pupil_id == request.user.id).order_by(Attempt.number)))
        qualified = not round_.qualifier_round_id or request.user.id in await qualified_pupils(db, round_)
        rounds.append({"round": round_, "attempts": attempts, "qualified": qualified,
                       "unfinished": next((a for a in attempts if a.finished_at is None), None),
                       "left": round_.attempts_allowed - len(attempts)})
    return render(request, "play/contest.html", {"contest": contest, "rounds": rounds, "now": now,
                                                 "closed_reason": window_refusal(contest, now),
                                                 "locale": current_locale.get()})


@post("/contests/{contest_id:int}/rounds/{round_id:int}/start", guards=[requires_pupil])
async def start(request: Request, db: DB, contest_id: FromPath[int], round_id: FromPath[int]) -> Response:
    contest = await _contest_for_pupil(db, request, contest_id)
    round_ = await db.get(Round, round_id)
    if round_ is None or round_.contest_id != contest.id:
        raise NotFoundException()
    attempt = await start_attempt(db, contest, round_, request.user)
    return Redirect(path=f"/play/{attempt.token}")


def _turn_context(attempt: Attempt, round_: Round, contest: Contest, current, outcome: Outcome | None = None) -> dict:
    now = utcnow()
    context = {"attempt": attempt, "round": round_, "contest": contest, "current": current, "outcome": outcome,
               "locale": current_locale.get(), "show_explanation": False, "answer_text": ""}
    if current is not None:
        context["remaining_ms"] = max(0, int((current.deadline - now).total_seconds() * 1000))
    if outcome is not None and outcome.answer is not None and outcome.data is not None:
        context["show_explanation"] = explanations_visible(round_, contest, attempt, now)
        context["answer_text"] = kind_of(outcome.data).describe_answer(outcome.data)
    return context


@get("/play/{token:str}", guards=[requires_pupil])
async def play(request: Request, db: DB, token: FromPath[str]) -> Response:
    attempt, round_, contest = await _attempt_of(db, request, token)
    current = await current_question(db, attempt, round_)
    if current is None:
        return _to_result(request, token)
    return render(request, "play/turn.html", _turn_context(attempt, round_, contest, current), fragment="play/_turn.html")


def _to_result(request: Request, token: str) -> Response:
    if is_fragment_request(request):  # htmx follows a redirect into the target: send the browser instead
        return Response("", status_code=200, headers={"HX-Redirect": f"/play/{token}/result"})
    return Redirect(path=f"/play/{token}/result")


@post("/play/{token:str}", guards=[requires_pupil])
async def answer(request: Request, db: DB, token: FromPath[str]) -> Response:
    attempt, round_, contest = await _attempt_of(db, request, token)
    form = await request.form()
    values = {key: [v for v in form.getall(key) if isinstance(v, str)] for key in form.keys()}
    client_ms = form.get("client_ms", "")
    outcome = await submit_answer(db, attempt, round_, form.get("q", ""), values,
                                  int(client_ms) if str(client_ms).isdigit() else None,
                                  start_next=not explanations_visible(round_, contest, attempt, utcnow()))
    if outcome.accepted and not outcome.repeated:
        await notify_listeners(request.app.state.answer_listeners, db, attempt, round_, contest)
    show_feedback = outcome.accepted and explanations_visible(round_, contest, attempt, utcnow())
    if outcome.accepted and not show_feedback:
        current = await current_question(db, attempt, round_)
        if current is None:
            return _to_result(request, token)
        return render(request, "play/turn.html", _turn_context(attempt, round_, contest, current, outcome),
                      fragment="play/_turn.html")
    return render(request, "play/turn.html", _turn_context(attempt, round_, contest, None, outcome),
                  fragment="play/_turn.html", status_code=200 if outcome.accepted else 409)


@get("/play/{token:str}/result", guards=[requires_pupil])
async def result(request: Request, db: DB, token: FromPath[str]) -> Response:
    attempt, round_, contest = await _attempt_of(db, request, token)
    if attempt.finished_at is None and await current_question(db, attempt, round_) is not None:
        return Redirect(path=f"/play/{token}")
    view = await view_for(db, request.user, contest, utcnow())
    ranks = [] if view is View.HIDDEN else await pupil_ranks(
        RoundBoards(request.app.state.redis, contest.id, round_.id, frozen=view is View.FROZEN),
        attempt.pupil_id, attempt.class_id, attempt.school_id, attempt.district_id)
    return render(request, "play/result.html", {
        "attempt": attempt, "round": round_, "contest": contest, "locale": current_locale.get(),
        "ranks": ranks, "ranks_hidden": view is View.HIDDEN,
        "review_open": explanations_visible(round_, contest, attempt, utcnow()),
    })


@get("/play/{token:str}/review", guards=[requires_pupil])
async def review(request: Request, db: DB, token: FromPath[str]) -> Response:
    attempt, round_, contest = await _attempt_of(db, request, token)
    if attempt.finished_at is None or not explanations_visible(round_, contest, attempt, utcnow()):
        return Redirect(path=f"/play/{token}/result")
    rows = (await db.execute(
        select(AttemptQuestion, QuestionVersion.content, Answer)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .outerjoin(Answer, Answer.attempt_question_id == AttemptQuestion.id)
        .where(AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)
    )).all()
    items = []
    for question, content, given in rows:
        data = from_content(content)
        items.append({"data": data, "answer": given, "right": kind_of(data).describe_answer(data),
                      "given": _describe_response(data, question, given)})
    return render(request, "play/review.html", {"attempt": attempt, "round": round_, "contest": contest,
                                                "items": items, "locale": current_locale.get()})


def _describe_response(data, question: AttemptQuestion, given: Answer | None) -> str:
    """What the pupil answered, in words (option texts, not indices)."""
    if given is None or given.timed_out:
        return ""
    response = given.response
    if data.type == "true_false":
        return ", ".join(kind_of(data).play_view(data, [0, 1], ["", ""]).choices[i].text for i in response["chosen"])
    if data.type in ("short_text", "numeric"):
        return response["text"] if response["number"] is None else f"{response['number']:g}"
    if data.type == "matching":
        return "; ".join(f"{data.options[int(i)].text} → {v}" for i, v in response["pairs"].items())
    return "; ".join(data.options[i].text for i in response["chosen"])


play_routes = [my_contests, contest_page, start, play, answer, result, review]
