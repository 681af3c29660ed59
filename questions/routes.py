"""The bank in the browser: list and filters, authoring, preview, review, bulk actions, pictures."""

from __future__ import annotations

import secrets

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File, Redirect
from sqlalchemy import select

from contest.accounts.identity import requires_login, requires_staff
from contest.accounts.models import User
from contest.collation import name_key
from contest.db import DB
from contest.errors import Refused
from contest.i18n import gettext as _
from contest.web import render
from questions import content as taxonomy
from questions.authoring import MAX_OPTIONS, FormValues, near_duplicates, read_form
from questions.images import MEDIA_TYPES, image_path, store_image
from questions.kinds import kind_of, option_count
from questions.listing import Filters, page_of
from questions.models import Question, QuestionVersion, ReviewEvent, Status
from questions.review import TRANSITIONS, add_comment, apply_transition, may_edit, refusal, visible_question, visible_questions
from questions.statistics import statistics_of
from questions.store import Owner, create_question, current_data, update_question

BULK_ACTIONS = ("submit", "approve", "retire", "tag")


def form_context(**extra) -> dict:
    """What every authoring form needs to draw its choices."""
    return {
        "types": taxonomy.TYPES,
        "languages": taxonomy.LANGUAGES,
        "difficulties": taxonomy.DIFFICULTIES,
        "competence_codes": [f"{d}.{c}" for d, n in taxonomy.COMPETENCIES.items() for c in range(1, n + 1)],
        "max_options": MAX_OPTIONS,
        **extra,
    }


async def _form_values(request: Request) -> tuple[FormValues, UploadFile | None]:
    form = await request.form()
    upload = form.get("image_file")
    values = {key: [v for v in form.getall(key) if isinstance(v, str)] for key in form.keys()}
    return FormValues(values), upload if isinstance(upload, UploadFile) and upload.filename else None


async def _authors(db: DB, request: Request) -> list[User]:
    visible = visible_questions(request.user).with_only_columns(Question.author_id).distinct()
    return sorted(await db.scalars(select(User).where(User.id.in_(visible))), key=lambda user: name_key(user.full_name))


@get("/questions", guards=[requires_staff])
async def question_list(request: Request, db: DB) -> Response:
    filters = Filters.from_query(request.query_params)
    page = await page_of(db, visible_questions(request.user), filters)
    return render(request, "questions/list.html",
                  form_context(page=page, filters=filters, statuses=list(Status), authors=await _authors(db, request),
                               notice=None),
                  fragment="questions/_list.html")


@post("/questions/bulk", guards=[requires_staff])
async def bulk_action(request: Request, db: DB) -> Response:
    form, _upload = await _form_values(request)
    action, ids = form.get("action"), [int(i) for i in form.all("ids") if i.isdigit()]
    if action not in BULK_ACTIONS or not ids:
        raise Refused(detail=_("Choose questions and an action."))
    done, refused = 0, 0
    questions = list(await db.scalars(visible_questions(request.user).where(Question.id.in_(ids))))
    if len(questions) != len(set(ids)):
        raise NotFoundException()  # some of them are not this user's to see
    for question in questions:
        if action == "tag":
            tag = form.get("tag").strip().casefold()
            if tag and await may_edit(db, request.user, question):
                data = await current_data(db, question)
                if tag not in data.tags:
                    data.tags.append(tag)
                    await update_question(db, question, data, editor=request.user)
                done += 1
            else:
                refused += 1
            continue
        transition = TRANSITIONS[action]
        if refusal(request.user, question, transition, await may_edit(db, request.user, question), "") is None:
            await apply_transition(db, request.user, question, action)
            done += 1
        else:
            refused += 1
    await db.commit()
    notice = _("%(done)d done, %(refused)d not allowed or not at that step.", done=done, refused=refused)
    filters = Filters.from_query(request.query_params)
    page = await page_of(db, visible_questions(request.user), filters)
    return render(request, "questions/list.html",
                  form_context(page=page, filters=filters, statuses=list(Status), authors=await _authors(db, request),
                               notice=notice),
                  fragment="questions/_list.html")


