"""Organisers' and teachers' contest setup: the list, the contest form, the round form.

Every route is for staff; a contest outside the user's management (staff_contests_clause) answers
404. The rules live in contest/contests/setup.py; these handlers only load, check and save.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from contest.accounts.identity import requires_staff
from contest.contests import setup
from contest.contests.models import Contest, Round
from contest.db import DB, utcnow
from contest.i18n import current_locale
from contest.web import render
from questions.authoring import FormValues
from questions.content import DIFFICULTIES, LANGUAGES


async def _form(request: Request) -> FormValues:
    form = await request.form()
    # Ticked check boxes arrive as repeated fields, which only the raw form keeps.
    return FormValues({key: [v for v in form.getall(key) if isinstance(v, str)] for key in form.keys()})


@get("/manage/contests", guards=[requires_staff])
async def contest_list(request: Request, db: DB) -> Response:
    contests = list(await db.scalars(setup.managed_contests(request.user)))
    return render(request, "contests/list.html", {
        "contests": contests, "owners": await setup.owner_names(db, contests),
        "rounds": await setup.round_counts(db, [c.id for c in contests]), "now": utcnow(),
        "locale": current_locale.get(),
    })


async def _contest_page(request: Request, db: DB, contest: Contest, form: FormValues, *, problems=(),
                        status_code: int = 200) -> Response:
    saved = contest.id is not None
    return render(request, "contests/contest.html", {
        "contest": contest if saved else None, "form": form, "problems": list(problems),
        "invalid": {field for field, _message in problems},
        "area": await setup.area_of(db, contest), "rounds": await setup.rounds_of(db, contest) if saved else [],
        "grades": setup.GRADES, "qualify_names": setup.QUALIFY_PER_NAMES, "visibilities": setup.VISIBILITY_NAMES,
        "unit_rankings": setup.UNIT_RANKING_NAMES,
        "locale": current_locale.get(),
    }, status_code=status_code)


async def _save_contest(request: Request, db: DB, contest: Contest) -> Response:
    form = await _form(request)
    round_count = len(await setup.rounds_of(db, contest)) if contest.id is not None else 0
    settings, problems = setup.read_contest(form, await setup.area_of(db, contest), round_count=round_count)
    if problems:
        return await _contest_page(request, db, contest, form, problems=problems, status_code=400)
    settings.apply(contest)
    db.add(contest)
    await db.commit()
    return Redirect(path=f"/manage/contests/{contest.id}")


@get("/manage/contests/new", guards=[requires_staff])
async def new_contest(request: Request, db: DB) -> Response:
    return await _contest_page(request, db, setup.new_contest(request.user), setup.NEW_CONTEST)


@post("/manage/contests/new", guards=[requires_staff])
async def create_contest(request: Request, db: DB) -> Response:
    return await _save_contest(request, db, setup.new_contest(request.user))


@get("/manage/contests/{contest_id:int}", guards=[requires_staff])
async def contest_page(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest = await setup.managed_contest(db, request.user, contest_id)
    return await _contest_page(request, db, contest, setup.contest_values(contest))


@post("/manage/contests/{contest_id:int}", guards=[requires_staff])
async def save_contest(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    return await _save_contest(request, db, await setup.managed_contest(db, request.user, contest_id))


async def _round_page(request: Request, db: DB, contest: Contest, round_: Round | None, form: FormValues, *,
                      problems=(), status_code: int = 200) -> Response:
    return render(request, "contests/round.html", {
        "contest": contest, "round": round_, "form": form, "problems": list(problems),
        "invalid": {field for field, _message in problems},
        "qualifiers": setup.earlier_rounds(await setup.rounds_of(db, contest), round_),
        "languages": LANGUAGES, "selections": setup.SELECTION_NAMES, "domains": setup.DOMAINS,
        "difficulties": DIFFICULTIES, "countings": setup.COUNTING_NAMES, "explanation_choices": setup.EXPLANATION_NAMES,
        "scorings": setup.SCORING_NAMES, "qualify_pers": setup.QUALIFY_PER_NAMES, "locale": current_locale.get(),
    }, status_code=status_code)


async def _save_round(request: Request, db: DB, contest: Contest, round_: Round | None) -> Response:
    form = await _form(request)
    settings, problems = setup.read_round(form, setup.earlier_rounds(await setup.rounds_of(db, contest), round_))
    problems += await setup.bank_problems(db, request.user, settings)
    if problems:
        return await _round_page(request, db, contest, round_, form, problems=problems, status_code=400)
    round_ = round_ or await setup.new_round(db, contest)
    settings.apply(round_)
    db.add(round_)
    await db.commit()
    return Redirect(path=f"/manage/contests/{contest.id}")


@get("/manage/contests/{contest_id:int}/rounds/new", guards=[requires_staff])
async def new_round(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest = await setup.managed_contest(db, request.user, contest_id)
    return await _round_page(request, db, contest, None, setup.NEW_ROUND)


@post("/manage/contests/{contest_id:int}/rounds/new", guards=[requires_staff])
async def create_round(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    return await _save_round(request, db, await setup.managed_contest(db, request.user, contest_id), None)


@get("/manage/rounds/{round_id:int}", guards=[requires_staff])
async def round_page(request: Request, db: DB, round_id: FromPath[int]) -> Response:
    round_, contest = await setup.managed_round(db, request.user, round_id)
    return await _round_page(request, db, contest, round_, setup.round_values(round_))


@post("/manage/rounds/{round_id:int}", guards=[requires_staff])
async def save_round(request: Request, db: DB, round_id: FromPath[int]) -> Response:
    round_, contest = await setup.managed_round(db, request.user, round_id)
    return await _save_round(request, db, contest, round_)


contest_setup_routes = [contest_list, new_contest, create_contest, contest_page, save_contest, new_round, create_round,
                        round_page, save_round]
