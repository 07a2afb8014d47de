"""Result cards: selector rows (`directory.selectors.ROW_COLUMNS` + distance_m) turned
into what a card shows, with the page's opening periods and category names fetched once
for the whole page (no query per card).

A card's markup is built here (`Card.html`), not by a template per card: on a page of 20
results the template engine cost more than everything else the page does in Python. The
labels a page repeats (kinds, access facts, needs, countries, "Confirmed n days ago") are
translated once per page.
"""

import html
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from django.db import connection
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from directory import hours
from directory.admin1 import address_admin1
from directory.choices import AccessFact, Freshness, ListingKind, LocationPrecision
from directory.content import localized, reader_language
from directory.freshness import freshness
from directory.privacy import public_distance_km
from directory.selectors import ROW_COLUMNS

from .forms import NEED_PHRASES, language_name

C = {name: index for index, name in enumerate(ROW_COLUMNS)}
LANGUAGES = ("es", "pt", "fr", "en")

#: A symbol beside the words of each access fact (aria-hidden: the words say it).
ACCESS_SYMBOLS = {
    AccessFact.FREE: "✓",
    AccessFact.NO_ID_REQUIRED: "⊘",
    AccessFact.NO_STATUS_QUESTIONS: "⊘",
    AccessFact.WALK_IN: "→",
    AccessFact.WHEELCHAIR_ACCESSIBLE: "♿",
    AccessFact.SERVES_UNHOUSED: "⌂",
    AccessFact.LGBTQ_AFFIRMING: "♥",
    AccessFact.FAMILIES_WELCOME: "☺",
    AccessFact.INTERPRETATION_AVAILABLE: "⇄",
}
ACCESS_LABELS = dict(AccessFact.choices)
KIND_LABELS = dict(ListingKind.choices)


@dataclass
class Card:
    slug: str
    url: str
    name: str
    kind: str
    kind_label: str
    summary: str
    summary_language: str
    place: str
    categories: list[str]
    distance: str
    open_text: str
    is_open: bool | None
    access: list[tuple[str, str]]
    languages: list[str]
    confirmed: str
    stale: bool
    needs: list[str]
    lat: float | None
    lng: float | None
    extra: dict = field(default_factory=dict)
    #: The card's markup (`<li class="card">...</li>`), every text in it escaped.
    html: SafeString = field(default_factory=SafeString)


class CategoryNames:
    """Category labels in the reader's language: one query for the taxonomy (small), used
    by the cards and by the filter's choices. Each category has `slug`, `path`, `depth`
    and `label`."""

    def __init__(self):
        names = tuple(f"name_{code}" for code in LANGUAGES)
        with connection.cursor() as cursor:
            cursor.execute(CATEGORIES_SQL)
            rows = cursor.fetchall()
        self.categories = []
        for slug, path, depth, *texts in rows:
            category = SimpleNamespace(
                slug=slug, path=path, depth=depth, **dict(zip(names, texts, strict=True))
            )
            category.label = localized(category, "name")[0] or slug
            self.categories.append(category)
        self.by_slug = {c.slug: c.label for c in self.categories}

    def names(self, slugs) -> list[str]:
        return [self.by_slug.get(slug, slug) for slug in slugs]


# The two small reads of a page as plain SQL: through the ORM, building the statement cost
# more than running it (tests/pages/test_search.py checks them against the models).
CATEGORIES_SQL = (
    'SELECT "slug", "path", "depth", "name_es", "name_pt", "name_fr", "name_en" '
    'FROM "directory_category" ORDER BY "path"'
)
PERIODS_SQL = (
    'SELECT p."listing_id", l."timezone", p."weekday", p."opens", p."closes" '
    'FROM "directory_openingperiod" p JOIN "directory_listing" l ON l."id" = p."listing_id" '
    'WHERE p."listing_id" = ANY(%s) ORDER BY p."listing_id", p."weekday", p."opens"'
)


