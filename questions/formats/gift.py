"""Moodle GIFT, read and written as Moodle documents it, so banks move between Moodle and Hoithi.

Questions are separated by blank lines. `//` lines are comments, `$CATEGORY: a/b` lines turn into
tags of the questions that follow, and `::name::` is the question's key when it looks like one
(lower-case ASCII words joined by "-"), else its title. What GIFT cannot say (competences, levels,
difficulty, language...) travels in a `// hoithi: {json}` comment right before the question.

Escaped characters (`\\~` and friends) are swapped for private-use characters while a question is
taken apart, so the parser can look for `{`, `~`, `=`, `#` without caring about escapes, and every
offset still points at the same column of the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

from contest.i18n import gettext as _
from contest.importing import Problem
from questions.content import Option, QuestionData
from questions.formats._common import Format, ParsedQuestion, ParseResult, format_number, parse_number, read_fields, refuse_misfits

BLANK = "_____"  # where the answer goes in a missing-word question
METADATA_PREFIX = "// hoithi:"
# Everything GIFT cannot say itself travels in the metadata comment (key and title when `::name::` cannot hold them).
_IN_GIFT = {"type", "stem", "options", "answers", "answer_true", "numeric_answer", "tolerance", "explanation"}
METADATA_FIELDS = [each.name for each in fields(QuestionData) if each.name not in _IN_GIFT]
_DEFAULTS = QuestionData(type="", stem="")

_ESCAPED = re.compile(r"\\([\\~=#{}:n])")
_HIDDEN = re.compile("\\\\([\ue000-\ue0ff])")
_PRIVATE_USE = 0xE000
_FORMAT_PREFIX = re.compile(r"^\[(?:html|moodle|markdown|plain)\]\s*")
_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")  # "//" is a slash inside a category name
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # like the starter bank's keys, e.g. safety-otp-prize-sms


class _Malformed(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset


class _Unsupported(Exception):
    pass


# --- Reading ---------------------------------------------------------------------------------------


@dataclass
class _Block:
    line: int  # of the question's first line
    text: str  # its lines (comment lines left empty), escapes hidden
    tags: list[str]  # from the $CATEGORY in force
    metadata: tuple[int, str] | None  # number and text of the `// hoithi:` line before it

    def problem(self, offset: int, message: str) -> Problem:
        line_start = self.text.rfind("\n", 0, offset) + 1
        return Problem(self.line + self.text.count("\n", 0, offset), None, message, offset - line_start + 1)


def read(text: str) -> ParseResult:
    result = ParseResult()
    for block in _blocks(text):
        _read_block(block, result)
    return result


def _blocks(text: str) -> Iterator[_Block]:
    lines: list[str] = []
    start, tags, metadata = 0, [], None
    for number, line in enumerate([*text.split("\n"), ""], 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            if stripped.startswith(METADATA_PREFIX):
                metadata = (number, line)
            lines += [""] if lines else []  # keeps later lines at their line numbers
        elif stripped and not stripped.startswith("$CATEGORY:"):
            start = start if lines else number
            lines.append(_hide_escapes(line))
        else:
            if lines:
                yield _Block(start, "\n".join(lines), tags, metadata)
                lines, metadata = [], None
            if stripped:
                tags = _category_tags(stripped.removeprefix("$CATEGORY:"))


def _category_tags(path: str) -> list[str]:
    """Each part of the path, without Moodle's context ("$course$") and root ("top") parts."""
    parts = [part.strip().replace("//", "/") for part in _CATEGORY_SEPARATOR.split(path)]
    return [part for part in parts if part and part != "top" and not (part.startswith("$") and part.endswith("$"))]


