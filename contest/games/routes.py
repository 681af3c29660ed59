"""Live game pages: the host's (staff, /manage/games…) and the players' (anyone with the PIN, /g/…)."""

from __future__ import annotations

import json

import segno
from litestar import Request, Response, get, post
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, ServerSentEvent
from markupsafe import Markup
from sqlalchemy import func, select

from contest.accounts.identity import requires_staff
from contest.accounts.models import Role
from contest.contests.eligibility import place_of, staff_contests_clause
from contest.contests.models import Contest, Round
from contest.db import DB
from contest.errors import Refused
from contest.events import change_events, event_stream
from contest.games import questions as game_questions
from contest.games import views
from contest.games.access import managed_game, managed_games
from contest.games.models import GameAnswer, GamePlayer, LiveGame
from contest.games.service import Games, NewGame, answer, create_game, join
from contest.games.state import (BOARD, CLOSING, GRACE_MS, LOBBY, PODIUM, QUESTION, REVEAL, GameStore, Snapshot,
                                 channel_of, key)
from contest.i18n import current_locale
from contest.i18n import gettext as _
from contest.leaderboards.reading import public_name
from contest.org.models import District, School, SchoolClass
from contest.reports import exports
from contest.play.scoring import RULES, Rule
from contest.web import is_fragment_request, render
from questions.kinds import kind_of

COOKIE_DAYS = 2
SHAPES = ("▲", "◆", "●", "■", "★", "⬟")  # with a colour each (static/css/game.css), and always the text


def _games(request: Request, channels: ChannelsPlugin) -> Games:
    return Games(request.app.state.redis, request.app.state.sessionmaker, channels)


def _values(form) -> dict[str, list[str]]:
    return {name: [v for v in form.getall(name) if isinstance(v, str)] for name in form.keys()}


def _number(value, default: int, low: int, high: int) -> int:
    return max(low, min(high, int(value))) if str(value).isdigit() else default


def _qr(url: str) -> Markup:
    return Markup(segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=True))


# The host.


async def _managed_rounds(db: DB, request: Request) -> list[tuple[Round, Contest]]:
    return list((await db.execute(select(Round, Contest).join(Contest).where(staff_contests_clause(request.user))
                                  .order_by(Contest.opens_at.desc(), Round.position))).all())


@get("/manage/games", guards=[requires_staff])
async def game_list(request: Request, db: DB) -> Response:
    return render(request, "games/list.html", {"games": await managed_games(db, request.user), "rounds": await _managed_rounds(db, request),
                                              "rules": RULES, "locale": current_locale.get()})


@post("/manage/games/new", guards=[requires_staff])
async def new_game(request: Request, db: DB) -> Response:
    form = await request.form()
    title = (form.get("title") or "").strip()[:200]
    if not title:
        raise Refused(detail=_("Give the game a title."))
    if form.get("source") == "round":
        round_id = _number(form.get("round_id"), 0, 0, 2**31)
        round_ = next((r for r, _c in await _managed_rounds(db, request) if r.id == round_id), None)
        if round_ is None:
            raise Refused(detail=_("Choose one of your contests' rounds."))
        chosen = await game_questions.from_round(db, round_)
    else:
        round_ = None
        language = form.get("language") if form.get("language") in ("vi", "en") else "vi"
        chosen = await game_questions.from_bank(db, language, _number(form.get("question_count"), 10, 1,
                                                                      game_questions.MAX_QUESTIONS))
    scoring = form.get("scoring") if form.get("scoring") in RULES else "speed"
    floor = _number(form.get("speed_floor_percent"), 50, 0, 100) / 100
    rule = Rule(scoring, floor, _number(form.get("streak_bonus"), 0, 0, 1000), 5)
    game = await create_game(db, request.app.state.redis, request.user, NewGame(
        title, chosen, _number(form.get("seconds_per_question"), 20, 5, 300), rule, round_.id if round_ else None))
    return Redirect(path=f"/manage/games/{game.id}")


