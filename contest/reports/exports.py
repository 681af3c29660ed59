"""Result exports: CSV (UTF-8 with BOM, so Excel reads Vietnamese names), XLSX and the official PDF sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from itertools import groupby

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from contest.collation import sort_key
from contest.contests.models import Contest
from contest.i18n import current_locale, gettext as _
from contest.reports.access import ReportScope
from contest.reports.pdf import FONT, Document
from contest.reports.results import ResultRow

FORMATS = ("csv", "xlsx", "pdf")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe, shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], object]  # of one row
    width: int  # characters, in the spreadsheet


def columns() -> list[Column]:
    return [
        Column(_("Round"), lambda r: r.round_title, 16),
        Column(_("Rank"), lambda r: r.rank, 7),
        Column(_("Full name"), lambda r: r.full_name, 28),
        Column(_("Pupil number"), lambda r: r.pupil_number, 12),
        Column(_("Class"), lambda r: r.class_name, 8),
        Column(_("School"), lambda r: r.school_name, 30),
        Column(_("District"), lambda r: r.district_name, 22),
        Column(_("Score"), lambda r: r.score, 9),
        Column(_("Right answers"), lambda r: r.correct, 10),
        Column(_("Questions"), lambda r: r.questions, 10),
        Column(_("Time (s)"), lambda r: round(r.time_ms / 1000, 1), 9),
        Column(_("Finished"), lambda r: _("yes") if r.finished else _("no"), 9),
    ]


def table_csv(rows: list, chosen: list[Column]) -> bytes:
    """Any table (contest results, a live game's players) as CSV that Excel opens with its Vietnamese intact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in chosen])
    for row in rows:
        writer.writerow([safe_cell(column.value(row)) for column in chosen])
    return buffer.getvalue().encode("utf-8-sig")


def to_csv(rows: list[ResultRow]) -> bytes:
    return table_csv(rows, columns())


def _sheets(rows: list[ResultRow], scope: ReportScope) -> list[tuple[str, list[ResultRow]]]:
    """The scope's sheet, then one per school inside it (per class inside a school)."""
    sheets = [(scope.name, rows)]
    if scope.kind == "class":
        return sheets
    part = (lambda r: r.class_name) if scope.kind == "school" else (lambda r: r.school_name)
    for name, group in groupby(sorted(rows, key=lambda r: (sort_key(part(r)), r.round_id, r.rank)), key=part):
        sheets.append((name, list(group)))
    return sheets


def _sheet_title(name: str, taken: set[str]) -> str:
    base = name.translate(SHEET_NAME_FORBIDDEN).strip("' ")[:28] or "-"
    title, n = base, 1
    while title.casefold() in taken:
        n += 1
        title = f"{base[:25]} ({n})"
    taken.add(title.casefold())
    return title


def to_xlsx(rows: list[ResultRow], scope: ReportScope) -> bytes:
    return table_xlsx(_sheets(rows, scope), columns())


def table_xlsx(sheets: list[tuple[str, list]], chosen: list[Column]) -> bytes:
    """Any table as a workbook: one sheet per (name, rows), formatted headers, frozen first row, filters."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    for name, sheet_rows in sheets:
        sheet = workbook.create_sheet(_sheet_title(name, taken))
        sheet.append([column.header for column in chosen])
        for cell in sheet[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in sheet_rows:
            sheet.append([safe_cell(column.value(row)) for column in chosen])
        for n, column in enumerate(chosen, start=1):
            sheet.column_dimensions[get_column_letter(n)].width = column.width
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_pdf(rows: list[ResultRow], contest: Contest, scope: ReportScope) -> bytes:
    """The official results sheet: one table per round, ranked, with a signature line at the end."""
    pdf = Document()
    pdf.set_title(_("Official results") + " · " + contest.title(current_locale.get()))
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, contest.title(current_locale.get()), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 8, _("Official results"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, scope.name, align="C", new_x="LMARGIN", new_y="NEXT")
    headers = (_("Rank"), _("Full name"), _("Class"), _("School"), _("Score"), _("Right answers"), _("Time (s)"))
    for _round_id, group in groupby(rows, key=lambda r: r.round_id):
        round_rows = list(group)
        pdf.ln(4)
        pdf.set_font(FONT, "B", 11)
        pdf.cell(0, 7, round_rows[0].round_title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 8.5)
        with pdf.table(col_widths=(10, 44, 12, 50, 16, 18, 16), text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
                       line_height=5, repeat_headings=1) as table:
            table.row(headers)
            for row in round_rows:
                table.row((str(row.rank), row.full_name, row.class_name, row.school_name, str(row.score),
                           f"{row.correct}/{row.questions}", f"{row.time_ms / 1000:.1f}"))
    if not rows:
        pdf.ln(6)
        pdf.cell(0, 6, _("Nobody has played yet."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, _("For the organisers (signature and stamp)"), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def export(rows: list[ResultRow], contest: Contest, scope: ReportScope, format_name: str) -> bytes:
    if format_name == "csv":
        return to_csv(rows)
    if format_name == "xlsx":
        return to_xlsx(rows, scope)
    return to_pdf(rows, contest, scope)


def file_name(contest: Contest, scope: ReportScope, format_name: str) -> str:
    unit = f"-{scope.kind}-{scope.unit_id}" if scope.unit_id is not None else ""
    return f"results-contest-{contest.id}{unit}.{format_name}"
