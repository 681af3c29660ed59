"""Questions as a spreadsheet: one line per question, the columns documented in docs/question-formats.md.

Teachers edit these in Excel, so reading accepts UTF-8 with or without BOM, comma or semicolon
separators and decimal commas, and names each bad cell by line and column name. Writing makes UTF-8
with BOM and CRLF line ends, which Excel opens without mangling Vietnamese. Ordering and matching
questions do not fit in columns: they are listed as unsupported (use JSON for them).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import NamedTuple

from contest.i18n import gettext as _
from contest.importing import Problem
from questions.content import Option, QuestionData
from questions.formats._common import Format, ParsedQuestion, ParseResult, format_number, parse_number, refuse_misfits

OPTION_COLUMNS = [f"option_{number}" for number in range(1, 7)]
COLUMNS = [
    "key", "language", "type", "stem", *OPTION_COLUMNS, "correct", "tolerance", "ignore_diacritics", "explanation",
    "competences", "level_min", "level_max", "difficulty", "tags", "translation_key",
]  # fmt: skip
REQUIRED = ["type", "stem", "correct"]
NOT_IN_CSV = ("ordering", "matching")
LIST_SEPARATOR = r"[;,\s]"  # competences, option numbers in `correct`
TAG_SEPARATOR = ";"
ANSWER_SEPARATOR = r"\|"  # short_text answers
_TRUE = {"true", "t", "1", "yes", "y", "x", "đúng", "có"}
_FALSE = {"false", "f", "0", "no", "n", "sai", "không"}


class _Row:
    """One line's cells by column name, and the problems found in them."""

    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line = line
        self.cells = cells
        self.problems: list[Problem] = []

    def text(self, column: str, default: str = "") -> str:
        return self.cells.get(column, "") or default

    def bad(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))

    def whole(self, column: str, default: int) -> int:
        text = self.text(column)
        if not text:
            return default
        if not re.fullmatch(r"-?\d+", text):
            self.bad(column, _("“%(text)s” is not a whole number", text=text))
            return default
        return int(text)

    def number(self, column: str, default: float | None = None) -> float | None:
        text = self.text(column)
        number = parse_number(text) if text else default
        if text and number is None:
            self.bad(column, _("“%(text)s” is not a number", text=text))
        return number

    def boolean(self, column: str) -> bool | None:
        """true/false in English or Vietnamese (đúng/sai, có/không); None when empty."""
        text = self.text(column)
        value = True if text.lower() in _TRUE else False if text.lower() in _FALSE else None
        if text and value is None:
            self.bad(column, _("“%(text)s” is neither true nor false", text=text))
        return value

    def options(self) -> list[str]:
        """option_1… up to the last one filled in; a gap before it is a problem."""
        texts = [self.text(column) for column in OPTION_COLUMNS]
        count = max((index + 1 for index, text in enumerate(texts) if text), default=0)
        for column, text in zip(OPTION_COLUMNS[:count], texts):
            if not text:
                self.bad(column, _("empty, but a later option is filled in"))
        return texts[:count]


def read(text: str) -> ParseResult:
    result = ParseResult()
    first_line = text.partition("\n")[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";" if first_line.count(";") > first_line.count(",") else ",")
    header = [name.strip().lower() for name in next(reader, [])]
    if missing := [name for name in REQUIRED if name not in header]:
        message = _("missing columns: %(columns)s (the first line must name the columns)", columns=", ".join(missing))
        return ParseResult(problems=[Problem(1, None, message)])
    line = reader.line_num + 1
    try:
        for cells in reader:
            _read_row(line, header, cells, result)
            line = reader.line_num + 1
    except csv.Error as error:
        result.problems.append(Problem(line, None, _("unreadable line: %(error)s", error=str(error))))
    return result


def _read_row(line: int, header: list[str], cells: list[str], result: ParseResult) -> None:
    if not any(cell.strip() for cell in cells):
        return
    if any(cell.strip() for cell in cells[len(header) :]):
        message = _("%(cells)d cells but only %(columns)d columns: put quotes around a text that contains the separator",
                    cells=len(cells), columns=len(header))
        result.problems.append(Problem(line, None, message))
        return
    row = _Row(line, {name: cell.strip() for name, cell in zip(header, cells)})
    if (kind := row.text("type").lower()) in NOT_IN_CSV:
        result.unsupported.append(Problem(line, "type", _("%(type)s questions cannot be read from CSV; use JSON", type=kind)))
        return
    data = _question(row)
    result.problems += row.problems
    if not row.problems:
        result.questions.append(ParsedQuestion(line, data))


