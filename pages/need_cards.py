"""The volunteer board's cards as markup built in Python (decision 0015), from the dicts of
`pages.needs.need_cards`: on a page of 20 needs, a template per card cost more than
everything else the page does. Words are translated once per language and process; every
value is escaped where it is placed.
"""

from functools import lru_cache
from html import escape

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

#: Words of a description shown on a card (the rest is on the listing's page).
DESCRIPTION_WORDS = 40


@lru_cache(maxsize=16)
def _words(language: str) -> dict[str, str]:
    """The cards' words in `language`, escaped ("reach" keeps its %(name)s)."""
    words = {
        "urgent": _("Urgent"),
        "skills": _("Skills"),
        "how_much": _("How much"),
        "from": _("From"),
        "until": _("Until"),
        "urgency": _("Urgency"),
        "asked_by": _("Asked by"),
        "how_to_help": _("How to help:"),
        "contact": _("Contact the project through its page; they confirm when the need is met."),
        "reach": _("How to reach %(name)s"),
        "stale": _("This may be out of date."),
    }
    return {name: escape(str(text), quote=False) for name, text in words.items()}


def _day(value, w: dict, label: str) -> str:
    shown = escape(formats.date_format(value, "DATE_FORMAT"))
    return (
        f"<div><dt>{w[label]}</dt><dd>"
        f'<time datetime="{value.isoformat()}">{shown}</time></dd></div>'
    )


def need_card_html(card: dict) -> SafeString:
    """The markup of one need's card (`<li class="card need-card">...</li>`)."""
    w = _words(get_language())
    e = escape
    urgent = card["urgency"] == "urgent"
    title, description = card["title"], card["description"]
    parts = [
        f'<li class="card need-card{" need-card--urgent" if urgent else ""}" '
        f'id="need-{e(str(card["id"]))}">\n'
        f'  <p class="need-ask"><span class="need-kind need-kind--{e(card["kind"])}">'
        f"{e(str(card['how_to_help']))}</span>"
    ]
    if urgent:
        parts.append(
            '\n    <strong class="need-urgent"><span aria-hidden="true">!</span> '
            f"{w['urgent']}</strong>"
        )
    parts.append(f'</p>\n  <h3 lang="{e(title["lang"])}">{e(title["text"])}</h3>\n')
    if description["text"]:
        shown = Truncator(description["text"]).words(DESCRIPTION_WORDS, truncate=" …")
        parts.append(
            f'  <p class="need-description" lang="{e(description["lang"])}">{e(shown)}</p>\n'
        )
    note = title["note"] or description["note"]
    if note:
        parts.append(f'  <p class="need-note">{e(note)}</p>\n')
    facts = []
    if card["skills"]:
        tags = "".join(f"<li>{e(skill)}</li>" for skill in card["skills"])
        facts.append(f'<div><dt>{w["skills"]}</dt><dd><ul class="need-tags">{tags}</ul></dd></div>')
    if card["quantity"]:
        unit = f" {e(card['unit'])}" if card["unit"] else ""
        amount = e(str(intcomma(card["quantity"])))
        facts.append(f"<div><dt>{w['how_much']}</dt><dd>{amount}{unit}</dd></div>")
    if card["starts_on"]:
        facts.append(_day(card["starts_on"], w, "from"))
    if card["ends_on"]:
        facts.append(_day(card["ends_on"], w, "until"))
    if not urgent:
        facts.append(f"<div><dt>{w['urgency']}</dt><dd>{e(str(card['urgency_label']))}</dd></div>")
    parts.append('  <dl class="need-facts">\n    ' + "\n    ".join(facts) + "\n  </dl>\n")
    url, name = e(card["listing_url"]), e(card["listing_name"])
    place = f'<span class="need-place"> · {e(card["place"])}</span>' if card["place"] else ""
    distance = (
        f'<span class="need-distance"> · {e(card["distance"])}</span>' if card["distance"] else ""
    )
    parts.append(
        f'  <p class="need-by">{w["asked_by"]} <a href="{url}">{name}</a>{place}{distance}</p>\n'
        f'  <p class="need-next"><strong>{w["how_to_help"]}</strong> {w["contact"]}\n'
        f'    <a class="need-contact" href="{url}">{w["reach"] % {"name": name}}</a></p>\n'
    )
    stale = f" · <strong>{w['stale']}</strong>" if card["stale"] else ""
    parts.append(f'  <p class="meta need-fresh">{e(card["confirmed"])}{stale}</p>\n</li>\n')
    return mark_safe("".join(parts))  # every value is escaped above
