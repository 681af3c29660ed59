"""The starter bank: our own bilingual questions, complete, consistent and loadable."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from questions.kinds import fold
from questions.models import Question, Status
from questions.starter import load_starter, starter_questions

QUESTIONS = starter_questions()
BY_KEY = {q.key: q for q in QUESTIONS}
VIETNAMESE_LETTER = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.I)


def test_at_least_150_pairs_each_with_both_languages():
    pairs = Counter(q.key.rsplit("-", 1)[0] for q in QUESTIONS)
    assert len(pairs) >= 150
    assert set(pairs.values()) == {2}
    for q in QUESTIONS:
        assert BY_KEY[q.translation_key].translation_key == q.key


def test_every_question_is_valid_and_explains_itself():
    for q in QUESTIONS:
        assert q.problems() == [], (q.key, q.problems())
        assert len(q.explanation.split()) >= 8, f"{q.key}: explanation too short to teach"


def test_vietnamese_is_written_with_diacritics_and_english_is_really_english():
    english_words = {"the", "a", "an", "you", "your", "is", "what", "which", "to", "of"}
    for q in QUESTIONS:
        if q.language == "vi":
            assert VIETNAMESE_LETTER.search(q.stem + q.explanation), q.key
        else:
            assert english_words & set(re.findall(r"[a-z]+", q.stem.lower())), q.key
            assert q.stem != BY_KEY[q.translation_key].stem, q.key


def test_the_two_languages_agree_on_the_answer():
    for q in (q for q in QUESTIONS if q.language == "vi"):
        en = BY_KEY[q.translation_key]
        assert (q.type, q.competences, q.level_min, q.level_max, q.difficulty) == \
               (en.type, en.competences, en.level_min, en.level_max, en.difficulty), q.key
        assert [o.correct for o in q.options] == [o.correct for o in en.options], q.key
        assert (q.answer_true, q.numeric_answer, q.tolerance) == (en.answer_true, en.numeric_answer, en.tolerance), q.key


def test_every_domain_is_covered_with_most_weight_on_safety_and_evaluating_information():
    vi = [q for q in QUESTIONS if q.language == "vi"]
    domains = Counter(q.competences[0].split(".")[0] for q in vi)
    assert set(domains) == {"1", "2", "3", "4", "5", "6"}
    assert domains.most_common(1)[0][0] == "4"
    evaluating = sum(1 for q in vi if "1.2" in q.competences)
    assert evaluating >= 20
    levels = {level for q in vi for level in range(q.level_min, q.level_max + 1)}
    assert {1, 2, 3, 4, 5, 6} <= levels  # primary to upper secondary


def test_no_two_questions_share_a_stem_and_options_are_unique():
    stems = Counter((q.language, fold(q.stem)) for q in QUESTIONS)
    assert [stem for stem, n in stems.items() if n > 1] == []
    for q in QUESTIONS:
        texts = [fold(o.text) for o in q.options]
        assert len(set(texts)) == len(texts), q.key


def test_single_choice_has_exactly_one_right_answer_and_no_all_of_the_above():
    for q in QUESTIONS:
        if q.type == "single_choice":
            assert sum(o.correct for o in q.options) == 1, q.key
        for option in q.options:
            assert fold(option.text) not in {"tat ca cac dap an tren", "all of the above", "tat ca deu dung"}, q.key


async def test_loading_twice_gives_the_same_approved_linked_bank(db: AsyncSession):
    first = await load_starter(db)
    assert first["created"] == len(QUESTIONS)
    second = await load_starter(db)
    assert second == {"created": 0, "updated": 0, "unchanged": len(QUESTIONS)}
    assert await db.scalar(select(func.count()).select_from(Question)) == len(QUESTIONS)
    assert await db.scalar(select(func.count()).where(Question.status != Status.APPROVED)) == 0
    assert await db.scalar(select(func.count()).where(Question.translation_id.is_(None))) == 0
