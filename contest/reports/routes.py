"""Report pages, exports, certificates and the public verification page.

Every report route is for staff: the contest must be reportable (contest/reports/access.py) and the
scope inside the user's own; anything else answers 404. Only /verify/CODE is public.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from contest.accounts.identity import requires_staff
from contest.contests.models import Contest, Round
from contest.db import DB
from contest.games.access import managed_games
from contest.i18n import current_locale, format_percent
from contest.i18n import gettext as _
from contest.leaderboards import participation
from contest.leaderboards.access import manages
from contest.org.scope import schools_query, visible_school
from contest.reports import batches, certificates, exports
from contest.reports.access import ReportScope, reportable_contest, reportable_contests, scope_choices, scope_for
from contest.reports.charts import bars
from contest.reports.items import MIN_ANSWERS_FOR_FLAGS, analyse_round
from contest.reports.models import CertificateTemplate
from contest.reports.profiles import profile_of, score_distribution
from contest.reports.results import SORTS, matching, results_of, rounds_of, sorted_rows
from contest.web import render
from questions.labels import TEMPLATE_GLOBALS

SHOWN_ROWS = 500  # the page's table; exports hold every row
domain_name = TEMPLATE_GLOBALS["domain_name"]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


async def _report(request: Request, db: DB, contest_id: int) -> tuple[Contest, ReportScope]:
    contest = await reportable_contest(db, request.user, contest_id)
    return contest, await scope_for(db, request.user, request.query_params.get("scope"))


async def _round(db: DB, contest: Contest, wanted: str | None) -> tuple[Round | None, list[Round]]:
    rounds = await rounds_of(db, contest)
    chosen = next((r for r in rounds if r.id == _int(wanted)), rounds[0] if rounds else None)
    return chosen, rounds


async def _base_context(request: Request, db: DB, contest: Contest, scope: ReportScope) -> dict:
    return {"contest": contest, "scope": scope, "scopes": await scope_choices(db, request.user),
            "locale": current_locale.get()}


@get("/reports", guards=[requires_staff])
async def report_list(request: Request, db: DB) -> Response:
    return render(request, "reports/list.html", {"contests": await reportable_contests(db, request.user),
                                                 "games": await managed_games(db, request.user, ended_only=True),
                                                 "locale": current_locale.get()})


@get("/reports/contests/{contest_id:int}", guards=[requires_staff])
async def overview(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    """Competence profile, score distribution and participation of the scope, as charts and tables."""
    contest, scope = await _report(request, db, contest_id)
    profile = await profile_of(db, contest, scope)
    rows = await results_of(db, contest, scope, (await _round(db, contest, None))[0])
    distribution = score_distribution(rows)
    schools = await participation.by_school(db, contest)
    if (school_ids := scope.school_ids()) is not None:
        allowed = set(await db.scalars(school_ids))
        schools = [s for s in schools if s.id in allowed]
    charts = {
        "domains": bars(_("Mastery by domain"), profile.levels,
                        [(domain_name(int(m.code)), m.values) for m in profile.domains], format_percent, maximum=1.0),
        "distribution": bars(_("Pupils by share of right answers"), [scope.name],
                             [(f"{10 * n}–{10 * (n + 1)} %", [count]) for n, count in enumerate(distribution)], str),
        "participation": bars(_("Played ÷ enrolled by school"), [_("Played ÷ enrolled")],
                              [(s.name, [s.rate]) for s in schools], format_percent, maximum=1.0),
    }
    return render(request, "reports/overview.html", {
        **await _base_context(request, db, contest, scope), "profile": profile, "charts": charts,
        "distribution": distribution, "schools": schools, "districts": participation.by_district(schools),
        "pupils": len(rows)})


@get("/reports/contests/{contest_id:int}/results", guards=[requires_staff])
async def results_page(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest, scope = await _report(request, db, contest_id)
    round_, rounds = await _round(db, contest, request.query_params.get("round"))
    sort = request.query_params.get("sort", "rank")
    text = request.query_params.get("q", "").strip()
    rows = sorted_rows(matching(await results_of(db, contest, scope, round_) if round_ else [], text), sort)
    return render(request, "reports/results.html", {
        **await _base_context(request, db, contest, scope), "round": round_, "rounds": rounds, "sort": sort,
        "sorts": SORTS, "q": text, "rows": rows[:SHOWN_ROWS], "total": len(rows), "formats": exports.FORMATS,
    }, fragment="reports/_results.html")


@get("/reports/contests/{contest_id:int}/export", guards=[requires_staff])
async def export(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest, scope = await _report(request, db, contest_id)
    format_name = request.query_params.get("format", "csv")
    if format_name not in exports.FORMATS:
        raise NotFoundException()
    content = exports.export(await results_of(db, contest, scope), contest, scope, format_name)
    return Response(content, media_type=exports.MEDIA_TYPES[format_name], headers={
        "Content-Disposition": f'attachment; filename="{exports.file_name(contest, scope, format_name)}"'})


@get("/reports/contests/{contest_id:int}/items", guards=[requires_staff])
async def items_page(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest, scope = await _report(request, db, contest_id)
    round_, rounds = await _round(db, contest, request.query_params.get("round"))
    return render(request, "reports/items.html", {
        **await _base_context(request, db, contest, scope), "round": round_, "rounds": rounds,
        "items": await analyse_round(db, contest, round_, scope) if round_ else [], "min_answers": MIN_ANSWERS_FOR_FLAGS})


# Certificates.


async def _certificates_page(request: Request, db: DB, contest: Contest, *, status_code: int = 200) -> Response:
    return render(request, "reports/certificates.html", {
        "contest": contest, "locale": current_locale.get(), "closed": certificates.closed(contest),
        "template": await certificates.template_of(db, contest), "may_edit": await manages(db, request.user, contest),
        "schools": list(await db.scalars(schools_query(request.user)))}, status_code=status_code)


@get("/reports/contests/{contest_id:int}/certificates", guards=[requires_staff])
async def certificates_page(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    return await _certificates_page(request, db, await reportable_contest(db, request.user, contest_id))


@post("/reports/contests/{contest_id:int}/certificates/template", guards=[requires_staff])
async def save_template(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest = await reportable_contest(db, request.user, contest_id)
    if not await manages(db, request.user, contest):
        raise NotFoundException()
    form = await request.form()
    template = await db.get(CertificateTemplate, contest.id) or CertificateTemplate(contest_id=contest.id)
    for field in ("organiser_title", "signer_title", "signer_name"):
        setattr(template, field, str(form.get(field, "")).strip()[:200])
    db.add(template)
    await db.commit()
    return Redirect(path=f"/reports/contests/{contest.id}/certificates")


@post("/reports/contests/{contest_id:int}/certificates/batch", guards=[requires_staff])
async def start_batch(request: Request, db: DB, contest_id: FromPath[int]) -> Response:
    contest = await reportable_contest(db, request.user, contest_id)
    school = await visible_school(db, request.user, _int(str((await request.form()).get("school", ""))) or 0)
    if not certificates.closed(contest):  # the page says why
        return await _certificates_page(request, db, contest, status_code=409)
    token = await batches.start(request.app.state.redis, request.app.state.sessionmaker, contest, school.id,
                                request.user.id, str(request.base_url), current_locale.get())
    return Redirect(path=f"/reports/batches/{token}")


async def _batch(request: Request, token: str) -> batches.Progress:
    found = await batches.progress(request.app.state.redis, token, request.user.id)
    if found is None:
        raise NotFoundException()
    return found


@get("/reports/batches/{token:str}", guards=[requires_staff])
async def batch_page(request: Request, token: FromPath[str]) -> Response:
    return render(request, "reports/batch.html", {"batch": await _batch(request, token)}, fragment="reports/_batch.html")


@get("/reports/batches/{token:str}/pdf", guards=[requires_staff])
async def batch_pdf(request: Request, token: FromPath[str]) -> Response:
    batch = await _batch(request, token)
    content = await batches.document(request.app.state.redis, token)
    if content is None:
        raise NotFoundException()
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificates-contest-{batch.contest_id}.pdf"'})


@get("/verify/{code:str}")
async def verify(request: Request, db: DB, code: FromPath[str]) -> Response:
    """Public: confirms a certificate's holder, school, award and contest; an unknown code says so (404)."""
    found = await certificates.verified(db, code)
    if found is None:
        return render(request, "reports/verify.html", {"certificate": None, "code": code}, status_code=404)
    certificate, contest = found
    return render(request, "reports/verify.html", {
        "certificate": certificate, "contest": contest, "award": certificates.award_name(certificate.award),
        "code": certificate.code, "locale": current_locale.get()})


report_routes = [report_list, overview, results_page, export, items_page, certificates_page, save_template, start_batch,
                 batch_page, batch_pdf, verify]
