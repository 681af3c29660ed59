"""What every file import shares: reading CSV text, and reporting problems by line and field.

An import validates the whole file first and writes nothing if any line is wrong; the report lists
every problem, not just the first.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from contest.i18n import gettext as _


@dataclass(frozen=True)
class Problem:
    line: int
    field: str | None
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = _("line %(line)d", line=self.line)
        if self.column is not None:
            where += ", " + _("column %(column)d", column=self.column)
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """What an import created and updated (or would have, in a dry run), and what was wrong."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0  # lines that matched what is already here
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)  # left out on request (e.g. unsupported questions)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def count_created(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def count_updated(self, kind: str) -> None:
        self.updated[kind] = self.updated.get(kind, 0) + 1

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"line": p.line, "message": p.message} for p in self.skipped],
            "errors": [
                {"line": p.line, "column": p.column, "field": p.field, "message": p.message} for p in self.problems
            ],
        }


class ImportFailed(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("; ".join(str(p) for p in report.problems))
        self.report = report


def decode_text(data: bytes) -> str:
    """UTF-8 with or without the BOM that Excel writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report = ImportReport(problems=[Problem(line, None, _("the file is not UTF-8 text; save it as \"CSV UTF-8\""))])
        raise ImportFailed(report) from exc


def read_csv(data: bytes, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows as (line number, {column: stripped value}); a missing column fails the whole file."""
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    if missing:
        message = _("missing columns: %(columns)s (the first line must name the columns)", columns=", ".join(missing))
        raise ImportFailed(ImportReport(problems=[Problem(1, None, message)]))
    reader.fieldnames = header
    rows = []
    for record in reader:
        values = {key: (value or "").strip() for key, value in record.items() if key is not None}
        if any(values.values()):
            rows.append((reader.line_num, values))
    return rows
