"""The lossless format: every field of every question, for backups and moving banks between servers.

    {"format": "hoithi-questions", "version": 1, "questions": [{"type": ..., "stem": ..., ...}]}

Each question object holds `QuestionData`'s fields under their own names (missing ones take their
defaults), so an export read back gives equal questions. Problems name the question by its index
(`questions[3].level_min`) and the line where its object starts.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from contest.i18n import gettext as _
from contest.importing import Problem
from questions.content import QuestionData
from questions.formats._common import Format, ParsedQuestion, ParseResult, read_fields

FORMAT_NAME = "hoithi-questions"
VERSION = 1
FIELDS = [field.name for field in dataclasses.fields(QuestionData)]
REQUIRED_FIELDS = [field.name for field in dataclasses.fields(QuestionData)
                   if field.default is field.default_factory is dataclasses.MISSING]
_BETWEEN_VALUES = re.compile(r"[ \t\n\r,:]*")


def write(questions: list[QuestionData]) -> bytes:
    document = {"format": FORMAT_NAME, "version": VERSION, "questions": [dataclasses.asdict(question) for question in questions]}
    return (json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def read(text: str) -> ParseResult:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return ParseResult(problems=[Problem(error.lineno, None, _("not valid JSON: %(error)s", error=error.msg), error.colno)])
    if problem := _envelope_problem(document):
        return ParseResult(problems=[Problem(1, None, problem)])
    result = ParseResult()
    for index, (entry, line) in enumerate(zip(document["questions"], _entry_lines(text))):
        _read_entry(entry, f"questions[{index}]", line, result)
    return result


def _envelope_problem(document: Any) -> str | None:
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        return _("not a Hoithi question file: it must be an object with \"format\": \"%(name)s\"", name=FORMAT_NAME)
    if document.get("version") != VERSION:
        return _("version %(version)s is not supported; this Hoithi reads version %(supported)d",
                 version=document.get("version"), supported=VERSION)
    if not isinstance(document.get("questions"), list):
        return _("\"questions\" must be a list")
    return None


def _read_entry(entry: Any, where: str, line: int, result: ParseResult) -> None:
    if not isinstance(entry, dict):
        result.problems.append(Problem(line, where, _("must be an object {…}")))
        return
    values, problems = read_fields(entry, FIELDS, prefix=where + ".")
    problems += [(f"{where}.{name}", _("missing")) for name in REQUIRED_FIELDS if name not in entry]
    if problems:
        result.problems += [Problem(line, name, message) for name, message in problems]
    else:
        result.questions.append(ParsedQuestion(line, QuestionData(**values)))


def _entry_lines(text: str) -> list[int]:
    """The line where each object of the top-level "questions" list starts (the text is valid JSON)."""
    decoder = json.JSONDecoder()
    position = _skip(text, text.index("{") + 1)
    while True:  # to the value of the "questions" key
        key, position = decoder.raw_decode(text, position)
        position = _skip(text, position)
        if key == "questions":
            break
        position = _skip(text, decoder.raw_decode(text, position)[1])
    lines, line, counted = [], 1, 0
    position = _skip(text, position + 1)  # past "["
    while text[position] != "]":
        line += text.count("\n", counted, position)
        lines.append(line)
        counted = position
        position = _skip(text, decoder.raw_decode(text, position)[1])
    return lines


def _skip(text: str, position: int) -> int:
    """Past whitespace and the `,` and `:` between JSON values."""
    return _BETWEEN_VALUES.match(text, position).end()


FORMAT = Format("json", ".json", read, write)
