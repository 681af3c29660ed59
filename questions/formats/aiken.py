"""Moodle's Aiken format: the simplest way to type single-choice questions in a text editor.

    Mật khẩu nào mạnh nhất?
    A. 123456
    B) Tr0ng-Xanh#2026
    ANSWER: B

The question text may span several lines (Moodle's variant); options are `A.` or `A)` lines in
order; the `ANSWER:` line ends the question. Aiken carries nothing else, so writing it refuses
questions that are not single choice and drops explanations, feedback and metadata.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from contest.i18n import gettext as _
from contest.importing import Problem
from questions.content import Option, QuestionData
from questions.formats._common import Format, ParsedQuestion, ParseResult, refuse_misfits

LETTERS = string.ascii_uppercase
_OPTION = re.compile(r"([A-Z])[.)][ \t]+(.*)")
_ANSWER = re.compile(r"ANSWER\s*:\s*", re.IGNORECASE)


@dataclass
class _Question:
    line: int
    stem: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    broken: bool = False  # a problem was already reported; read on to its ANSWER line


def read(text: str) -> ParseResult:
    result = ParseResult()
    current: _Question | None = None
    for number, line in enumerate(text.split("\n"), 1):
        indent = len(line) - len(line.lstrip())
        line = line.strip()
        if not line:
            continue
        if answer := _ANSWER.match(line):
            _finish(current, line[answer.end() :], number, indent + answer.end() + 1, result)
            current = None
        elif option := _OPTION.fullmatch(line):
            if current is None:
                _report(result, number, indent + 1, _("an option comes before any question text"))
                current = _Question(number, broken=True)
            _add_option(current, option, number, indent + 1, result)
        else:
            if current and current.options:
                _missing_answer(current, result)
                current = None
            current = current or _Question(number)
            current.stem.append(line)
    if current:
        _missing_answer(current, result)
    return result


def _add_option(question: _Question, option: re.Match, line: int, column: int, result: ParseResult) -> None:
    expected = LETTERS[len(question.options)] if len(question.options) < len(LETTERS) else "?"
    if option.group(1) != expected:
        message = _("option %(letter)s is out of order: the next option should be %(expected)s", letter=option.group(1), expected=expected)
        _report(result, line, column, message)
        question.broken = True
    question.options.append(option.group(2).strip())


def _finish(question: _Question | None, answer: str, line: int, column: int, result: ParseResult) -> None:
    if question is None:
        _report(result, line, 1, _("an ANSWER line without a question before it"))
        return
    letters = LETTERS[: len(question.options)]
    chosen = answer.strip().upper()
    if len(chosen) != 1 or chosen not in letters:
        choices = f"{letters[0]}–{letters[-1]}" if letters else "—"
        _report(result, line, column, _("ANSWER “%(letter)s” is not one of the options (%(choices)s)",
                                     letter=answer.strip(), choices=choices))
    elif not question.broken:
        options = [Option(text, letter == chosen) for letter, text in zip(LETTERS, question.options)]
        data = QuestionData(type="single_choice", stem="\n".join(question.stem), options=options)
        result.questions.append(ParsedQuestion(question.line, data))


def _missing_answer(question: _Question, result: ParseResult) -> None:
    _report(result, question.line, None, _("this question has no ANSWER line (e.g. ANSWER: B) after its options"))


def _report(result: ParseResult, line: int, column: int | None, message: str) -> None:
    result.problems.append(Problem(line, None, message, column))


def write(questions: list[QuestionData]) -> bytes:
    refuse_misfits("aiken", questions, _misfit)
    return "\n".join(_question_text(question) for question in questions).encode()


def _question_text(question: QuestionData) -> str:
    lines = [line for line in question.stem.split("\n") if line.strip()]
    lines += [f"{letter}. {option.text}" for letter, option in zip(LETTERS, question.options)]
    right = next(letter for letter, option in zip(LETTERS, question.options) if option.correct)
    return "\n".join([*lines, f"ANSWER: {right}"]) + "\n"


def _misfit(question: QuestionData) -> str | None:
    if question.type != "single_choice":
        return _("Aiken only has single-choice questions")
    if len(question.options) > len(LETTERS):
        return _("more options than letters A to Z")
    if any("\n" in option.text for option in question.options):
        return _("an option spans several lines")
    if any(_OPTION.fullmatch(line.strip()) or _ANSWER.match(line.strip()) for line in question.stem.split("\n")):
        return _("a line of the question text would read as an option or an ANSWER line")
    return None


FORMAT = Format("aiken", ".aiken", read, write)
