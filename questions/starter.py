"""The starter bank: our own bilingual questions (questions/starter/*.json), loaded approved.

Each pair in the files becomes two linked questions, `<key>-vi` and `<key>-en`. Loading again
updates changed questions in place (or as new versions, once pupils have met them) and creates
nothing twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from questions.content import Option, QuestionData
from questions.models import Question, Status
from questions.store import Owner, create_question, record, update_question

STARTER_DIR = Path(__file__).parent / "starter"
LANGUAGE_FIELDS = ("stem", "explanation", "answers", "ignore_diacritics")


def _language_version(pair: dict, language: str) -> QuestionData:
    block = pair[language]
    other = "en" if language == "vi" else "vi"
    data = QuestionData(
        type=pair["type"],
        stem=block["stem"],
        language=language,
        options=[Option(text=o["text"], correct=bool(o.get("correct"))) for o in block.get("options", [])],
        answers=list(block.get("answers", [])),
        ignore_diacritics=bool(block.get("ignore_diacritics", pair.get("ignore_diacritics", False))),
        explanation=block.get("explanation", ""),
        competences=list(pair["competences"]),
        level_min=pair["level_min"],
        level_max=pair["level_max"],
        difficulty=pair["difficulty"],
        tags=list(pair.get("tags", [])),
        key=f"{pair['key']}-{language}",
        translation_key=f"{pair['key']}-{other}",
    )
    answer = block.get("answer", pair.get("answer"))
    if data.type == "true_false":
        data.answer_true = bool(answer)
    elif data.type == "numeric":
        data.numeric_answer = float(answer)
        data.tolerance = float(block.get("tolerance", pair.get("tolerance", 0)))
    return data


def starter_questions() -> list[QuestionData]:
    questions = []
    for path in sorted(STARTER_DIR.glob("*.json")):
        for pair in json.loads(path.read_text(encoding="utf-8")):
            questions += [_language_version(pair, "vi"), _language_version(pair, "en")]
    return questions


async def load_starter(db: AsyncSession) -> dict[str, int]:
    """Create or update every starter question, approved and linked to its translation."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    questions = starter_questions()
    existing = {q.key: q for q in await db.scalars(select(Question).where(Question.key.in_([d.key for d in questions])))}
    for data in questions:
        question = existing.get(data.key)
        if question is None:
            existing[data.key] = await create_question(db, data, author=None, owner=Owner(), status=Status.APPROVED)
            counts["created"] += 1
        elif await update_question(db, question, data, editor=None):
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        if existing[data.key].status is not Status.APPROVED:
            record(db, existing[data.key], None, Status.APPROVED, "starter bank")
    await db.flush()
    for data in questions:
        existing[data.key].translation_id = existing[data.translation_key].id
    await db.commit()
    return counts