def _join_url(request: Request, pin: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/g/{pin}"


async def _host_context(request: Request, db: DB, game: LiveGame, snapshot: Snapshot) -> dict:
    redis = request.app.state.redis
    context = {"game": game, "snapshot": snapshot, "shapes": SHAPES, "locale": current_locale.get(),
               "join_url": _join_url(request, game.pin), "lobby": await views.lobby(db, redis, snapshot),
               "grace_ms": GRACE_MS}
    if snapshot.phase in (QUESTION, CLOSING, REVEAL):
        question = await game_questions.live_question(redis, game.id, snapshot.position, snapshot.nonce)
        context |= {"question": question, "view": question.view}
    if snapshot.phase == REVEAL:
        distribution = json.loads(await redis.get(key(game.id, f"dist:{snapshot.position}")))
        context |= {"distribution": distribution, "right_positions": question.right_positions(),
                    "answer_text": kind_of(question.data).describe_answer(question.data),
                    "most": max(distribution["counts"] + [1])}
    if snapshot.phase == LOBBY:
        context["qr"] = _qr(context["join_url"])
    if snapshot.phase in (BOARD, PODIUM):
        context["boards"] = await views.boards(db, redis, game.id)
    return context


async def _host_page(request: Request, db: DB, game: LiveGame, games: Games) -> Response:
    snapshot = await games.current(game.id)
    if snapshot is None:  # the game's Redis state has expired: its results remain
        return Redirect(path=f"/manage/games/{game.id}/results")
    return render(request, "games/host.html", await _host_context(request, db, game, snapshot), fragment="games/_host.html")


@get("/manage/games/{game_id:int}", guards=[requires_staff])
async def host_screen(request: Request, db: DB, game_id: FromPath[int], channels: NamedDependency[ChannelsPlugin]) -> Response:
    return await _host_page(request, db, await managed_game(db, request.user, game_id), _games(request, channels))


def _host_action(name: str):
    """POST /manage/games/{id}/<name>: one of the host's moves, then the host screen as it now stands."""

    @post(f"/manage/games/{{game_id:int}}/{name}", guards=[requires_staff], name=f"game_{name}")
    async def act(request: Request, db: DB, game_id: FromPath[int], channels: NamedDependency[ChannelsPlugin]) -> Response:
        game = await managed_game(db, request.user, game_id)
        games = _games(request, channels)
        await getattr(games, name)(game.id)
        if not is_fragment_request(request):
            return Redirect(path=f"/manage/games/{game.id}", status_code=303)
        return await _host_page(request, db, game, games)

    return act


host_actions = [_host_action(name) for name in ("advance", "pause", "resume", "skip", "end")]


@get("/manage/games/{game_id:int}/players", guards=[requires_staff])
async def players_page(request: Request, db: DB, game_id: FromPath[int], channels: NamedDependency[ChannelsPlugin]) -> Response:
    game = await managed_game(db, request.user, game_id)
    snapshot = await _games(request, channels).current(game.id)
    if snapshot is None:
        return Redirect(path=f"/manage/games/{game.id}/results")
    lobby = await views.lobby(db, request.app.state.redis, snapshot)
    return render(request, "games/players.html", {"game": game, "lobby": lobby, "error": None})


@post("/manage/games/{game_id:int}/players/{number:int}/kick", guards=[requires_staff])
async def kick(request: Request, db: DB, game_id: FromPath[int], number: FromPath[int],
               channels: NamedDependency[ChannelsPlugin]) -> Response:
    game = await managed_game(db, request.user, game_id)
    await _games(request, channels).kick(game.id, number)
    return Redirect(path=f"/manage/games/{game.id}/players", status_code=303)


@post("/manage/games/{game_id:int}/players/{number:int}/rename", guards=[requires_staff])
async def rename(request: Request, db: DB, game_id: FromPath[int], number: FromPath[int],
                 channels: NamedDependency[ChannelsPlugin]) -> Response:
    game = await managed_game(db, request.user, game_id)
    form = await request.form()
    await _games(request, channels).rename(game.id, number, form.get("nickname", ""))
    return Redirect(path=f"/manage/games/{game.id}/players", status_code=303)


async def _results(db: DB, game: LiveGame) -> list[dict]:
    players = list(await db.scalars(select(GamePlayer).where(GamePlayer.game_id == game.id, GamePlayer.kicked.is_(False))))
    schools = await views.unit_names(db, School, {p.school_id for p in players if p.school_id})
    districts = await views.unit_names(db, District, {p.district_id for p in players if p.district_id})
    ranks = views.competition_ranks({p.number: p.score for p in players})
    return sorted(({"rank": ranks[p.number], "player": p, "school": schools.get(p.school_id, ""),
                    "district": districts.get(p.district_id, "")} for p in players),
                  key=lambda row: (row["rank"], row["player"].time_ms, row["player"].nickname))


@get("/manage/games/{game_id:int}/results", guards=[requires_staff])
async def results(request: Request, db: DB, game_id: FromPath[int]) -> Response:
    game = await managed_game(db, request.user, game_id)
    per_question = {position: (answered, credit or 0) for position, answered, credit in (await db.execute(
        select(GameAnswer.position, func.count(), func.sum(GameAnswer.credit))
        .where(GameAnswer.game_id == game.id).group_by(GameAnswer.position))).all()}
    contents = await game_questions.contents_of(db, [tuple(pair) for pair in game.questions])
    questions = [{"stem": content["stem"], "answered": per_question.get(n, (0, 0))[0],
                  "right": per_question.get(n, (0, 0))[1]} for n, content in enumerate(contents)]
    return render(request, "games/results.html", {"game": game, "rows": await _results(db, game),
                                                 "questions": questions, "locale": current_locale.get()})


def _result_columns() -> list[exports.Column]:
    return [
        exports.Column(_("Rank"), lambda r: r["rank"], 7),
        exports.Column(_("Nickname"), lambda r: r["player"].nickname, 28),
        exports.Column(_("Pupil"), lambda r: _("yes") if r["player"].user_id else _("no"), 8),
        exports.Column(_("School"), lambda r: r["school"], 30),
        exports.Column(_("District"), lambda r: r["district"], 22),
        exports.Column(_("Score"), lambda r: r["player"].score, 9),
        exports.Column(_("Right answers"), lambda r: r["player"].correct_count, 10),
        exports.Column(_("Time (s)"), lambda r: round(r["player"].time_ms / 1000, 1), 9),
    ]


@get(["/manage/games/{game_id:int}/results.csv", "/manage/games/{game_id:int}/results.xlsx"], guards=[requires_staff])
async def results_file(request: Request, db: DB, game_id: FromPath[int]) -> Response:
    """The players' results as the contests' exports make them (formula-safe cells, headers in the reader's language)."""
    game = await managed_game(db, request.user, game_id)
    rows, format_name = await _results(db, game), request.url.path.rsplit(".", 1)[1]
    content = (exports.table_csv(rows, _result_columns()) if format_name == "csv"
               else exports.table_xlsx([(game.title, rows)], _result_columns()))
    return Response(content, media_type=exports.MEDIA_TYPES[format_name], headers={
        "Content-Disposition": f'attachment; filename="live-game-{game.id}-results.{format_name}"'})


# The players.


def _cookie(game_id: int) -> str:
    return f"hoithi_game_{game_id}"


async def _game_of(request: Request, pin: str) -> tuple[GameStore, int]:
    store = GameStore(request.app.state.redis)
    game_id = await store.game_of_pin(pin)
    if game_id is None:
        raise Refused(detail=_("No game has this PIN. Check the number on the big screen."), status_code=404)
    return store, game_id


@get("/g")
async def enter_pin(request: Request) -> Response:
    pin = "".join(c for c in request.query_params.get("pin", "") if c.isdigit())
    if pin:
        return Redirect(path=f"/g/{pin}")
    return render(request, "games/pin.html", {})


@get("/g/{pin:str}")
async def join_page(request: Request, pin: FromPath[str]) -> Response:
    store, game_id = await _game_of(request, pin)
    if await store.player_of(game_id, request.cookies.get(_cookie(game_id))) is not None:
        return Redirect(path=f"/g/{pin}/play")
    snapshot = await store.snapshot(game_id)
    return render(request, "games/join.html", {"snapshot": snapshot, "pin": pin, "error": None, "nickname": ""})


@post("/g/{pin:str}/join")
async def join_game(request: Request, db: DB, pin: FromPath[str]) -> Response:
    store, game_id = await _game_of(request, pin)
    snapshot = await store.snapshot(game_id)
    user = request.user
    pupil = user if user is not None and user.role is Role.PUPIL else None
    form = await request.form()
    nickname = form.get("nickname", "")
    if pupil is not None:  # plays under their public name, as on the boards
        nickname = public_name(pupil.full_name, (await db.get(SchoolClass, pupil.class_id)).name)
    try:
        token = await join(store, snapshot, nickname, pupil, await place_of(db, pupil) if pupil else None)
    except Refused as refusal:
        return render(request, "games/join.html", {"snapshot": snapshot, "pin": pin, "error": refusal.detail,
                                                   "nickname": form.get("nickname", "")}, status_code=400)
    response = Redirect(path=f"/g/{pin}/play", status_code=303)
    response.set_cookie(_cookie(game_id), token, max_age=COOKIE_DAYS * 86400, httponly=True, samesite="lax",
                        secure=request.app.state.settings.secure_cookies)
    return response


async def _player_page(request: Request, pin: str, games: Games, game_id: int, notice: str = "",
                       status_code: int = 200) -> Response:
    snapshot, number = await games.store.snapshot_for(game_id, request.cookies.get(_cookie(game_id)))
    if number is None:
        if is_fragment_request(request):
            return Response("", headers={"HX-Redirect": f"/g/{pin}"})
        return Redirect(path=f"/g/{pin}")
    snapshot = await games.caught_up(snapshot)
    view = await views.player_view(games.redis, snapshot, number)
    return render(request, "games/player.html", {"me": view, "snapshot": snapshot, "pin": pin, "shapes": SHAPES,
                                                "notice": notice, "grace_ms": GRACE_MS},
                  fragment="games/_player.html", status_code=status_code)


@get("/g/{pin:str}/play")
async def play(request: Request, pin: FromPath[str], channels: NamedDependency[ChannelsPlugin]) -> Response:
    _store, game_id = await _game_of(request, pin)
    return await _player_page(request, pin, _games(request, channels), game_id)


ANSWER_NOTICES = {
    "again": lambda: _("Your first answer stands."),
    "late": lambda: _("Time was up: this answer was not counted."),
    "closed": lambda: _("This question is closed: the answer was not counted."),
    "paused": lambda: _("The game is paused: answer when it goes on."),
}


@post("/g/{pin:str}/answer")
async def submit(request: Request, pin: FromPath[str], channels: NamedDependency[ChannelsPlugin]) -> Response:
    store, game_id = await _game_of(request, pin)
    form = await request.form()
    outcome = await answer(store, game_id, request.cookies.get(_cookie(game_id), ""),
                           _number(form.get("position"), -1, -1, 10_000), _values(form))
    if not is_fragment_request(request):
        return Redirect(path=f"/g/{pin}/play", status_code=303)
    notice = ANSWER_NOTICES[outcome]() if outcome in ANSWER_NOTICES else ""
    if outcome == "ok":  # the acknowledgement, in place of the form: nothing about right or wrong yet
        return render(request, "games/_answered.html", {})
    page = await _player_page(request, pin, _games(request, channels), game_id, notice,
                              status_code=409 if outcome in ("late", "closed", "paused") else 200)
    page.headers |= {"HX-Retarget": "#player", "HX-Reswap": "innerHTML"}  # the whole phone, with the notice
    return page


@get("/g/{pin:str}/events")
async def events(request: Request, pin: FromPath[str], channels: NamedDependency[ChannelsPlugin]) -> ServerSentEvent:
    """Changes of phase of the game, for its phones and its big screen (never single answers)."""
    _store, game_id = await _game_of(request, pin)
    return event_stream(change_events(channels, channel_of(game_id)))


game_routes = [game_list, new_game, host_screen, *host_actions, players_page, kick, rename, results, results_file,
               enter_pin, join_page, join_game, play, submit, events]
