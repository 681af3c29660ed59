"""Vietnamese first, English second: complete catalogs, no untranslated text in templates, a working switcher."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from litestar.testing import AsyncTestClient

from contest.web import TEMPLATE_DIR, jinja_environment
from tests.conftest import World, login, post_form

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "contest" / "locale"
# Text that is the same in every language: the languages' own names in the switcher.
SELF_NAMED = {"Tiếng Việt", "English"}
TRANSLATABLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
HOLE = "\x00"  # stands for any {{ … }} or {% … %} in the text the HTML parser sees
LETTER = re.compile(r"[^\W\d_]")


def _text_outside_gettext(source: str) -> str:
    """The template with every Jinja construct replaced by HOLE and {% trans %} blocks dropped."""
    parts: list[str] = []
    in_trans = False
    previous = None
    for _line, token_type, value in jinja_environment().lex(source):
        if token_type == "whitespace":
            continue
        if token_type == "name" and previous == "block_begin" and value in ("trans", "pluralize"):
            in_trans = True
        elif token_type == "name" and previous == "block_begin" and value == "endtrans":
            in_trans = False
        if token_type == "data":
            if not in_trans:
                parts.append(value)
        elif token_type in ("variable_begin", "block_begin"):
            parts.append(HOLE)
        previous = token_type
    return "".join(parts)


class _LiteralFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def _check(self, text: str) -> None:
        text = text.replace(HOLE, " ").strip()
        if LETTER.search(text) and text not in SELF_NAMED:
            self.found.append(text)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in TRANSLATABLE_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(data)


def untranslated_literals(source: str) -> list[str]:
    finder = _LiteralFinder()
    finder.feed(_text_outside_gettext(source))
    return finder.found


def test_the_literal_finder_catches_what_it_should():
    assert untranslated_literals('<p>Hello {{ name }}</p>') == ["Hello"]
    assert untranslated_literals('<img alt="A cat" src="{{ x }}">') == ["A cat"]
    assert untranslated_literals('<p>{{ _("Hello") }}</p><p>{% trans %}Hi {{ n }}{% endtrans %}</p>') == []
    assert untranslated_literals('<a href="/x/{{ id }}" class="big">{{ name }}</a> · 12') == []


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATE_DIR).as_posix() for p in TEMPLATE_DIR.rglob("*.html")))
def test_templates_hold_no_untranslated_text(template: str):
    literals = untranslated_literals((TEMPLATE_DIR / template).read_text())
    assert not literals, f"{template}: wrap these in _(): {literals}"


def _catalog(locale: str):
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


def test_catalogs_are_up_to_date_with_the_code(tmp_path: Path):
    """Every string in the code and templates is in the catalogs (run `make messages` if this fails)."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location", "-F", "babel.cfg",
                    "-k", "lazy", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        extracted = {message.id for message in read_po(f) if message.id}
    for locale in ("vi", "en"):
        known = {message.id for message in _catalog(locale) if message.id}
        missing = extracted - known
        assert not missing, f"{locale} catalog lacks {len(missing)} strings, e.g. {sorted(map(str, missing))[:5]}"


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_string_is_translated(locale: str):
    untranslated = [message.id for message in _catalog(locale)
                    if message.id and (not message.string or (isinstance(message.string, tuple) and not all(message.string)))]
    assert not untranslated, f"{len(untranslated)} untranslated in {locale}, e.g. {untranslated[:5]}"
    fuzzy = [message.id for message in _catalog(locale) if message.id and message.fuzzy]
    assert not fuzzy, f"fuzzy (unchecked) translations in {locale}: {fuzzy[:5]}"


def test_python_format_placeholders_survive_translation():
    for locale in ("vi", "en"):
        for message in _catalog(locale):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set(re.findall(r"%\((\w+)\)", " ".join(ids)))
            values = {name: 1 for name in wanted | {"num"}}
            for string in filter(None, strings):
                assert set(re.findall(r"%\((\w+)\)", string)) == wanted, f"{locale}: {message.id!r} → {string!r}"
                if _formats(ids[0], values):  # templates always format their messages: a stray % would break the page
                    assert _formats(string, values), f"{locale}: {message.id!r} → {string!r} has a stray %"


def _formats(text: str, values: dict) -> bool:
    try:
        text % values
    except (ValueError, TypeError, KeyError):
        return False
    return True


async def test_vietnamese_is_the_default_and_english_follows_the_browser(client: AsyncTestClient):
    vietnamese = await client.get("/login", headers={"accept-language": "*"})
    assert '<html lang="vi">' in vietnamese.text and "Đăng nhập" in vietnamese.text
    english = await client.get("/login", headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Log in" in english.text


async def test_the_switcher_wins_over_the_browser(client: AsyncTestClient, world: World):
    response = await post_form(client, "/language", {"locale": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["location"] == "/login"
    page = await client.get("/login", headers={"accept-language": "vi"})
    assert "Log in" in page.text


async def test_plural_forms_follow_the_language(client: AsyncTestClient, world: World):
    await login(client, "teacher1")
    class_page = await client.get(f"/classes/{world.classes[0].id}", headers={"accept-language": "en"})
    assert "2 pupils" in class_page.text
    class_page = await client.get(f"/classes/{world.classes[0].id}", headers={"accept-language": "vi"})
    assert "2 học sinh" in class_page.text
