"""Server-rendered pages: the Jinja environment, static files, rendering and error pages."""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from redis import exceptions as redis_exceptions
from sqlalchemy import exc as sqlalchemy_exc
from litestar.template.config import TemplateConfig

from contest import i18n
from questions import labels

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
ONE_YEAR = 365 * 24 * 3600
logger = logging.getLogger("hoithi.web")


@cache
def static_url(path: str) -> str:
    """URL of a static file with its content hash, so browsers may cache it for a year."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"


def jinja_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.plural_form, newstyle=True)  # Jinja formats both itself
    env.globals.update(
        site_name="Hoithi",
        static_url=static_url,
        current_locale=i18n.current_locale.get,
        format_datetime=i18n.format_datetime,
        format_date=i18n.format_date,
        format_number=i18n.format_number,
        format_percent=i18n.format_percent,
        **labels.TEMPLATE_GLOBALS,
    )
    return env


def template_config() -> TemplateConfig:
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(jinja_environment()))


def static_router():
    return create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        # URLs carry the content hash (static_url), so a file never changes under its URL; the app's
        # compression config gzips them on the way out.
        cache_control=CacheControlHeader(max_age=ONE_YEAR, public=True, immutable=True),
        include_in_schema=False,
    )


def is_fragment_request(request: Request) -> bool:
    """A real htmx partial request: not a boosted navigation, not a history restore."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


def render(
    request: Request,
    page: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
) -> Template:
    """Render `page`, or only `fragment` (the partial the page includes) when htmx asked for it."""
    name = fragment if fragment and is_fragment_request(request) else page
    return Template(
        template_name=name,
        context={"user": request.user, **(context or {})},
        status_code=status_code,
        headers={"Vary": "HX-Request, Cookie"},
    )


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _error_page(request: Request, status_code: int, detail: str | None = None) -> Response:
    if _wants_json(request):
        return Response(
            {"status_code": status_code, "detail": detail or ""}, status_code=status_code, media_type=MediaType.JSON
        )
    user = request.scope.get("user")
    i18n.use_locale_of(request)  # an unknown path's 404 never passed the i18n middleware
    return Template(
        template_name="errors/error.html",
        context={"status_code": status_code, "detail": detail, "user": user},
        status_code=status_code,
    )


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException) and not _wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path="/login", query_params={"next": target})
    # Only our own messages (marked `expose`) reach the page; framework details stay in the logs.
    detail = exc.detail if getattr(exc, "expose", False) else None
    return _error_page(request, exc.status_code, detail)


def unavailable_handler(request: Request, exc: Exception) -> Response:
    """The database or Redis is away for a moment: say so, and that nothing from this request was saved.

    Every write is one transaction, so a request that fails here changed nothing and can be sent again."""
    logger.warning("a backing service is unavailable on %s %s: %s", request.method, request.url.path, exc)
    detail = i18n.gettext("Hoithi is briefly unavailable. Nothing from this request was saved: please try again in a moment.")
    response = _error_page(request, HTTP_503_SERVICE_UNAVAILABLE, detail)
    response.headers["Retry-After"] = "5"
    return response


# Failures of the database or Redis connection (not of a query's content) answer 503, not 500.
UNAVAILABLE = (redis_exceptions.ConnectionError, redis_exceptions.TimeoutError, sqlalchemy_exc.OperationalError,
               sqlalchemy_exc.InterfaceError, sqlalchemy_exc.DisconnectionError, ConnectionError, TimeoutError)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, UNAVAILABLE) or isinstance(getattr(exc, "__cause__", None), UNAVAILABLE):
        return unavailable_handler(request, exc)
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(request, HTTP_500_INTERNAL_SERVER_ERROR)
