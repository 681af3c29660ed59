"""Dashboards per role, the tree's pages, login cards and CSV imports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import segno
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from markupsafe import Markup
from sqlalchemy import select
from contest.contests.eligibility import contests_for, includes, place_of
from contest.db import DB, utcnow

from contest.accounts.cards import issue_cards
from contest.accounts.identity import requires_login, requires_organiser, requires_staff
from contest.accounts.models import Role, User
from contest.collation import name_key
from contest.errors import Refused
from contest.i18n import current_locale, gettext as _
from contest.importing import ImportFailed
from contest.org import queries
from contest.org.importing import ORG_COLUMNS, PUPIL_COLUMNS, import_org_tree, import_pupils
from contest.org.models import District, School
from contest.org.scope import districts_query, visible_class, visible_district, visible_school
from contest.web import render

CARDS_PER_PAGE = 10  # two columns of five on A4


@get("/", guards=[requires_login])
async def dashboard(request: Request, db: DB) -> Response:
    user = request.user
    if user.role is Role.ORGANISER:
        district_ids = list(await db.scalars(districts_query(user).with_only_columns(District.id)))
        return render(request, "org/dashboard_organiser.html", {"districts": await queries.district_counts(db, district_ids)})
    if user.role is Role.TEACHER:
        school = await visible_school(db, user, user.school_id)
        return render(request, "org/dashboard_teacher.html", {"school": school, "classes": await queries.class_counts(db, school.id)})
    place = await place_of(db, user)
    contests = [c for c in await db.scalars(contests_for(place)) if includes(c, place)]
    return render(request, "org/dashboard_pupil.html", {"contests": contests, "now": utcnow(), "locale": current_locale.get()})


@get("/districts/{district_id:int}", guards=[requires_organiser])
async def district_page(request: Request, db: DB, district_id: FromPath[int]) -> Response:
    district = await visible_district(db, request.user, district_id)
    school_ids = list(await db.scalars(select(School.id).where(School.district_id == district.id)))
    return render(request, "org/district.html", {"district": district, "schools": await queries.school_counts(db, school_ids)})


@get("/schools/{school_id:int}", guards=[requires_staff])
async def school_page(request: Request, db: DB, school_id: FromPath[int]) -> Response:
    school = await visible_school(db, request.user, school_id)
    return render(request, "org/school.html", {"school": school, "classes": await queries.class_counts(db, school.id)})


@get("/classes/{class_id:int}", guards=[requires_staff])
async def class_page(request: Request, db: DB, class_id: FromPath[int]) -> Response:
    school_class = await visible_class(db, request.user, class_id)
    school = await db.get(School, school_class.school_id)
    pupils = await queries.pupils_of_class(db, class_id)
    return render(request, "org/class.html", {"school": school, "school_class": school_class, "pupils": pupils})


def _qr_svg(url: str) -> Markup:
    # segno writes the SVG itself; nothing user-typed goes into it but the URL, which it escapes.
    return Markup(segno.make(url, error="m").svg_inline(scale=3, border=1, omitsize=True))


@post("/classes/{class_id:int}/cards", guards=[requires_staff])
async def print_cards(request: Request, db: DB, class_id: FromPath[int]) -> Response:
    """New codes for the chosen pupils (all of the class when none is ticked), as printable A4 sheets."""
    school_class = await visible_class(db, request.user, class_id)
    school = await db.get(School, school_class.school_id)
    # Ticked check boxes arrive as repeated fields, which only the raw form keeps.
    chosen = [int(value) for value in (await request.form()).getall("pupil_ids", []) if value.isdigit()]
    query = select(User).where(User.class_id == class_id, User.role == Role.PUPIL)
    if chosen:
        query = query.where(User.id.in_(chosen))
    pupils = sorted(await db.scalars(query), key=lambda p: name_key(p.full_name))
    if not pupils:
        raise Refused(detail=_("This class has no pupils to print cards for."))
    cards = await issue_cards(db, pupils)
    base = str(request.base_url).rstrip("/")
    sheets = [
        [(card, _qr_svg(f"{base}/login?u={card.pupil.username}")) for card in cards[start:start + CARDS_PER_PAGE]]
        for start in range(0, len(cards), CARDS_PER_PAGE)
    ]
    return render(request, "org/cards.html", {"school": school, "school_class": school_class, "sheets": sheets})


IMPORT_KINDS = {"org": (import_org_tree, ORG_COLUMNS), "pupils": (import_pupils, PUPIL_COLUMNS)}


@get("/import", guards=[requires_staff])
async def import_page(request: Request) -> Response:
    return render(request, "org/import.html", {"report": None, "kind": "pupils", "columns": IMPORT_KINDS})


@dataclass
class ImportForm:
    file: UploadFile
    kind: str = "pupils"
    dry_run: bool = False


@post("/import", guards=[requires_staff])
async def import_upload(
    request: Request, db: DB, data: Annotated[ImportForm, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response:
    if data.kind not in IMPORT_KINDS or (data.kind == "org" and request.user.role is not Role.ORGANISER):
        raise Refused(detail=_("Unknown kind of import."))
    run_import, _columns = IMPORT_KINDS[data.kind]
    try:
        report = await run_import(db, await data.file.read(), user=request.user, dry_run=data.dry_run)
        status = 200
    except ImportFailed as failure:
        report, status = failure.report, 400
    return render(
        request, "org/import.html", {"report": report, "kind": data.kind, "columns": IMPORT_KINDS},
        fragment="org/_import_report.html", status_code=status,
    )


org_routes = [dashboard, district_page, school_page, class_page, print_cards, import_page, import_upload]
