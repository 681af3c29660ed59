"""Importing question files into the bank: all or nothing, no duplicates, fast for large files.

A question with a key replaces the content of the question with that key (a new version once pupils
have met it). A question without a key is skipped when the bank already holds one with the same
content (its fingerprint), so importing the same file twice creates nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.i18n import gettext as _
from contest.importing import ImportFailed, ImportReport, Problem
from questions.formats import FORMATS
from questions.models import Question, QuestionVersion, Status
from questions.review import editable_clause, visible_questions
from questions.content import QuestionData
from questions.store import Owner, fingerprint, from_content, insert_questions, update_question

BATCH = 500  # questions added between flushes


async def import_questions(
    db: AsyncSession, data: bytes, format_name: str, *, user: CurrentUser | None = None, status: Status = Status.DRAFT,
    dry_run: bool = False, skip_unsupported: bool = False, progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    result = FORMATS[format_name].parse(data)
    report = ImportReport(dry_run=dry_run, problems=list(result.problems))
    if result.unsupported:
        if skip_unsupported:
            report.skipped = list(result.unsupported)
        else:
            hint = _("question type not supported (use “skip unsupported” to import the rest)")
            report.problems += [Problem(p.line, None, f"{p.message}: {hint}") for p in result.unsupported]
    visible = select(Question) if user is None else visible_questions(user)
    keys = [q.data.key for q in result.questions if q.data.key]
    by_key = await _questions_by_key(db, keys)
    editable_ids: set[int] = set()
    if by_key and user is not None:
        editable_ids = set(await db.scalars(select(Question.id).where(Question.key.in_(keys), editable_clause(user))))
    for parsed in result.questions:
        existing = by_key.get(parsed.data.key)
        if existing is not None and user is not None and existing.id not in editable_ids:
            report.problems.append(Problem(parsed.line, "key", _("key %(key)s belongs to a question outside your area",
                                                                  key=parsed.data.key)))
    if report.problems:
        report.problems.sort(key=lambda problem: problem.line)
        raise ImportFailed(report)

    known = set(await db.scalars(visible.with_only_columns(Question.fingerprint)))
    new: list[QuestionData] = []
    try:
        for done, parsed in enumerate(result.questions, start=1):
            question = by_key.get(parsed.data.key)
            if question is not None:
                if not parsed.data.image:  # formats without pictures (CSV, Aiken) keep the one the bank has
                    current = await db.get(QuestionVersion, question.current_version_id)
                    parsed.data.image = current.content.get("image", "")
                if await update_question(db, question, parsed.data, editor=user):
                    report.count_updated("questions")
                else:
                    report.unchanged += 1
            elif fingerprint(parsed.data) in known:
                report.unchanged += 1
            else:
                known.add(fingerprint(parsed.data))
                new.append(parsed.data)
            if progress and done % BATCH == 0:
                progress(done, len(result.questions))
        ids = await insert_questions(db, new, author=user, owner=Owner.of(user), status=status)
        report.created = {"questions": len(ids)} if ids else {}
        key_ids = {key: question.id for key, question in by_key.items()} | {d.key: i for d, i in zip(new, ids) if d.key}
        await _link_translations(db, result.questions, key_ids)
        if progress:
            progress(len(result.questions), len(result.questions))
    except BaseException:
        await db.rollback()
        raise
    await (db.rollback() if dry_run else db.commit())
    return report


async def _questions_by_key(db: AsyncSession, keys: list[str]) -> dict[str, Question]:
    """Existing questions named by these keys, including the `hoithi-<id>` keys our exports give keyless ones."""
    found = {q.key: q for q in await db.scalars(select(Question).where(Question.key.in_(keys)))} if keys else {}
    by_id = {int(key.removeprefix("hoithi-")): key for key in keys
             if key not in found and key.startswith("hoithi-") and key.removeprefix("hoithi-").isdigit()}
    if by_id:
        for question in await db.scalars(select(Question).where(Question.id.in_(by_id), Question.key.is_(None))):
            found[by_id[question.id]] = question
    return found


async def _link_translations(db: AsyncSession, parsed: list, key_ids: dict[str, int]) -> None:
    wanted = {q.data.key: q.data.translation_key for q in parsed if q.data.key and q.data.translation_key}
    missing = sorted(set(wanted.values()) - set(key_ids))
    if missing:
        key_ids = key_ids | {key: q.id for key, q in (await _questions_by_key(db, missing)).items()}
    links = [{"id": key_ids[key], "translation_id": key_ids[other]} for key, other in wanted.items()
             if key in key_ids and other in key_ids]
    if links:
        await db.execute(update(Question), links)


def export_key(question_id: int, key: str | None) -> str:
    """A question's identity in exported files: its own key, or one made from its id."""
    return key or f"hoithi-{question_id}"


async def export_questions(db: AsyncSession, query, format_name: str) -> bytes:
    """The questions `query` selects, current versions, in the given format (may raise UnsupportedForFormat).

    Every exported question carries a key and its translation's key, so importing the file into
    another bank recreates the pairs, and importing it back here changes nothing."""
    rows = list(await db.execute(
        query.with_only_columns(Question.id, Question.key, Question.translation_id, QuestionVersion.content)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id).order_by(Question.id)
    ))
    keys = {question_id: export_key(question_id, key) for question_id, key, _t, _c in rows}
    missing = {t for _i, _k, t, _c in rows if t and t not in keys}
    if missing:
        keys |= {i: export_key(i, k) for i, k in await db.execute(select(Question.id, Question.key).where(Question.id.in_(missing)))}
    questions = []
    for question_id, _key, translation_id, content in rows:
        data = from_content(content)
        data.key = keys[question_id]
        data.translation_key = keys.get(translation_id, "") if translation_id else ""
        questions.append(data)
    return FORMATS[format_name].write(questions)