async def _save_image(request: Request, form: FormValues, upload: UploadFile | None) -> FormValues:
    if upload is None:
        return form
    name = store_image(request.app.state.settings.upload_dir, await upload.read())
    return FormValues({**form.values, "image": [name]})


async def _editor_page(request: Request, db: DB, form: FormValues, *, question: Question | None, status_code: int = 200,
                       problems=(), duplicates=()) -> Response:
    data, _found = read_form(form)
    return render(request, "questions/edit.html",
                  form_context(question=question, data=data, problems=list(problems), duplicates=list(duplicates)),
                  status_code=status_code)


@get("/questions/new", guards=[requires_staff])
async def new_question(request: Request, db: DB) -> Response:
    values: dict[str, list[str]] = {"type": [request.query_params.get("type", "single_choice")]}
    if (source_id := request.query_params.get("translation_of", "")).isdigit():
        source = await visible_question(db, request.user, int(source_id))
        data = await current_data(db, source)
        values |= {"type": [data.type], "language": ["en" if data.language == "vi" else "vi"],
                   "competences": data.competences, "level_min": [str(data.level_min)], "level_max": [str(data.level_max)],
                   "difficulty": [data.difficulty], "tags": [", ".join(data.tags)], "translation_of": [source_id]}
    return await _editor_page(request, db, FormValues(values), question=None)


async def _check_and_warn(request: Request, db: DB, form: FormValues, exclude_id: int | None):
    data, problems = read_form(form)
    duplicates = [] if form.get("confirm_duplicate") == "true" else await near_duplicates(
        db, visible_questions(request.user), data, exclude_id=exclude_id)
    return data, problems, duplicates


@post("/questions/check", guards=[requires_staff])
async def check_question(request: Request, db: DB) -> Response:
    """Inline validation while typing: what is wrong, and questions that look the same."""
    form, _upload = await _form_values(request)
    question_id = form.get("question_id")
    _data, problems, duplicates = await _check_and_warn(request, db, form, int(question_id) if question_id.isdigit() else None)
    return render(request, "questions/_check.html", {"problems": problems, "duplicates": duplicates})


async def _link_translation(db: DB, request: Request, question: Question, source_id: str) -> None:
    if source_id.isdigit():
        source = await visible_question(db, request.user, int(source_id))
        if source.language != question.language:
            question.translation_id, source.translation_id = source.id, question.id


@post("/questions/new", guards=[requires_staff])
async def create(request: Request, db: DB) -> Response:
    form, upload = await _form_values(request)
    form = await _save_image(request, form, upload)
    data, problems, duplicates = await _check_and_warn(request, db, form, None)
    if problems or duplicates:
        return await _editor_page(request, db, form, question=None, status_code=400, problems=problems, duplicates=duplicates)
    question = await create_question(db, data, author=request.user, owner=Owner.of(request.user))
    await db.flush()
    await _link_translation(db, request, question, form.get("translation_of"))
    await db.commit()
    return Redirect(path=f"/questions/{question.id}")


async def _editable(db: DB, request: Request, question_id: int) -> Question:
    question = await visible_question(db, request.user, question_id)
    if not await may_edit(db, request.user, question):
        raise Refused(detail=_("This question is outside your school or area."), status_code=403)
    return question


def _values_of(data: taxonomy.QuestionData, question: Question) -> FormValues:
    values: dict[str, list[str]] = {
        "type": [data.type], "language": [data.language], "stem": [data.stem], "explanation": [data.explanation],
        "answers": ["\n".join(data.answers)], "ignore_diacritics": ["true" if data.ignore_diacritics else ""],
        "answer_true": [{True: "true", False: "false"}.get(data.answer_true, "")],
        "numeric_answer": ["" if data.numeric_answer is None else f"{data.numeric_answer:g}"],
        "tolerance": [f"{data.tolerance:g}"], "competences": data.competences, "level_min": [str(data.level_min)],
        "level_max": [str(data.level_max)], "difficulty": [data.difficulty], "tags": [", ".join(data.tags)],
        "key": [data.key], "image": [data.image], "question_id": [str(question.id)],
        "correct": [str(n) for n, option in enumerate(data.options, start=1) if option.correct],
    }
    for n, option in enumerate(data.options, start=1):
        values[f"option_{n}"], values[f"match_{n}"] = [option.text], [option.match]
    return FormValues(values)


