"""The authoring form: reading it into a QuestionData, checking it, and warning of near-duplicates."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.i18n import gettext as _
from questions.content import DIFFICULTIES, LANGUAGES, TYPES, Option, QuestionData
from questions.kinds import fold
from questions.models import Question

MAX_OPTIONS = 6
DUPLICATE_SIMILARITY = 0.85  # difflib ratio of folded stems above which we warn


class FormValues:
    """Repeated form fields (check boxes) keep all their values; everything else its first."""

    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self.values = values

    def get(self, name: str, default: str = "") -> str:
        found = self.values.get(name) or [default]
        return found[0].strip()

    def all(self, name: str) -> list[str]:
        return [value.strip() for value in self.values.get(name, []) if value.strip()]


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ".")) if text else None
    except ValueError:
        return None


def _int(text: str, default: int) -> int:
    return int(text) if text.isdigit() else default


def read_form(form: FormValues) -> tuple[QuestionData, list[tuple[str, str]]]:
    """The question the form describes, and what is wrong with it (field, message)."""
    problems: list[tuple[str, str]] = []
    kind = form.get("type", "single_choice")
    correct = set(form.all("correct"))
    options = []
    for n in range(1, MAX_OPTIONS + 1):
        text = form.get(f"option_{n}")
        if text:
            options.append(Option(text=text, correct=str(n) in correct, match=form.get(f"match_{n}")))
    numeric = _number(form.get("numeric_answer"))
    if form.get("numeric_answer") and numeric is None:
        problems.append(("numeric_answer", _("“%(value)s” is not a number", value=form.get("numeric_answer"))))
    tolerance = _number(form.get("tolerance")) or 0.0
    true_false = form.get("answer_true")
    data = QuestionData(
        type=kind if kind in TYPES else "single_choice",
        stem=form.get("stem"),
        language=form.get("language", "vi") if form.get("language", "vi") in LANGUAGES else "vi",
        options=options if kind not in ("true_false", "short_text", "numeric") else [],
        answers=[line.strip() for line in form.get("answers").splitlines() if line.strip()] if kind == "short_text" else [],
        ignore_diacritics=form.get("ignore_diacritics") == "true",
        answer_true={"true": True, "false": False}.get(true_false) if kind == "true_false" else None,
        numeric_answer=numeric if kind == "numeric" else None,
        tolerance=tolerance if kind == "numeric" else 0.0,
        explanation=form.get("explanation"),
        competences=form.all("competences"),
        level_min=_int(form.get("level_min"), 1),
        level_max=_int(form.get("level_max"), 8),
        difficulty=form.get("difficulty", "medium") if form.get("difficulty") in DIFFICULTIES else "medium",
        tags=[tag.strip() for tag in form.get("tags").split(",") if tag.strip()],
        key=form.get("key"),
        image=form.get("image"),
    )
    if not data.competences:
        problems.append(("competences", _("choose at least one competence")))
    if not data.explanation:
        problems.append(("explanation", _("write an explanation: pupils read it after answering")))
    return data, problems + data.problems()


async def near_duplicates(db: AsyncSession, among: Select[tuple[Question]], data: QuestionData, *,
                          exclude_id: int | None = None, limit: int = 3) -> list[Question]:
    """Questions (of those `among` selects) in the same language whose text is nearly this one's."""
    folded = fold(data.stem)
    words = sorted({word for word in folded.split() if len(word) > 3}, key=len, reverse=True)[:2]
    if not words:
        return []
    query = among.where(Question.language == data.language)
    for word in words:  # cheap pre-filter on the longest words, then a real comparison
        query = query.where(Question.search_text.contains(word))
    if exclude_id is not None:
        query = query.where(Question.id != exclude_id)
    candidates = await db.scalars(query.limit(200))
    scored = [(difflib.SequenceMatcher(None, folded, fold(q.stem)).ratio(), q) for q in candidates]
    return [q for ratio, q in sorted(scored, key=lambda pair: -pair[0]) if ratio >= DUPLICATE_SIMILARITY][:limit]
