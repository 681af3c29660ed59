"""Saving questions: content in versions, searchable facts on the question row, every step recorded."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contest.accounts.identity import CurrentUser
from contest.accounts.models import Role
from questions.content import Option, QuestionData
from questions.kinds import fold
from contest.db import utcnow
from questions.models import Question, QuestionVersion, ReviewEvent, Status


def to_content(data: QuestionData) -> dict:
    return dataclasses.asdict(data)


def from_content(content: dict) -> QuestionData:
    fields = {f.name for f in dataclasses.fields(QuestionData)}
    values = {name: value for name, value in content.items() if name in fields}
    values["options"] = [Option(**option) for option in content.get("options", [])]
    return QuestionData(**values)


async def current_data(db: AsyncSession, question: Question) -> QuestionData:
    """The content of a question's current version."""
    return from_content((await db.get(QuestionVersion, question.current_version_id)).content)


def fingerprint(data: QuestionData) -> str:
    """The same question, whatever its spacing, case or option order, has the same fingerprint."""
    parts = [data.type, data.language, fold(data.stem, diacritics=True)]
    parts += sorted(fold(o.text, diacritics=True) + ("*" if o.correct else "") + "→" + o.match for o in data.options)
    parts += sorted(fold(answer, diacritics=True) for answer in data.answers)
    parts += [repr(data.answer_true), repr(data.numeric_answer), repr(data.tolerance)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def search_text(data: QuestionData) -> str:
    words = [data.stem, *(o.text for o in data.options), *(o.match for o in data.options), *data.answers, *data.tags,
             data.explanation]
    return fold(" ".join(w for w in words if w))


def _joined(values: list[str]) -> str:
    return "," + ",".join(values) + "," if values else ""


def _copy_facts(question: Question, data: QuestionData) -> None:
    for name, value in _facts(data).items():
        setattr(question, name, value)


@dataclass(frozen=True)
class Owner:
    school_id: int | None = None
    district_id: int | None = None
    province_id: int | None = None

    @classmethod
    def of(cls, user: CurrentUser | None) -> Owner:
        """A teacher's questions belong to their school, an organiser's to their district or province."""
        if user is None:
            return cls()
        if user.role is Role.TEACHER:
            return cls(school_id=user.school_id)
        if user.district_id is not None:
            return cls(district_id=user.district_id)
        return cls(province_id=user.province_id)


def record(db: AsyncSession, question: Question, actor: CurrentUser | None, to_status: Status | None,
           comment: str = "") -> None:
    """Note a status change (or, with to_status None, a comment) in the question's history."""
    from_status = question.status if to_status is not None else None
    db.add(ReviewEvent(question=question, actor_id=actor.id if actor else None, from_status=from_status,
                       to_status=to_status, comment=comment))
    if to_status is not None:
        question.status = to_status


def _facts(data: QuestionData) -> dict:
    return {
        "type": data.type, "language": data.language, "competences": _joined(data.competences),
        "level_min": data.level_min, "level_max": data.level_max, "difficulty": data.difficulty,
        "tags": _joined([fold(tag, diacritics=True) for tag in data.tags]), "stem": data.stem,
        "search_text": search_text(data), "fingerprint": fingerprint(data), "key": data.key or None,
    }


async def insert_questions(db: AsyncSession, questions: list[QuestionData], *, author: CurrentUser | None,
                           owner: Owner, status: Status = Status.DRAFT) -> list[int]:
    """Create questions with their first versions and history in a few bulk statements; their ids, in order.

    Bulk statements (not one ORM object each) keep a 10,000-question import to seconds."""
    if not questions:
        return []
    author_id = author.id if author else None
    now = utcnow()
    rows = [{**_facts(data), **dataclasses.asdict(owner), "author_id": author_id, "status": status,
             "created_at": now, "updated_at": now} for data in questions]
    ids = list(await db.scalars(insert(Question).returning(Question.id, sort_by_parameter_order=True), rows))
    versions = [{"question_id": qid, "number": 1, "content": to_content(data), "created_by_id": author_id,
                 "created_at": now, "frozen": False} for qid, data in zip(ids, questions)]
    version_ids = list(await db.scalars(insert(QuestionVersion).returning(QuestionVersion.id, sort_by_parameter_order=True),
                                        versions))
    await db.execute(update(Question), [{"id": qid, "current_version_id": vid} for qid, vid in zip(ids, version_ids)])
    steps = [(None, Status.DRAFT)] + ([(Status.DRAFT, status)] if status is not Status.DRAFT else [])
    await db.execute(insert(ReviewEvent), [{"question_id": qid, "actor_id": author_id, "from_status": source,
                                            "to_status": target, "comment": "", "at": now}
                                           for qid in ids for source, target in steps])
    return ids


async def create_question(db: AsyncSession, data: QuestionData, *, author: CurrentUser | None, owner: Owner,
                          status: Status = Status.DRAFT) -> Question:
    [question_id] = await insert_questions(db, [data], author=author, owner=owner, status=status)
    return await db.get_one(Question, question_id)


async def update_question(db: AsyncSession, question: Question, data: QuestionData, *, editor: CurrentUser | None) -> bool:
    """Save new content; False when nothing changed. A version a pupil has met is never changed: a new one is made."""
    current = await db.get(QuestionVersion, question.current_version_id)
    if to_content(data) == current.content:
        return False
    if current.frozen:
        newest = await db.scalar(select(QuestionVersion.number).where(QuestionVersion.question_id == question.id)
                                 .order_by(QuestionVersion.number.desc()).limit(1))
        version = QuestionVersion(question_id=question.id, number=newest + 1, content=to_content(data),
                                  created_by_id=editor.id if editor else None)
        db.add(version)
        await db.flush()
        question.current_version_id = version.id
    else:
        current.content = to_content(data)
    _copy_facts(question, data)
    # An approved question edited by someone who may not approve goes back to draft, to be reviewed again.
    if question.status is Status.APPROVED and editor is not None and not editor.can_review:
        record(db, question, editor, Status.DRAFT, "edited after approval")
    return True


async def freeze_versions(db: AsyncSession, version_ids: list[int]) -> None:
    """Called when pupils first meet these versions (an attempt draws them, a live game shows them)."""
    if version_ids:
        await db.execute(update(QuestionVersion).where(QuestionVersion.id.in_(version_ids), ~QuestionVersion.frozen)
                         .values(frozen=True))