@get("/questions/{question_id:int}/edit", guards=[requires_staff])
async def edit_question(request: Request, db: DB, question_id: FromPath[int]) -> Response:
    question = await _editable(db, request, question_id)
    data = await current_data(db, question)
    return await _editor_page(request, db, _values_of(data, question), question=question)


@post("/questions/{question_id:int}/edit", guards=[requires_staff])
async def save_question(request: Request, db: DB, question_id: FromPath[int]) -> Response:
    question = await _editable(db, request, question_id)
    form, upload = await _form_values(request)
    form = await _save_image(request, form, upload)
    data, problems, duplicates = await _check_and_warn(request, db, form, question.id)
    if problems or duplicates:
        return await _editor_page(request, db, form, question=question, status_code=400, problems=problems,
                                  duplicates=duplicates)
    await update_question(db, question, data, editor=request.user)
    await db.commit()
    return Redirect(path=f"/questions/{question.id}")


@get("/questions/{question_id:int}", guards=[requires_staff])
async def question_detail(request: Request, db: DB, question_id: FromPath[int]) -> Response:
    question = await visible_question(db, request.user, question_id)
    data = await current_data(db, question)
    events = list(await db.scalars(select(ReviewEvent).where(ReviewEvent.question_id == question.id)
                                   .order_by(ReviewEvent.id)))
    actors = {u.id: u for u in await db.scalars(select(User).where(User.id.in_({e.actor_id for e in events} - {None})))}
    editable = await may_edit(db, request.user, question)
    actions = [t for t in TRANSITIONS.values() if t.source is question.status
               and refusal(request.user, question, t, editable, "comment") is None]
    versions = await db.scalar(select(QuestionVersion.number).where(QuestionVersion.question_id == question.id)
                               .order_by(QuestionVersion.number.desc()).limit(1))
    translation = await db.get(Question, question.translation_id) if question.translation_id else None
    stats = (await statistics_of(db, [question.id]))[question.id]
    return render(request, "questions/detail.html", {
        "stats": stats,
        "question": question, "data": data, "events": events, "actors": actors, "editable": editable,
        "actions": actions, "versions": versions, "translation": translation,
        "answer": kind_of(data).describe_answer(data),
    })


@post("/questions/{question_id:int}/review", guards=[requires_staff])
async def review(request: Request, db: DB, question_id: FromPath[int]) -> Response:
    question = await visible_question(db, request.user, question_id)
    form, _upload = await _form_values(request)
    if form.get("action") == "comment":
        await add_comment(db, request.user, question, form.get("comment"))
    else:
        await apply_transition(db, request.user, question, form.get("action"), form.get("comment"))
    await db.commit()
    return Redirect(path=f"/questions/{question.id}")


@get("/questions/{question_id:int}/preview", guards=[requires_staff])
async def preview(request: Request, db: DB, question_id: FromPath[int]) -> Response:
    """Exactly what a pupil's page shows (shuffled, opaque choices), then what they read after answering."""
    question = await visible_question(db, request.user, question_id)
    data = await current_data(db, question)
    order = list(range(option_count(data)))
    secrets.SystemRandom().shuffle(order)
    view = kind_of(data).play_view(data, order, [secrets.token_urlsafe(6) for _ in order])
    return render(request, "questions/preview.html", {"question": question, "data": data, "view": view,
                                                      "answer": kind_of(data).describe_answer(data)})


@get("/media/{name:str}", guards=[requires_login], include_in_schema=False)
async def media(request: Request, name: FromPath[str]) -> File:
    path = image_path(request.app.state.settings.upload_dir, name)
    if path is None:
        raise NotFoundException()
    return File(path=path, media_type=MEDIA_TYPES[path.suffix], content_disposition_type="inline",
                headers={"Cache-Control": "private, max-age=31536000, immutable"})


question_routes = [question_list, bulk_action, new_question, check_question, create, edit_question, save_question,
                   question_detail, review, preview, media]
