"""Board pages, the projector, live events, the JSON API, and the organiser's freeze and reveal."""

from __future__ import annotations

import segno
from litestar import Request, Response, get, post
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, ServerSentEvent
from markupsafe import Markup
from sqlalchemy import select

from contest.accounts.identity import requires_staff
from contest.contests.models import Contest, Round
from contest.db import DB, utcnow
from contest.events import event_stream
from contest.i18n import current_locale
from contest.i18n import gettext as _
from contest.leaderboards import participation
from contest.leaderboards import reveal as ceremony
from contest.leaderboards.access import View, manages, public_view, view_for
from contest.leaderboards.boards import RoundBoards
from contest.leaderboards.live import board_events
from contest.leaderboards.reading import SCOPES, UNIT_SCOPES, rows
from contest.leaderboards.standings import rebuild_round
from contest.web import render

PAGE = 50
PROJECTOR_TOP = 10


async def _contest_and_view(db: DB, request: Request, contest_id: int) -> tuple[Contest, View]:
    contest = await db.get(Contest, contest_id)
    if contest is None:
        raise NotFoundException()
    view = await view_for(db, request.user, contest, utcnow())
    if view is View.HIDDEN:
        if not contest.published:
            raise NotFoundException()
        raise PermissionDeniedException(detail=_("The results of this contest are not shown yet."))
    return contest, view


async def _round(db: DB, contest: Contest, round_id: str | None) -> Round:
    query = select(Round).where(Round.contest_id == contest.id).order_by(Round.position)
    if round_id and round_id.isdigit():
        query = query.where(Round.id == int(round_id))
    round_ = await db.scalar(query.limit(1))
    if round_ is None:
        raise NotFoundException()
    return round_


def _boards(request: Request, contest: Contest, round_: Round, view: View) -> RoundBoards:
    return RoundBoards(request.app.state.redis, contest.id, round_.id, frozen=view is View.FROZEN)


def _params(request: Request) -> tuple[str, int | None, int, int]:
    query = request.query_params
    scope = query.get("scope", "overall")
    if scope not in SCOPES:
        scope = "overall"
    unit = int(query["unit"]) if scope in UNIT_SCOPES and str(query.get("unit", "")).isdigit() else None
    if scope in UNIT_SCOPES and unit is None:
        scope = "overall"
    offset = int(query.get("offset", "0")) if str(query.get("offset", "0")).isdigit() else 0
    limit = int(query.get("limit", str(PAGE))) if str(query.get("limit", "")).isdigit() else PAGE
    return scope, unit, offset, max(1, min(limit, 200))


@get("/boards/{contest_id:int}")
async def board_page(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest, view = await _contest_and_view(db, request, contest_id)
    round_ = await _round(db, contest, request.query_params.get("round"))
    scope, unit, offset, limit = _params(request)
    entries, total = await rows(db, _boards(request, contest, round_, view), contest, scope, unit, offset, limit)
    rounds = list(await db.scalars(select(Round).where(Round.contest_id == contest.id).order_by(Round.position)))
    return render(request, "leaderboards/board.html", {
        "contest": contest, "round": round_, "rounds": rounds, "view": view, "scope": scope, "unit": unit,
        "offset": offset, "limit": limit, "entries": entries, "total": total, "locale": current_locale.get(),
        "query": request.url.query,
    }, fragment="leaderboards/_table.html")


@get("/boards/{contest_id:int}/events")
async def events(request: Request, db: DB, contest_id: FromPath[int],
                 channels: NamedDependency[ChannelsPlugin]) -> ServerSentEvent:
    await _contest_and_view(db, request, contest_id)
    await db.close()  # a stream may last hours: it must not hold a database connection
    return event_stream(board_events(channels, contest_id))


def _qr(url: str) -> Markup:
    return Markup(segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=True))


