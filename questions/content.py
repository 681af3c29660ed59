"""A question's content as plain data, independent of the database and of any file format.

Every import format parses into `QuestionData` and every export writes from it; the bank stores it
as a version (see questions/models.py). `problems()` is the one place that says what a valid
question is, so the web form, the importers and the starter bank all apply the same rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from contest.i18n import gettext as _

TYPES = ("single_choice", "multiple_response", "true_false", "short_text", "numeric", "ordering", "matching")
CHOICE_TYPES = ("single_choice", "multiple_response")
LANGUAGES = ("vi", "en")
DIFFICULTIES = ("easy", "medium", "hard")
# Digital Competence Framework (Circular 02/2025/TT-BGDĐT): domain → number of competencies.
COMPETENCIES = {1: 3, 2: 6, 3: 4, 4: 4, 5: 4, 6: 3}
COMPETENCE_CODE = re.compile(r"^([1-6])\.([1-9])$")


def is_competence(code: str) -> bool:
    match = COMPETENCE_CODE.match(code)
    return bool(match) and int(match.group(2)) <= COMPETENCIES[int(match.group(1))]


@dataclass
class Option:
    text: str
    correct: bool = False
    feedback: str = ""
    # For matching questions: the right-hand item this left-hand `text` pairs with.
    match: str = ""


@dataclass
class QuestionData:
    type: str
    stem: str
    language: str = "vi"
    # single_choice / multiple_response: options with `correct` flags.
    # ordering: options in their correct order. matching: options pairing `text` with `match`.
    options: list[Option] = field(default_factory=list)
    # short_text: accepted answers, compared ignoring case and spacing (and diacritics when allowed).
    answers: list[str] = field(default_factory=list)
    ignore_diacritics: bool = False
    # true_false
    answer_true: bool | None = None
    # numeric: correct when |given - numeric_answer| <= tolerance
    numeric_answer: float | None = None
    tolerance: float = 0.0
    explanation: str = ""
    competences: list[str] = field(default_factory=list)
    level_min: int = 1
    level_max: int = 8
    difficulty: str = "medium"
    tags: list[str] = field(default_factory=list)
    # A stable external identity: re-importing a question with the same key updates it instead of
    # creating a duplicate. Formats without one (Aiken, most GIFT) leave it empty.
    key: str = ""
    # The key of the same question in the other language, if any.
    translation_key: str = ""
    title: str = ""
    # An uploaded picture: the stored file's content-hashed name (see questions/images.py).
    image: str = ""

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for everything wrong; empty when the question is valid."""
        found: list[tuple[str, str]] = []
        if self.type not in TYPES:
            return [("type", _("unknown question type “%(type)s”", type=self.type))]
        if not self.stem.strip():
            found.append(("stem", _("the question text is empty")))
        if self.language not in LANGUAGES:
            found.append(("language", _("language must be one of %(choices)s", choices=", ".join(LANGUAGES))))
        if self.difficulty not in DIFFICULTIES:
            found.append(("difficulty", _("difficulty must be one of %(choices)s", choices=", ".join(DIFFICULTIES))))
        if not (1 <= self.level_min <= self.level_max <= 8):
            found.append(("level", _("levels must satisfy 1 ≤ level_min ≤ level_max ≤ 8")))
        for code in self.competences:
            if not is_competence(code):
                found.append(("competences", _("“%(code)s” is not a competence code of the framework (D.C, e.g. 4.2)", code=code)))
        found.extend(self._answer_problems())
        return found

    def _answer_problems(self) -> list[tuple[str, str]]:
        texts = [option.text.strip() for option in self.options]
        if self.type in CHOICE_TYPES or self.type in ("ordering", "matching"):
            if any(not text for text in texts):
                return [("options", _("an option is empty"))]
            if len(set(texts)) != len(texts):
                return [("options", _("two options have the same text"))]
        correct = sum(option.correct for option in self.options)
        if self.type == "single_choice":
            if len(self.options) < 2:
                return [("options", _("a single-choice question needs at least 2 options"))]
            if correct != 1:
                return [("options", _("a single-choice question needs exactly 1 correct option, not %(count)d", count=correct))]
        elif self.type == "multiple_response":
            if len(self.options) < 3:
                return [("options", _("a multiple-response question needs at least 3 options"))]
            if correct < 1:
                return [("options", _("a multiple-response question needs at least 1 correct option"))]
        elif self.type == "true_false":
            if self.answer_true is None:
                return [("answer", _("a true/false question needs its answer"))]
        elif self.type == "short_text":
            if not any(answer.strip() for answer in self.answers):
                return [("answers", _("a short-answer question needs at least 1 accepted answer"))]
        elif self.type == "numeric":
            if self.numeric_answer is None or not math.isfinite(self.numeric_answer):
                return [("answer", _("a numeric question needs its answer"))]
            if not math.isfinite(self.tolerance) or self.tolerance < 0:
                return [("tolerance", _("the tolerance cannot be negative"))]
        elif self.type == "ordering":
            if len(self.options) < 2:
                return [("options", _("an ordering question needs at least 2 items"))]
        elif self.type == "matching":
            if len(self.options) < 2 or any(not option.match.strip() for option in self.options):
                return [("options", _("a matching question needs at least 2 pairs, each with both sides"))]
        return []
