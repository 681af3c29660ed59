"""The bank's list: filters a teacher can combine, and pages of it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from questions.content import COMPETENCE_CODE, DIFFICULTIES, LANGUAGES, TYPES
from questions.kinds import fold
from questions.models import Question, Status

PAGE_SIZE = 25


@dataclass
class Filters:
    q: str = ""  # words of the text; "mat khau" finds "mật khẩu"
    domain: str = ""
    competence: str = ""
    level: str = ""
    difficulty: str = ""
    type: str = ""
    status: str = ""
    language: str = ""
    author: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, params) -> Filters:
        values = {f.name: params.get(f.name, "") for f in fields(cls) if f.name != "page"}
        page = params.get("page", "1")
        return cls(**values, page=int(page) if str(page).isdigit() and int(page) > 0 else 1)

    def apply(self, query: Select[tuple[Question]]) -> Select[tuple[Question]]:
        for word in fold(self.q).split()[:8]:
            query = query.where(Question.search_text.contains(word))
        if self.domain in {"1", "2", "3", "4", "5", "6"}:
            query = query.where(Question.competences.contains(f",{self.domain}."))
        if COMPETENCE_CODE.match(self.competence):
            query = query.where(Question.competences.contains(f",{self.competence},"))
        if self.level.isdigit():
            query = query.where(Question.level_min <= int(self.level), Question.level_max >= int(self.level))
        if self.difficulty in DIFFICULTIES:
            query = query.where(Question.difficulty == self.difficulty)
        if self.type in TYPES:
            query = query.where(Question.type == self.type)
        if self.status in {s.value for s in Status}:
            query = query.where(Question.status == Status(self.status))
        if self.language in LANGUAGES:
            query = query.where(Question.language == self.language)
        if self.author.isdigit():
            query = query.where(Question.author_id == int(self.author))
        return query

    def as_hidden_fields(self) -> list[tuple[str, str]]:
        return [(f.name, str(getattr(self, f.name))) for f in fields(self) if f.name != "page" and getattr(self, f.name)]

    def query_string(self, **changes) -> str:
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        return urlencode({k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)})


@dataclass(frozen=True)
class Page:
    questions: list[Question]
    total: int
    number: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


async def page_of(db: AsyncSession, visible: Select[tuple[Question]], filters: Filters) -> Page:
    query = filters.apply(visible)
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = await db.scalars(query.order_by(Question.updated_at.desc(), Question.id.desc())
                            .offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return Page(list(rows), total, filters.page)
