"""Norwegian bokmål is the default and complete; English is the source language."""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation.template import templatize

TEMPLATES = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))
CATALOGUE = Path(settings.BASE_DIR, "locale", "nb", "LC_MESSAGES", "django.po")
SOURCES = [
    p
    for app in ("hms", "units", "reporting", "deviations", "riskassessment")
    for p in Path(settings.BASE_DIR, app).rglob("*.py")
    if "migrations" not in p.parts
]


def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def test_every_entry_of_the_catalogue_is_translated():
    po = catalogue()
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


GETTEXT_CALL = re.compile(r"""\b(?:n?gettext(?:_lazy)?|_)\(\s*(['"])((?:\\.|(?!\1).)*)\1""")


def msgids_in(text: str) -> set[str]:
    return {m.group(2).replace("\\'", "'").replace('\\"', '"') for m in GETTEXT_CALL.finditer(text)}


GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}


def msgids_in_python(text: str) -> set[str]:
    """Literal first arguments of gettext calls, with implicit concatenation joined."""
    found = set()
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in GETTEXT_NAMES
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("path", TEMPLATES + SOURCES, ids=lambda p: p.name)
def test_every_marked_string_is_in_the_catalogue(path):
    """A string marked for translation but missing from locale/nb fails here: run
    `manage.py makemessages -l nb` and translate it."""
    text = path.read_text()
    found = msgids_in(templatize(text)) if path.suffix == ".html" else msgids_in_python(text)
    known = {e.msgid for e in catalogue()}
    missing = sorted(found - known)
    assert not missing, f"{path.name}: not in the Norwegian catalogue: {missing}"


class VisibleText(HTMLParser):
    """Collects text a user would read that is not inside a template tag or variable."""

    SKIP = {"script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in {"aria-label", "title", "placeholder", "alt"} and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


TAG_OR_VAR = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
TRANSLATED_BLOCK = re.compile(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", re.S)
# Words that are the same in both languages or are names.
ALLOWED = {"NTNU", "HSE", "←", "→", "–", "·", "×", "%", ":", ",", "(", ")"}
# File formats, the injury rates' names, a CSV column name and the receipt code's shape.
ALLOWED |= {"CSV", "XLSX", "H1", "H2", "unit_code", "ABCD-EFGH-JKMN"}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_templates_have_no_untranslated_text(path):
    source = TRANSLATED_BLOCK.sub(" ", path.read_text())
    source = TAG_OR_VAR.sub(" ", source)
    parser = VisibleText()
    parser.feed(source)
    leftovers = []
    for text in parser.texts:
        words = [w for w in re.split(r"\s+", text.strip()) if w and w not in ALLOWED]
        if any(re.search(r"[A-Za-zÆØÅæøå]", w) for w in words):
            leftovers.append(text.strip())
    assert not leftovers, f"text not marked for translation: {leftovers}"


def test_norwegian_is_the_default_and_english_is_complete(db):
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="nb">' in page
    assert "Logg inn" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page and "Logg inn" not in page


def test_model_choices_are_translated():
    from units.models import Role

    with translation.override("nb"):
        assert str(Role.SAFETY_REP.label) == "Verneombud"
    with translation.override("en"):
        assert str(Role.SAFETY_REP.label) == "Safety representative"
