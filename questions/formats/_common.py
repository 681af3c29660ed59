"""What the question formats share: the parse result, the format object, and small readers.

Each format only turns text into `QuestionData` (and back). Decoding the bytes, checking every
parsed question with `QuestionData.problems()` and refusing questions a format cannot write happen
here, once, so every format reports problems the same way and never yields an invalid question.
"""

from __future__ import annotations

import functools
import math
import textwrap
import types
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin, get_type_hints

from contest.i18n import gettext as _, ngettext
from contest.importing import ImportFailed, Problem, decode_text
from questions.content import Option, QuestionData


@dataclass
class ParsedQuestion:
    line: int  # where the question starts in the file
    data: QuestionData


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Questions of a kind Hoithi has no type for (GIFT essays, descriptions...), one per question.
    unsupported: list[Problem] = field(default_factory=list)


class UnsupportedForFormat(ValueError):
    """Some questions cannot be written in the chosen format; nothing was written."""

    def __init__(self, format_name: str, misfits: list[tuple[int, QuestionData, str]]) -> None:
        self.format_name = format_name
        self.misfits = misfits  # (1-based position in the list, question, reason)
        listed = "; ".join(f"#{index} {_describe(question)}: {reason}" for index, question, reason in misfits)
        message = ngettext(
            "cannot write %(num)d question as %(format)s: %(listed)s",
            "cannot write %(num)d questions as %(format)s: %(listed)s",
            len(misfits),
            format=format_name,
            listed=listed,
        )
        super().__init__(message)


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    # Text → questions (not yet validated) and problems; `parse` wraps it.
    read: Callable[[str], ParseResult]
    write: Callable[[list[QuestionData]], bytes]
    # How this format names the fields that `QuestionData.problems()` reports (e.g. CSV columns).
    field_names: Mapping[str, str] = field(default_factory=dict)

    def parse(self, data: bytes) -> ParseResult:
        try:
            text = decode_text(data)
        except ImportFailed as failure:
            return ParseResult(problems=list(failure.report.problems))
        return self._validated(self.read(text))

    def _validated(self, result: ParseResult) -> ParseResult:
        valid = []
        for parsed in result.questions:
            if found := parsed.data.problems():
                result.problems += [Problem(parsed.line, self.field_names.get(name, name), message) for name, message in found]
            else:
                valid.append(parsed)
        result.questions = valid
        result.problems.sort(key=lambda problem: (problem.line, problem.column or 0))
        return result


def _describe(question: QuestionData) -> str:
    """How a message names a question: its key, else its title, else the start of its text."""
    return question.key or question.title or "“" + textwrap.shorten(question.stem, 40, placeholder="…") + "”"


def refuse_misfits(format_name: str, questions: list[QuestionData], misfit: Callable[[QuestionData], str | None]) -> None:
    """Raise UnsupportedForFormat naming every question for which `misfit` gives a reason."""
    misfits = [(index, question, reason) for index, question in enumerate(questions, 1) if (reason := misfit(question))]
    if misfits:
        raise UnsupportedForFormat(format_name, misfits)


# --- Values written by people ---------------------------------------------------------------------

def parse_number(text: str) -> float | None:
    """A finite number; a single comma is read as the decimal mark (Vietnamese Excel writes 3,14)."""
    text = text.strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def format_number(number: float) -> str:
    """Whole numbers without ".0", others in the shortest form that reads back exactly."""
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


# --- QuestionData fields from JSON-like values (the JSON format, GIFT's metadata comment) ---------

_EXPECTED = {str: "text", bool: "true or false", int: "a whole number", float: "a number", list: "a list", Option: "an object with a text"}


class _WrongValue(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def _expected(hint: Any) -> str:
    return _("must be %(expected)s", expected=_EXPECTED[hint])


def read_fields(raw: Mapping[str, Any], allowed: Collection[str], prefix: str = "") -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Values of QuestionData fields, checked against their annotated types, and (field, message)
    for each unknown or mistyped field; field names in messages start with `prefix`."""
    converters = _converters(QuestionData)
    values, problems = {}, []
    for name, value in raw.items():
        try:
            if name not in allowed:
                raise _WrongValue(prefix + name, _("unknown field"))
            values[name] = converters[name](value, prefix + name)
        except _WrongValue as wrong:
            problems.append((wrong.where, wrong.message))
    return values, problems


Converter = Callable[[Any, str], Any]  # (JSON value, where it is) → field value, or raise _WrongValue


@functools.cache
def _converters(cls: type) -> dict[str, Converter]:
    return {name: _converter(hint) for name, hint in get_type_hints(cls).items()}


@functools.cache
def _converter(hint: Any) -> Converter:
    """Built once per annotation (str, int, float, bool, list[...], X | None, Option)."""
    if get_origin(hint) is types.UnionType:  # `X | None`
        convert = _converter(next(arg for arg in get_args(hint) if arg is not type(None)))
        return lambda value, where: None if value is None else convert(value, where)
    if get_origin(hint) is list:
        convert_item = _converter(get_args(hint)[0])
        return lambda value, where: [convert_item(item, f"{where}[{index}]") for index, item in enumerate(_exactly(list, value, where))]
    if hint is Option:
        return _option
    if hint is float:
        return _float
    return lambda value, where: _exactly(hint, value, where)


def _exactly(kind: type, value: Any, where: str) -> Any:
    if type(value) is not kind:  # not isinstance: True is not a number here
        raise _WrongValue(where, _expected(kind))
    return value


def _float(value: Any, where: str) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise _WrongValue(where, _expected(float))
    return float(value)


def _option(value: Any, where: str) -> Option:
    if type(value) is not dict or "text" not in value:
        raise _WrongValue(where, _expected(Option))
    converters = _converters(Option)
    if unknown := next((name for name in value if name not in converters), None):
        raise _WrongValue(f"{where}.{unknown}", _("unknown field"))
    return Option(**{name: converters[name](item, f"{where}.{name}") for name, item in value.items()})