def _read_block(block: _Block, result: ParseResult) -> None:
    metadata, problems = _metadata(block.metadata)
    try:
        data = _question(block.text)
    except _Unsupported as kind:
        result.unsupported.append(Problem(block.line, None, str(kind)))
        return
    except _Malformed as error:
        result.problems += [*problems, block.problem(error.offset, str(error))]
        return
    if problems:
        result.problems += problems
        return
    data.tags = list(dict.fromkeys(block.tags + metadata.pop("tags", [])))
    for name, value in metadata.items():
        setattr(data, name, value)
    result.questions.append(ParsedQuestion(block.line, data))


def _metadata(comment: tuple[int, str] | None) -> tuple[dict, list[Problem]]:
    if comment is None:
        return {}, []
    line, text = comment
    start = text.index(METADATA_PREFIX) + len(METADATA_PREFIX)
    try:
        values = json.loads(text[start:])
    except json.JSONDecodeError as error:
        message = _("the metadata is not valid JSON: %(error)s", error=error.msg)
        return {}, [Problem(line, "hoithi", message, start + error.colno)]
    if not isinstance(values, dict):
        return {}, [Problem(line, "hoithi", _("the metadata must be a JSON object {…}"))]
    values, problems = read_fields(values, METADATA_FIELDS)
    return values, [Problem(line, name, message) for name, message in problems]


def _question(text: str) -> QuestionData:
    name, start = _name(text)
    opening, closing = _braces(text, start)
    after = text[closing + 1 :]
    stem = text[start:opening] + (BLANK + after if after.strip() else "")
    body, explanation = _split_general_feedback(text[opening + 1 : closing])
    if not body.strip():
        raise _Unsupported(_("essay questions (“{}”) are not supported"))
    answer_fields = _answer_reader(body)(body, opening + 1)
    if explanation is not None:
        answer_fields["explanation"] = explanation
    key, title = (name, "") if _looks_like_key(name) else ("", name)
    return QuestionData(stem=_clean(stem), key=key, title=title, **answer_fields)


def _name(text: str) -> tuple[str, int]:
    """The `::name::` at the start, and where the question text begins."""
    start = len(text) - len(text.lstrip())
    if not text.startswith("::", start):
        return "", start
    end = text.find("::", start + 2)
    if end < 0:
        raise _Malformed(start, _("the title is not closed: write ::title:: before the question"))
    return _clean(text[start + 2 : end]), end + 2


def _braces(text: str, start: int) -> tuple[int, int]:
    opening = text.find("{", start)
    stray = text.find("}", start, opening if opening >= 0 else len(text))
    if stray >= 0:
        raise _Malformed(stray, _("“}” without “{” before it (write \\} for a brace in the text)"))
    if opening < 0:
        raise _Unsupported(_("descriptions (text without answers in {…}) are not supported"))
    closing = text.find("}", opening)
    if closing < 0 or 0 <= text.find("{", opening + 1, closing):
        raise _Malformed(opening, _("this “{” is never closed with “}”"))
    for extra in ("{", "}"):
        if (found := text.find(extra, closing + 1)) >= 0:
            raise _Malformed(found, _("a second answer section: separate questions with a blank line"))
    return opening, closing


def _split_general_feedback(body: str) -> tuple[str, str | None]:
    separator = body.rfind("####")
    if separator < 0:
        return body, None
    return body[:separator], _clean(body[separator + 4 :])


def _answer_reader(body: str) -> Callable[[str, int], dict]:
    """Moodle's order of checks, which decides the question type from the answer section."""
    content = body.strip()
    if content.startswith("#"):
        return _numeric
    if "~" in content:
        return _choice
    if "=" in content and "->" in content:
        return _matching
    if content.partition("#")[0].strip().upper() in _TRUE_FALSE:
        return _true_false
    return _short_text


def _choice(body: str, offset: int) -> dict:
    """`=right ~wrong`: single choice. Only `~%weight%` answers: multiple response, positive weights right."""
    options, single = [], False
    for marker, text, at in _answers(body, offset, "~="):
        weight, text = _weight(text, at)
        answer, _separator, feedback = text.partition("#")
        single = single or marker == "="
        options.append(Option(_clean(answer), marker == "=" or (weight or 0) > 0, _clean(feedback)))
    return {"type": "single_choice" if single else "multiple_response", "options": options}