@get("/boards/{contest_id:int}/projector")
async def projector(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest, view = await _contest_and_view(db, request, contest_id)
    round_ = await _round(db, contest, request.query_params.get("round"))
    boards = _boards(request, contest, round_, view)
    pupils, _n = await rows(db, boards, contest, "overall", None, 0, PROJECTOR_TOP)
    schools, _n = await rows(db, boards, contest, "schools", None, 0, PROJECTOR_TOP)
    districts, _n = await rows(db, boards, contest, "districts", None, 0, PROJECTOR_TOP)
    join_url = f"{str(request.base_url).rstrip('/')}/contests/{contest.id}"
    return render(request, "leaderboards/projector.html", {
        "contest": contest, "round": round_, "view": view, "pupils": pupils, "schools": schools,
        "districts": districts, "locale": current_locale.get(), "join_url": join_url, "qr": _qr(join_url),
    }, fragment="leaderboards/_projector.html")


# The JSON API.


def _status(contest: Contest, now) -> str:
    if now < contest.opens_at:
        return "upcoming"
    return "open" if now < contest.closes_at else "closed"


@get("/api/v1/contests", summary="Contests whose boards the caller may read")
async def api_contests(request: Request, db: DB) -> list[dict]:
    now = utcnow()
    listed = []
    for contest in await db.scalars(select(Contest).order_by(Contest.opens_at.desc())):
        if public_view(contest, now) is not View.HIDDEN or await manages(db, request.user, contest):
            listed.append({"id": contest.id, "title": contest.title(current_locale.get()), "status": _status(contest, now)})
    return listed


@get("/api/v1/contests/{contest_id:int}/leaderboard", summary="A page of one board of a contest")
async def api_leaderboard(request: Request, db: DB, contest_id: FromPath[int]) -> dict:
    """Query: scope=overall|district|school|class|schools|districts, unit=ID (for district, school, class),
    round=ID (default: the first round), offset, limit (at most 200)."""
    contest, view = await _contest_and_view(db, request, contest_id)
    round_ = await _round(db, contest, request.query_params.get("round"))
    scope, unit, offset, limit = _params(request)
    entries, total = await rows(db, _boards(request, contest, round_, view), contest, scope, unit, offset, limit)
    return {
        "contest": contest.id, "round": round_.id, "scope": scope, "unit": unit, "view": view.value, "total": total,
        "entries": [{"rank": e.rank, "id": e.id, "name": e.name, "unit": e.unit, "score": e.points, "time_ms": e.time_ms,
                     **({"participation": e.participation} if e.played is not None else {})} for e in entries],
    }


# Freeze and reveal (organisers of the contest).


async def _managed(db: DB, request: Request, contest_id: int) -> Contest:
    contest = await db.get(Contest, contest_id)
    if contest is None or not await manages(db, request.user, contest):
        raise NotFoundException()
    return contest


@post("/manage/contests/{contest_id:int}/freeze", guards=[requires_staff])
async def freeze(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    """Public boards stop here; pupils keep playing and organisers keep seeing the live boards."""
    contest = await _managed(db, request, contest_id)
    contest.frozen_at, contest.reveal_step = utcnow(), 0
    await db.commit()
    for round_ in await db.scalars(select(Round).where(Round.contest_id == contest.id)):
        await rebuild_round(db, request.app.state.redis, contest, round_, cutoff=contest.frozen_at)
    request.app.state.notifier.changed(contest.id)
    return Redirect(path=f"/manage/contests/{contest.id}/reveal")


@post("/manage/contests/{contest_id:int}/unfreeze", guards=[requires_staff])
async def unfreeze(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest = await _managed(db, request, contest_id)
    contest.frozen_at, contest.revealed = None, True
    await db.commit()
    request.app.state.notifier.changed(contest.id)
    return Redirect(path=f"/boards/{contest.id}")


@get("/manage/contests/{contest_id:int}/reveal", guards=[requires_staff])
async def reveal_page(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest = await _managed(db, request, contest_id)
    plan = await ceremony.plan(db, request.app.state.redis, contest)
    return render(request, "leaderboards/reveal.html", {"contest": contest, "plan": plan, "step": plan.step(contest.reveal_step),
                                                        "locale": current_locale.get()},
                  fragment="leaderboards/_reveal_step.html")


@post("/manage/contests/{contest_id:int}/reveal", guards=[requires_staff])
async def reveal_next(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    """One press of the clicker: the next change, bottom-up, or the next award; the last one unfreezes."""
    contest = await _managed(db, request, contest_id)
    if contest.frozen_at is None:
        return Redirect(path=f"/boards/{contest.id}/projector")
    plan = await ceremony.plan(db, request.app.state.redis, contest)
    contest.reveal_step = min(contest.reveal_step + 1, len(plan.steps))
    contest.revealed = True
    if contest.reveal_step >= len(plan.steps):
        contest.frozen_at = None  # the reveal has reached the true final board: everyone sees it now
    await db.commit()
    request.app.state.notifier.changed(contest.id)
    return render(request, "leaderboards/reveal.html", {"contest": contest, "plan": plan, "step": plan.step(contest.reveal_step),
                                                        "locale": current_locale.get()},
                  fragment="leaderboards/_reveal_step.html")


@get("/manage/contests/{contest_id:int}/participation", guards=[requires_staff])
async def participation_page(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest = await _managed(db, request, contest_id)
    schools = await participation.by_school(db, contest)
    return render(request, "leaderboards/participation.html", {
        "contest": contest, "schools": schools, "districts": participation.by_district(schools), "locale": current_locale.get()})


leaderboard_routes = [participation_page, board_page, events, projector, api_contests, api_leaderboard, freeze, unfreeze, reveal_page,
                      reveal_next]
