"""PDF documents with Vietnamese text: DejaVu Sans (static/fonts, with its licence) embedded as a subset.

Every word printed comes from the i18n catalogs in the current language (vi or en)."""

from __future__ import annotations

from fpdf import FPDF

from contest.i18n import format_datetime, gettext as _
from contest.db import utcnow
from contest.web import STATIC_DIR

FONT = "DejaVu"
FONT_DIR = STATIC_DIR / "fonts"


class Document(FPDF):
    """A4 with the embedded font and a footer naming the page ("Page 2 of 5") and when it was printed."""

    def __init__(self, orientation: str = "portrait", *, footer: bool = True) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_font(FONT, size=10)
        self.set_auto_page_break(True, margin=18)
        self.set_creator("Hoithi")
        self.printed_at = format_datetime(utcnow())
        self.with_footer = footer

    def footer(self) -> None:
        if not self.with_footer:
            return
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 6, _("Printed %(when)s · page %(page)s of %(pages)s", when=self.printed_at, page=self.page_no(),
                          pages="{nb}"), align="C")