def _matching(body: str, offset: int) -> dict:
    pairs = []
    for _marker, text, at in _answers(body, offset, "="):
        left, arrow, right = text.partition("->")
        if not arrow:
            raise _Malformed(at, _("a matching pair is written =left -> right"))
        if not left.strip():
            raise _Malformed(at, _("extra right-hand items (= -> item) are not supported"))
        pairs.append(Option(_clean(left), match=_clean(right.partition("#")[0])))
    return {"type": "matching", "options": pairs}


def _true_false(body: str, _offset: int) -> dict:
    """`{T}`, `{FALSE#feedback if wrong#feedback if right}`; the first feedback becomes the explanation."""
    answer, *feedbacks = body.split("#")
    explanation = next((text for text in map(_clean, feedbacks) if text), "")
    return {"type": "true_false", "answer_true": _TRUE_FALSE[answer.strip().upper()], "explanation": explanation}


def _short_text(body: str, offset: int) -> dict:
    """`=answer =other answer`; answers with partial credit (`=%50%…`) are left out."""
    answers = []
    for _marker, text, at in _answers(body, offset, "="):
        weight, text = _weight(text, at)
        if weight in (None, 100):
            answers.append(_clean(text.partition("#")[0]))
    return {"type": "short_text", "answers": answers}


def _numeric(body: str, offset: int) -> dict:
    """`#3.14:0.01`, `#1..5` (the middle, give or take half the range), `#=3:0 =%50%3:1` (the 100% one)."""
    after_hash = body.index("#") + 1
    rest, at = body[after_hash:], offset + after_hash
    answers = _answers(rest, at, "=") if "=" in rest else [("", rest, at)]
    specs = []
    for _marker, text, at in answers:
        weight, text = _weight(text, at)
        specs.append((weight, _number_spec(text.partition("#")[0], at)))
    right = next((spec for weight, spec in specs if weight in (None, 100)), None)
    if right is None:
        raise _Malformed(offset, _("no answer has full credit (100%)"))
    return {"type": "numeric", "numeric_answer": right[0], "tolerance": right[1]}


def _number_spec(text: str, at: int) -> tuple[float, float]:
    low, dots, high = text.partition("..")
    if dots:
        low_value, high_value = _number(low, at), _number(high, at)
        if high_value < low_value:
            raise _Malformed(at, _("the range %(range)s goes downwards", range=text.strip()))
        return (low_value + high_value) / 2, (high_value - low_value) / 2
    value, colon, tolerance = text.partition(":")
    return _number(value, at), _number(tolerance, at) if colon else 0.0


def _number(text: str, at: int) -> float:
    number = parse_number(text)
    if number is None:
        raise _Malformed(at, _("“%(text)s” is not a number", text=_clean(text)))
    return number


def _answers(body: str, offset: int, markers: str) -> list[tuple[str, str, int]]:
    """(marker, text, offset of text) for each answer; anything before the first marker is an error."""
    found = list(re.finditer(f"[{markers}]", body))
    lead = body[: found[0].start()] if found else body
    if lead.strip():
        at = len(lead) - len(lead.lstrip())
        expected = " ".join(markers)
        raise _Malformed(offset + at, _("unknown answer marker “%(marker)s”: answers start with %(expected)s",
                                              marker=body[at], expected=expected))
    ends = [match.start() for match in found[1:]] + [len(body)]
    return [(match.group(), body[match.end() : end], offset + match.end()) for match, end in zip(found, ends)]


def _weight(text: str, at: int) -> tuple[float | None, str]:
    """The `%50%` weight in front of an answer, if any, and the rest of the answer."""
    if not text.lstrip().startswith("%"):
        return None, text
    match = _WEIGHT.match(text)
    if not match:
        raise _Malformed(at, _("a weight is written as a percentage between two % signs, e.g. ~%50%"))
    return float(match.group(1)), text[match.end() :]


