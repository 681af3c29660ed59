"""Question files in the browser: upload with a preview of what will change, then confirm; and export."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException

from contest.accounts.identity import requires_staff
from contest.db import DB
from contest.errors import Refused
from contest.i18n import gettext as _
from contest.importing import ImportFailed
from contest.web import render
from questions.formats import FORMATS, UnsupportedForFormat, guess_format
from questions.importer import export_questions, import_questions
from questions.listing import Filters
from questions.models import Status
from questions.review import visible_questions

PREVIEW_LINES = 20
# Only these statuses may be chosen in the browser; approval goes through review.
UPLOAD_STATUSES = (Status.DRAFT, Status.IN_REVIEW)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MEDIA_TYPES = {"gift": "text/plain", "aiken": "text/plain", "csv": "text/csv", "json": "application/json"}


def _pending_path(request: Request, token: str) -> Path:
    """Where an uploaded file waits for confirmation; the user's id in the name keeps it theirs."""
    if not TOKEN.match(token):
        raise NotFoundException()
    return request.app.state.settings.data_dir / "pending-imports" / f"{request.user.id}-{token}"


def _options(form) -> tuple[str, Status, bool]:
    format_name = form.get("format", "")
    status = Status(form.get("status")) if form.get("status") in {s.value for s in UPLOAD_STATUSES} else Status.DRAFT
    return format_name, status, form.get("skip_unsupported") == "true"


@get("/questions/import", guards=[requires_staff])
async def import_page(request: Request) -> Response:
    return render(request, "questions/import.html", {"formats": list(FORMATS), "statuses": UPLOAD_STATUSES, "step": "upload"})


@post("/questions/import", guards=[requires_staff])
async def upload(request: Request, db: DB) -> Response:
    """Check the file as a dry run and show what would be created; keep it until the user confirms."""
    form = await request.form()
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        raise Refused(detail=_("Choose a file to upload."))
    format_name, status, skip = _options(form)
    format_name = format_name if format_name in FORMATS else guess_format(upload_file.filename)
    if format_name is None:
        raise Refused(detail=_("Cannot tell the file's format from its name: choose the format."))
    data = await upload_file.read()
    token = secrets.token_urlsafe(16)
    context = {"formats": list(FORMATS), "statuses": UPLOAD_STATUSES, "format": format_name, "status": status,
               "skip_unsupported": skip, "filename": upload_file.filename, "token": token, "step": "preview",
               "preview": [parsed.data for parsed in FORMATS[format_name].parse(data).questions[:PREVIEW_LINES]]}
    try:
        report = await import_questions(db, data, format_name, user=request.user, status=status, dry_run=True,
                                        skip_unsupported=skip)
    except ImportFailed as failure:
        return render(request, "questions/import.html", context | {"report": failure.report}, status_code=400)
    path = _pending_path(request, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return render(request, "questions/import.html", context | {"report": report})


@post("/questions/import/confirm", guards=[requires_staff])
async def confirm(request: Request, db: DB) -> Response:
    form = await request.form()
    path = _pending_path(request, form.get("token", ""))
    if not path.exists():
        raise Refused(detail=_("This upload has expired or was already imported; upload the file again."))
    format_name, status, skip = _options(form)
    if format_name not in FORMATS:
        raise Refused(detail=_("Unknown file format."))
    try:
        report = await import_questions(db, path.read_bytes(), format_name, user=request.user, status=status,
                                        skip_unsupported=skip)
        status_code = 200
    except ImportFailed as failure:  # the bank changed since the preview
        report, status_code = failure.report, 400
    path.unlink(missing_ok=True)
    return render(request, "questions/import.html", {"formats": list(FORMATS), "statuses": UPLOAD_STATUSES,
                                                     "report": report, "step": "done"}, status_code=status_code)


@get("/questions/export", guards=[requires_staff])
async def export(request: Request, db: DB) -> Response:
    format_name = request.query_params.get("format", "json")
    if format_name not in FORMATS:
        raise Refused(detail=_("Unknown file format."))
    query = Filters.from_query(request.query_params).apply(visible_questions(request.user))
    try:
        data = await export_questions(db, query, format_name)
    except UnsupportedForFormat as misfit:
        raise Refused(detail=str(misfit)) from misfit
    filename = f"hoithi-questions{FORMATS[format_name].extension}"
    return Response(data, media_type=MEDIA_TYPES[format_name],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


transfer_routes = [import_page, upload, confirm, export]