def _question(row: _Row) -> QuestionData:
    data = QuestionData(
        type=row.text("type").lower(),
        stem=row.text("stem"),
        language=row.text("language", "vi").lower(),
        ignore_diacritics=bool(row.boolean("ignore_diacritics")),
        tolerance=row.number("tolerance", 0.0),
        explanation=row.text("explanation"),
        competences=_split(row.text("competences"), LIST_SEPARATOR),
        level_min=row.whole("level_min", 1),
        level_max=row.whole("level_max", 8),
        difficulty=row.text("difficulty", "medium").lower(),
        tags=_split(row.text("tags"), TAG_SEPARATOR),
        key=row.text("key"),
        translation_key=row.text("translation_key"),
    )
    if data.type in _CORRECT:
        _CORRECT[data.type].read(data, row)
    return data


def _split(text: str, separator: str) -> list[str]:
    return [part.strip() for part in re.split(separator, text) if part.strip()]


def _read_choices(data: QuestionData, row: _Row) -> None:
    texts = row.options()
    chosen = set()
    for number in _split(row.text("correct"), LIST_SEPARATOR):
        if number.isdigit() and 1 <= int(number) <= len(texts):
            chosen.add(int(number))
        else:
            row.bad("correct", _("“%(number)s” is not an option number (1 to %(count)d)", number=number, count=len(texts)))
    data.options = [Option(text, number in chosen) for number, text in enumerate(texts, 1)]


def _write_choices(data: QuestionData) -> str:
    return ",".join(str(number) for number, option in enumerate(data.options, 1) if option.correct)


def _read_true_false(data: QuestionData, row: _Row) -> None:
    data.answer_true = row.boolean("correct")


def _read_numeric(data: QuestionData, row: _Row) -> None:
    data.numeric_answer = row.number("correct")


def _read_short_text(data: QuestionData, row: _Row) -> None:
    data.answers = _split(row.text("correct"), ANSWER_SEPARATOR)


class _Correct(NamedTuple):
    """How each type reads its answer from the `correct` column and writes it there."""

    read: Callable[[QuestionData, _Row], None]
    write: Callable[[QuestionData], str]


_CORRECT = {
    "single_choice": _Correct(_read_choices, _write_choices),
    "multiple_response": _Correct(_read_choices, _write_choices),
    "true_false": _Correct(_read_true_false, lambda data: "true" if data.answer_true else "false"),
    "numeric": _Correct(_read_numeric, lambda data: format_number(data.numeric_answer)),
    "short_text": _Correct(_read_short_text, lambda data: "|".join(data.answers)),
}


def write(questions: list[QuestionData]) -> bytes:
    refuse_misfits("csv", questions, _misfit)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(question) for question in questions)
    return buffer.getvalue().encode("utf-8-sig")


def _row(data: QuestionData) -> list[str]:
    cells = {
        "key": data.key,
        "language": data.language,
        "type": data.type,
        "stem": data.stem,
        **{column: option.text for column, option in zip(OPTION_COLUMNS, data.options)},
        "correct": _CORRECT[data.type].write(data),
        "tolerance": format_number(data.tolerance) if data.type == "numeric" else "",
        "ignore_diacritics": "true" if data.ignore_diacritics else "",
        "explanation": data.explanation,
        "competences": ";".join(data.competences),
        "level_min": str(data.level_min),
        "level_max": str(data.level_max),
        "difficulty": data.difficulty,
        "tags": ";".join(data.tags),
        "translation_key": data.translation_key,
    }
    return [cells.get(column, "") for column in COLUMNS]


def _misfit(data: QuestionData) -> str | None:
    if data.type not in _CORRECT:
        return _("%(type)s questions do not fit in CSV columns; use JSON", type=data.type)
    if len(data.options) > len(OPTION_COLUMNS):
        return _("more than %(count)d options", count=len(OPTION_COLUMNS))
    if any("|" in answer for answer in data.answers):
        return _("an accepted answer contains “|”, the CSV answer separator")
    return None


FORMAT = Format("csv", ".csv", read, write, field_names={"answer": "correct", "answers": "correct", "level": "level_min"})
