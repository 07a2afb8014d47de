"""The Jinja2 templates' words reach the catalogs: `makemessages` (pages/management/commands)
reads each template with Jinja2's extractor, and each of the four catalogs translates every
message found."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

from pages.management.commands.makemessages import templatize_jinja2

TEMPLATES = sorted((Path(settings.BASE_DIR) / "jinja2").rglob("*.html"))


def _messages(path: Path) -> set[tuple[str | None, str]]:
    """(context, msgid) of each message of the template, and of its plural."""
    found = set()
    for call in ast.walk(ast.parse(templatize_jinja2(str(path)))):
        if not isinstance(call, ast.Call):
            continue
        strings = [a.value for a in call.args if isinstance(a, ast.Constant)]
        if call.func.id in ("pgettext", "npgettext"):
            found.update((strings[0], s) for s in strings[1:])
        else:
            found.update((None, s) for s in strings)
    return found


def _catalog(language: str) -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> msgstr of the catalog's translated (not fuzzy) entries; a plural's
    first form stands for the entry, under its singular and its plural msgid."""
    text = (Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po").read_text()
    entries = {}
    for block in text.split("\n\n"):
        if "#, fuzzy" in block or block.lstrip().startswith("#~"):
            continue
        fields = {}
        for name, value in re.findall(
            r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?) ((?:\".*\"\n?)+)", block + "\n", re.M
        ):
            fields[name] = "".join(ast.literal_eval(s) for s in re.findall(r'".*"', value))
        if "msgid" not in fields:
            continue
        shown = fields.get("msgstr", fields.get("msgstr[0]", ""))
        for msgid in (fields["msgid"], fields.get("msgid_plural")):
            if msgid:
                entries[(fields.get("msgctxt"), msgid)] = shown
    return entries


def test_the_extractor_finds_the_words_of_a_card_and_of_a_trans_block():
    card = _messages(Path(settings.BASE_DIR) / "jinja2" / "pages" / "_result_card.html")
    assert (None, "Categories:") in card and (None, "May be out of date") in card
    search = _messages(Path(settings.BASE_DIR) / "jinja2" / "pages" / "search.html")
    assert (None, "%(counter)s results within %(km)s km of %(place)s") in search  # trimmed


@pytest.mark.parametrize("language", ["es", "pt", "fr", "en"])
def test_every_template_message_is_translated(language):
    catalog = _catalog(language)
    missing = sorted(
        f"{path.relative_to(settings.BASE_DIR)}: {msgid}"
        for path in TEMPLATES
        for context, msgid in _messages(path)
        if not catalog.get((context, msgid))
    )
    assert missing == []