def opening_periods(ids) -> dict[int, tuple[str, list[hours.Period]]]:
    """{listing id: (time zone, periods)} of the listings `ids`, in one query."""
    found: dict[int, tuple[str, list]] = {}
    if not ids:
        return found
    with connection.cursor() as cursor:
        cursor.execute(PERIODS_SQL, [list(ids)])
        rows = cursor.fetchall()
    periods = defaultdict(list)
    zones = {}
    for listing_id, zone, weekday, opens, closes in rows:
        zones[listing_id] = zone
        periods[listing_id].append(hours.Period(weekday, opens, closes))
    return {pk: (zones[pk], periods[pk]) for pk in periods}


def format_distance(metres: float, precision: str) -> str:
    """Locale-formatted km: "1,5 km" (exact), "about 3 km" (published cells)."""
    km = public_distance_km(metres, precision)
    if precision != LocationPrecision.EXACT:
        if km < 1:
            return _("less than 1 km away")
        return _("about %(km)s km away") % {"km": formats.number_format(km, 0, use_l10n=True)}
    decimals = 1 if km < 10 else 0
    return _("%(km)s km away") % {"km": formats.number_format(km, decimals, use_l10n=True)}


def confirmed_text(last_confirmed_at: datetime, now: datetime) -> str:
    days = max((now - last_confirmed_at).days, 0)
    if days == 0:
        return _("Confirmed today")
    return ngettext("Confirmed %(n)s day ago", "Confirmed %(n)s days ago", days) % {
        "n": formats.number_format(days, use_l10n=True)
    }


def public_place(row, names: "_PageTexts | None" = None) -> str:
    """Locality, state and country as the location precision allows (never the street)."""
    names = names or _PageTexts()
    precision = row[C["location_precision"]]
    country = str(row[C["country"]] or "")
    values = []
    if precision != LocationPrecision.HIDDEN and row[C["locality"]]:
        values.append(row[C["locality"]])
    if row[C["admin1"]]:
        values.append(names.admin1(country, row[C["admin1"]]))
    if country:
        values.append(names.country(country))
    return ", ".join(values)


#: A listing slug that needs no quoting in a URL (SlugField: letters, digits, - and _).
_PLAIN_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_SLUG_MARK = "tejido-card-slug"


class _PageTexts:
    """What every card of a page shares, computed once: translated labels, the listing URL
    pattern, country and state names."""

    def __init__(self):
        self.reader = reader_language()
        self.kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
        self.access = {
            fact: (ACCESS_SYMBOLS.get(fact, "•"), str(label))
            for fact, label in ACCESS_LABELS.items()
        }
        self.needs = {kind: str(phrase) for kind, phrase in NEED_PHRASES.items()}
        self._url = reverse("pages:listing", args=[_SLUG_MARK]).split(_SLUG_MARK)
        self._countries: dict[str, str] = {}
        self._admin1: dict[tuple[str, str], str] = {}
        self._confirmed: dict[int, str] = {}
        self.words = {
            "categories": _e(_("Categories:")),
            "access": _e(_("Access")),
            "languages": _e(_("Languages spoken:")),
            "needs": _e(_("What it needs")),
            "stale": _e(_("May be out of date")),
        }

    def url(self, slug: str) -> str:
        if len(self._url) != 2 or not _PLAIN_SLUG.match(slug):
            return reverse("pages:listing", args=[slug])
        return f"{self._url[0]}{slug}{self._url[1]}"

    def country(self, code: str) -> str:
        if code not in self._countries:
            self._countries[code] = countries.name(code) or code
        return self._countries[code]

    def admin1(self, country: str, value: str) -> str:
        key = (country, value)
        if key not in self._admin1:
            self._admin1[key] = address_admin1(country, value, self.reader)
        return self._admin1[key]

    def confirmed(self, last_confirmed_at: datetime, now: datetime) -> str:
        days = max((now - last_confirmed_at).days, 0)
        if days not in self._confirmed:
            self._confirmed[days] = confirmed_text(last_confirmed_at, now)
        return self._confirmed[days]


def _e(text) -> str:
    """Escaped as the template engine escapes a variable (Django's `escape`, without its
    check for lazy arguments: it is called about 15 times a card)."""
    return html.escape(str(text))


