"""The pupil's practice page and progress page. Pupils only: staff get 403, nobody signed in goes to /login."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromQuery

from contest.accounts.identity import requires_pupil
from contest.db import DB
from contest.i18n import current_locale
from contest.progress import practice
from contest.progress.achievements import CONTEST_XP, PRACTICE_XP, progress_of
from contest.web import render


def _domain(value: str) -> int | None:
    """The domain filter from the query string; anything but 1–6 means all domains."""
    return int(value) if value and value.isdigit() and int(value) in practice.DOMAINS else None


def _practice_url(domain: int | None) -> str:
    return "/practice" + (f"?domain={domain}" if domain else "")


async def _context(db: DB, item: practice.Item | None, domain: int | None,
                   feedback: practice.Feedback | None = None) -> dict:
    data, view = await practice.load(db, item) if item else (None, None)
    return {"item": item, "data": data, "view": view, "domain": domain, "feedback": feedback,
            "practice_url": _practice_url(domain), "locale": current_locale.get()}


@get("/practice", guards=[requires_pupil])
async def practice_page(request: Request, db: DB, domain: FromQuery[str] = "") -> Response:
    chosen = _domain(domain)
    item = await practice.item_for(db, request.app.state.redis, request.user, chosen)
    return render(request, "progress/practice.html", await _context(db, item, chosen),
                  fragment="progress/_practice.html")


@post("/practice", guards=[requires_pupil])
async def practice_answer(request: Request, db: DB, domain: FromQuery[str] = "") -> Response:
    """The form posts to /practice?domain=… so the Next link keeps the pupil's filter."""
    form = await request.form()
    values = {key: [v for v in form.getall(key) if isinstance(v, str)] for key in form.keys()}
    feedback = await practice.answer(db, request.app.state.redis, request.user, values)
    item = feedback.item  # refused with the question still open: it is shown again
    chosen = item.domain if item else _domain(domain)
    return render(request, "progress/practice.html", await _context(db, item, chosen, feedback),
                  fragment="progress/_practice.html", status_code=200 if feedback.accepted else 409)


@get("/me", guards=[requires_pupil])
async def my_progress(request: Request, db: DB) -> Response:
    progress = await progress_of(db, request.user.id)
    review = await practice.due_for_review(db, request.user.id, practice.practice_language())
    return render(request, "progress/me.html", {"progress": progress, "review_count": len(review),
                                                "contest_xp": CONTEST_XP, "practice_xp": PRACTICE_XP,
                                                "locale": current_locale.get()})


progress_routes = [practice_page, practice_answer, my_progress]
