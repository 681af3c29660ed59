"""Login, logout and the language switcher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect
from sqlalchemy import select
from contest.db import DB

from contest.accounts.cards import normalise_code
from contest.accounts.identity import CurrentUser
from contest.accounts.models import Role, User
from contest.accounts.passwords import verify_secret_async
from contest.accounts.sessions import SESSION_COOKIE
from contest.i18n import LOCALE_COOKIE, gettext as _, ngettext
from contest.settings import SUPPORTED_LOCALES
from contest.web import render

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


@dataclass
class LoginForm:
    username: str = ""
    secret: str = ""
    next: str = "/"


def safe_next(target: str | None) -> str:
    """Only local paths: never let a login link send a pupil to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _session_cookie(request: Request, value: str, max_age: int | None) -> Cookie:
    settings = request.app.state.settings
    return Cookie(key=SESSION_COOKIE, value=value, max_age=max_age, httponly=True, samesite="lax",
                  secure=settings.secure_cookies, path="/")


@get("/login", name="login")
async def login_page(request: Request, next: FromQuery[str] = "/", u: FromQuery[str] = "") -> Response:
    if request.user is not None:
        return Redirect(path=safe_next(next))
    return render(request, "accounts/login.html", {"form": LoginForm(username=u, next=safe_next(next)), "error": None})


@post("/login")
async def login(request: Request, db: DB, data: Annotated[LoginForm, Form]) -> Response:
    username = data.username.strip().lower()
    client = request.client.host if request.client else "unknown"
    limiter = request.app.state.login_limiter
    form = LoginForm(username=username, next=safe_next(data.next))

    locked_for = await limiter.seconds_locked(username, client)
    if locked_for:
        minutes = max(1, round(locked_for / 60))
        error = ngettext("Too many failed attempts. Try again in %(num)d minute or ask your teacher.",
                         "Too many failed attempts. Try again in %(num)d minutes or ask your teacher.", minutes)
        return render(request, "accounts/login.html", {"form": form, "error": error}, status_code=429)

    user = await db.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
    if user is not None and user.role is Role.PUPIL:
        valid = await verify_secret_async(user.card_code_hash, normalise_code(data.secret))
    else:
        valid = await verify_secret_async(user.password_hash if user else None, data.secret)
    if not valid:
        await limiter.record_failure(username, client)
        error = _("Wrong username, password or card code.")
        return render(request, "accounts/login.html", {"form": form, "error": error}, status_code=400)

    await limiter.forget(username)
    sessions = request.app.state.sessions
    if old_token := request.cookies.get(SESSION_COOKIE):
        await sessions.end(old_token)  # a new token at every login: no session fixation
    token = await sessions.start(CurrentUser.of(user))
    response = Redirect(path=form.next)
    response.set_cookie(_session_cookie(request, token, request.app.state.settings.session_absolute_seconds))
    return response


@post("/logout")
async def logout(request: Request) -> Response:
    if token := request.cookies.get(SESSION_COOKIE):
        await request.app.state.sessions.end(token)
    response = Redirect(path="/login")
    response.set_cookie(_session_cookie(request, "", 0))
    return response


@dataclass
class LanguageForm:
    locale: str = "vi"
    next: str = "/"


@post("/language")
async def choose_language(data: Annotated[LanguageForm, Form]) -> Response:
    response = Redirect(path=safe_next(data.next))
    if data.locale in SUPPORTED_LOCALES:
        response.set_cookie(Cookie(key=LOCALE_COOKIE, value=data.locale, max_age=365 * 24 * 3600, samesite="lax", path="/"))
    return response


account_routes = [login_page, login, logout, choose_language]
