"""The privacy page (public), and a teacher's export and deletion of one pupil's data."""

from __future__ import annotations

import json
import logging

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser, requires_staff
from contest.accounts.models import Role, User
from contest.db import DB
from contest.errors import Refused
from contest.i18n import gettext as _
from contest.org.models import School, SchoolClass
from contest.org.scope import visible_class
from contest.play.models import Attempt
from contest.privacy.deletion import delete_pupil
from contest.privacy.export import pupil_data
from contest.progress.models import PracticeAnswer
from contest.web import render

logger = logging.getLogger("hoithi.privacy")


@get("/privacy")
async def privacy_page(request: Request) -> Response:
    return render(request, "privacy/policy.html", {"retention_days": request.app.state.settings.retention_days})


async def visible_pupil(db: AsyncSession, user: CurrentUser, pupil_id: int) -> User:
    """A pupil of a class the user may see; anyone else's pupil answers 404."""
    pupil = await db.scalar(select(User).where(User.id == pupil_id, User.role == Role.PUPIL))
    if pupil is None:
        raise NotFoundException()
    await visible_class(db, user, pupil.class_id)
    return pupil


@get("/pupils/{pupil_id:int}/data", guards=[requires_staff])
async def pupil_data_page(request: Request, db: DB, pupil_id: FromPath[int]) -> Response:
    pupil = await visible_pupil(db, request.user, pupil_id)
    school_class = await db.get(SchoolClass, pupil.class_id)
    return render(request, "privacy/pupil.html", {
        "pupil": pupil, "school_class": school_class, "school": await db.get(School, pupil.school_id),
        "attempts": await db.scalar(select(func.count(Attempt.id)).where(Attempt.pupil_id == pupil.id)),
        "practice": await db.scalar(select(func.count(PracticeAnswer.id)).where(PracticeAnswer.pupil_id == pupil.id)),
    })


@get("/pupils/{pupil_id:int}/data.json", guards=[requires_staff])
async def pupil_data_export(request: Request, db: DB, pupil_id: FromPath[int]) -> Response:
    pupil = await visible_pupil(db, request.user, pupil_id)
    data = await pupil_data(db, request.app.state.redis, pupil)
    logger.info("user %s exported the data of pupil %s", request.user.id, pupil.id)
    return Response(json.dumps(data, ensure_ascii=False, indent=2), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="hoithi-{pupil.username}.json"', "Cache-Control": "no-store"})


@post("/pupils/{pupil_id:int}/delete", guards=[requires_staff])
async def pupil_delete(request: Request, db: DB, pupil_id: FromPath[int]) -> Response:
    pupil = await visible_pupil(db, request.user, pupil_id)
    if (await request.form()).get("confirm") != "yes":
        raise Refused(detail=_("Tick the box to confirm that this pupil's data is to be deleted."))
    class_id = pupil.class_id
    state = request.app.state
    await delete_pupil(db, state.redis, state.sessions, pupil)
    logger.info("user %s deleted pupil %s", request.user.id, pupil_id)
    return Redirect(path=f"/classes/{class_id}")


privacy_routes = [privacy_page, pupil_data_page, pupil_data_export, pupil_delete]
