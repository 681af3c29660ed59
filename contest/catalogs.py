"""`python -m contest.catalogs`: refresh the translation catalogs from the code (what `make messages` runs).

Extracts every UI string, merges it into the Vietnamese and English catalogs, and fills the English
catalog's empty entries with their English message ids (the ids are English). Vietnamese entries
stay empty until someone translates them, and a test fails until they do.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = Path(__file__).parent / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def refresh() -> None:
    _pybabel("extract", "--no-location", "--sort-output", "-F", str(ROOT / "babel.cfg"), "-k", "lazy",
             "-o", str(TEMPLATE), str(ROOT))
    _pybabel("update", "--no-fuzzy-matching", "--ignore-obsolete", "-N", "-i", str(TEMPLATE), "-d", str(LOCALE_DIR))
    english = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
    with english.open("rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if message.id and not any(message.string if isinstance(message.string, tuple) else [message.string]):
            message.string = message.id
    with english.open("wb") as f:
        write_po(f, catalog, omit_header=False, sort_output=True, width=100)


if __name__ == "__main__":
    refresh()