def card_html(card: Card, words: dict[str, str]) -> SafeString:
    """The markup of one result card (`words`: the escaped labels of `_PageTexts.words`)."""
    e = _e
    meta = f'<span class="kind kind--{e(card.kind)}">{e(card.kind_label)}</span>'
    if card.distance:
        meta += f' · <span class="distance">{e(card.distance)}</span>'
    if card.place:
        meta += f" · {e(card.place)}"
    parts = [
        '<li class="card">\n'
        f'  <h3 class="card__name"><a href="{e(card.url)}">{e(card.name)}</a></h3>\n'
        f'  <p class="card__meta">{meta}</p>\n'
    ]
    if card.open_text:
        state = " open-status--open" if card.is_open else ""
        parts.append(f'  <p class="open-status{state}">{e(card.open_text)}</p>\n')
    if card.summary:
        parts.append(
            f'  <p class="card__summary" lang="{e(card.summary_language)}">{e(card.summary)}</p>\n'
        )
    if card.categories:
        parts.append(
            f'  <p class="card__categories"><span class="visually-hidden">{words["categories"]} '
            f"</span>{' · '.join(e(c) for c in card.categories)}</p>\n"
        )
    if card.access:
        facts = "".join(
            f'<li><span class="facts__icon" aria-hidden="true">{e(symbol)}</span> {e(text)}</li>'
            for symbol, text in card.access
        )
        parts.append(f'  <ul class="facts" aria-label="{words["access"]}">{facts}</ul>\n')
    if card.languages:
        spoken = ", ".join(e(language) for language in card.languages)
        parts.append(f'  <p class="card__languages">{words["languages"]} {spoken}</p>\n')
    if card.needs:
        needs = "".join(f"<li>{e(need)}</li>" for need in card.needs)
        parts.append(f'  <ul class="needs-list" aria-label="{words["needs"]}">{needs}</ul>\n')
    stale = f' · <strong class="stale">{words["stale"]}</strong>' if card.stale else ""
    parts.append(f'  <p class="card__confirmed">{e(card.confirmed)}{stale}</p>\n</li>\n')
    return mark_safe("".join(parts))


def build_cards(rows, *, reader: str, categories: CategoryNames, with_distance: bool):
    """Cards of a page of rows: one more query (opening periods) for all of them."""
    now = timezone.now()
    periods = opening_periods([row[C["id"]] for row in rows])
    texts = _PageTexts()
    cards = []
    for row in rows:
        pk = row[C["id"]]
        zone, listing_periods = periods.get(pk, ("", []))
        state = hours.status(listing_periods, zone, now)
        summaries = {code: row[C[f"summary_{code}"]] for code in LANGUAGES}
        summary_language = next(
            (
                code
                for code in (reader, row[C["original_language"]], *LANGUAGES)
                if summaries.get(code)
            ),
            reader,
        )
        precision = row[C["location_precision"]]
        kind = row[C["kind"]]
        card = Card(
            slug=row[C["slug"]],
            url=texts.url(row[C["slug"]]),
            name=row[C["name"]],
            kind=kind,
            kind_label=texts.kinds.get(kind, kind),
            summary=summaries.get(summary_language) or "",
            summary_language=summary_language,
            place=public_place(row, texts),
            categories=categories.names(row[C["category_slugs"]] or ()),
            distance=format_distance(row[-1], precision) if with_distance else "",
            open_text=hours.describe(state),
            is_open=None if state is None else state.is_open,
            access=[texts.access.get(a, ("•", a)) for a in row[C["access"]] or ()],
            languages=[language_name(code, reader) for code in row[C["languages"]] or ()],
            confirmed=texts.confirmed(row[C["last_confirmed_at"]], now),
            stale=freshness(row[C["last_confirmed_at"]], now) == Freshness.STALE,
            needs=[texts.needs.get(k, k) for k in row[C["need_kinds"]] or ()],
            lat=row[C["lat"]],
            lng=row[C["lng"]],
        )
        card.html = card_html(card, texts.words)
        cards.append(card)
    return cards


def map_points(cards) -> list[dict]:
    """The cards' public points for the results map (hidden listings have none)."""
    return [
        {"lat": c.lat, "lng": c.lng, "name": c.name, "url": c.url, "kind": c.kind}
        for c in cards
        if c.lat is not None and c.lng is not None
    ]
