"""Import and export of question banks, as pure functions: GIFT, Aiken, CSV and JSON.

`FORMATS[name].parse(data)` turns a file's bytes into a `ParseResult`: the valid questions with the
line each starts on, every problem by line (and column where known), and the questions of kinds
Hoithi does not have. `FORMATS[name].write(questions)` gives the file's bytes, or raises
`UnsupportedForFormat` naming the questions that format cannot hold. docs/question-formats.md
describes each format for teachers.
"""

from __future__ import annotations

from pathlib import PurePath

from questions.formats import aiken, csv_format, gift, json_format
from questions.formats._common import Format, ParsedQuestion, ParseResult, UnsupportedForFormat

FORMATS: dict[str, Format] = {known.name: known for known in (gift.FORMAT, aiken.FORMAT, csv_format.FORMAT, json_format.FORMAT)}


def guess_format(filename: str) -> str | None:
    """The format named by the file's extension; None when it says nothing (e.g. .txt, GIFT or Aiken)."""
    extension = PurePath(filename).suffix.lower()
    return next((known.name for known in FORMATS.values() if known.extension == extension), None)


__all__ = ["FORMATS", "Format", "ParseResult", "ParsedQuestion", "UnsupportedForFormat", "guess_format"]