def _looks_like_key(name: str) -> bool:
    return bool(_KEY.fullmatch(name))


def _hide_escapes(line: str) -> str:
    return _ESCAPED.sub(lambda match: "\\" + chr(_PRIVATE_USE + ord(match.group(1))), line)


def _unhide(match: re.Match) -> str:
    character = chr(ord(match.group(1)) - _PRIVATE_USE)
    return "\n" if character == "n" else character


def _clean(raw: str) -> str:
    """Text as written: lines trimmed, text-format prefix dropped, escapes resolved."""
    text = "\n".join(line.strip() for line in raw.strip().split("\n"))
    return _HIDDEN.sub(_unhide, _FORMAT_PREFIX.sub("", text))


# --- Writing ---------------------------------------------------------------------------------------


_ESCAPES = str.maketrans({**{character: "\\" + character for character in "\\~=#{}:"}, "\n": "\\n"})


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


def _with_feedback(option: Option) -> str:
    return _escape(option.text) + ("#" + _escape(option.feedback) if option.feedback else "")


def _multiple_response(question: QuestionData) -> list[str]:
    """Moodle's convention: right answers share 100%, each wrong one takes 100% off."""
    share = f"{100 / max(1, sum(option.correct for option in question.options)):.5f}".rstrip("0").rstrip(".")
    return [f"~%{share if option.correct else -100}%" + _with_feedback(option) for option in question.options]


def _numeric_answer(question: QuestionData) -> list[str]:
    tolerance = ":" + format_number(question.tolerance) if question.tolerance else ""
    return ["#" + format_number(question.numeric_answer) + tolerance]


_ANSWER_WRITERS: dict[str, Callable[[QuestionData], list[str]]] = {
    "single_choice": lambda question: [("=" if option.correct else "~") + _with_feedback(option) for option in question.options],
    "multiple_response": _multiple_response,
    "true_false": lambda question: ["TRUE" if question.answer_true else "FALSE"],
    "short_text": lambda question: ["=" + _escape(answer) for answer in question.answers],
    "numeric": _numeric_answer,
    "matching": lambda question: [f"={_escape(option.text)} -> {_escape(option.match)}" for option in question.options],
}


def write(questions: list[QuestionData]) -> bytes:
    refuse_misfits("gift", questions, _misfit)
    return "\n".join(_question_text(question) for question in questions).encode()


def _misfit(question: QuestionData) -> str | None:
    return None if question.type in _ANSWER_WRITERS else _("GIFT has no %(type)s questions", type=question.type)


def _question_text(question: QuestionData) -> str:
    name, metadata = _name_and_metadata(question)
    lines = [METADATA_PREFIX + " " + json.dumps(metadata, ensure_ascii=False)] if metadata else []
    answers = _ANSWER_WRITERS[question.type](question)
    answers += ["####" + _escape(question.explanation)] if question.explanation else []
    section = "{\n" + "".join(f"\t{answer}\n" for answer in answers) + "}"
    before, blank, after = _escape(question.stem).partition(BLANK)
    text = before + section + after if blank and after.strip() else _escape(question.stem) + " " + section
    lines.append((f"::{_escape(name)}::" if name else "") + text)
    return "\n".join(lines) + "\n"


def _name_and_metadata(question: QuestionData) -> tuple[str, dict]:
    """The `::name::` (the key if it looks like one, else the title) and what goes in the comment."""
    metadata = {name: getattr(question, name) for name in METADATA_FIELDS if getattr(question, name) != getattr(_DEFAULTS, name)}
    name = question.key or question.title
    if _looks_like_key(question.key) or (not question.key and not _looks_like_key(question.title)):
        metadata.pop("key" if question.key else "title", None)
        return name, metadata
    return "", metadata


FORMAT = Format("gift", ".gift", read, write)
