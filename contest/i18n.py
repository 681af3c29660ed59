"""Translations: Vietnamese first, English second.

Message ids are English. Catalogs are the .po files under contest/locale, read at start-up (no
compile step). The locale of the request in progress lives in a context variable that the i18n
middleware sets, so `gettext` works the same in templates, routes and services.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from contest.settings import SUPPORTED_LOCALES

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALE_COOKIE = "hoithi_lang"
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")

current_locale: ContextVar[str] = ContextVar("current_locale", default="vi")
_catalogs: dict[str, Translations] = {}


def load_catalogs() -> None:
    for locale in SUPPORTED_LOCALES:
        po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        _catalogs[locale] = Translations(buffer)


def _translations() -> Translations:
    if not _catalogs:
        load_catalogs()
    return _catalogs[current_locale.get()]


def gettext(message: str, **variables: object) -> str:
    text = _translations().gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    return plural_form(singular, plural, n) % {"num": n, **variables}


def plural_form(singular: str, plural: str, n: int) -> str:
    """The translated form for n, not yet formatted: Jinja's `ngettext` fills in the variables itself."""
    return _translations().ngettext(singular, plural, n)


def lazy(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it with gettext where it is shown."""
    return message


# Every date the app shows goes through these two: day before month, a 24-hour clock, Vietnam's time
# (Vietnamese: 05/03/2026 14:07; English: 5 Mar 2026, 14:07). Data files use ISO 8601 instead.
_DATETIME_PATTERNS = {"vi": "dd/MM/yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}
_DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def format_datetime(value: datetime) -> str:
    locale = current_locale.get()
    return dates.format_datetime(value.astimezone(TIMEZONE), _DATETIME_PATTERNS[locale], locale=locale)


def format_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(TIMEZONE).date()
    locale = current_locale.get()
    return dates.format_date(value, _DATE_PATTERNS[locale], locale=locale)


def format_number(value: float | int) -> str:
    return numbers.format_decimal(value, locale=current_locale.get())


def format_percent(value: float) -> str:
    return numbers.format_percent(value, format="#,##0.0%", locale=current_locale.get())


def negotiate(connection: ASGIConnection, default: str) -> str:
    """The switcher's cookie wins, then the browser's Accept-Language, then the site default."""
    chosen = connection.cookies.get(LOCALE_COOKIE)
    if chosen in SUPPORTED_LOCALES:
        return chosen
    header = connection.headers.get("accept-language")
    if header:
        wanted = [part.split(";")[0].strip().replace("-", "_") for part in header.split(",")]
        best = Locale.negotiate(wanted, list(SUPPORTED_LOCALES), sep="_")
        if best:
            return str(best.language)
    return default


def use_locale_of(connection: ASGIConnection) -> None:
    """The reader's language for a response made outside the middleware (the router's own 404)."""
    current_locale.set(negotiate(connection, connection.app.state.settings.locale))


def i18n_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            settings = scope["app"].state.settings
            token = current_locale.set(negotiate(ASGIConnection(scope), settings.locale))
            try:
                await app(scope, receive, send)
            finally:
                current_locale.reset(token)
        else:
            await app(scope, receive, send)

    return middleware
