"""Result cards: selector rows (`directory.selectors.ROW_COLUMNS` + `HOURS_COLUMNS` +
distance_m, from `listing_page(..., hours=True)`) turned into what a card shows, with the
category names of the taxonomy (kept per process, `CategoryNames`): no query per card, and
none besides the page's own.

A card's markup is built here (`Card.html`), not by a template per card: on a page of 20
results the template engine cost more than everything else the page does in Python. The
labels a page repeats (kinds, access facts, needs, countries, "Confirmed n days ago") are
translated once per page.
"""

import html
import threading
import time as monotonic_time
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache
from types import SimpleNamespace

from django.db import connection
from django.utils import formats, numberformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django_countries import countries

from directory import hours
from directory.admin1 import address_admin1
from directory.choices import AccessFact, Freshness, ListingKind, LocationPrecision
from directory.content import localized, reader_language
from directory.freshness import freshness
from directory.privacy import public_distance_km
from directory.selectors import HOURS_COLUMNS, ROW_COLUMNS

from .forms import NEED_PHRASES, language_name
from .kept import listing_path

C = {name: index for index, name in enumerate((*ROW_COLUMNS, *HOURS_COLUMNS))}
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
    """Category labels in the reader's language, used by the cards and by the filter's
    choices. Each category has `slug`, `path`, `depth` and `label`; `key` identifies the
    labels (the search form keeps its rendered filters by it).

    The taxonomy is small and changes seldom, so it is read once per process and kept for
    TAXONOMY_SECONDS (a saved or deleted category clears it at once in the process that
    changed it; other processes see the change within that time)."""

    def __init__(self):
        language = get_language()
        rows, labels = _taxonomy()
        found = labels.get(language)
        if found is None:
            found = labels[language] = _labelled(rows)
        self.categories, self.by_slug, self.key = found

    def names(self, slugs) -> list[str]:
        return [self.by_slug.get(slug, slug) for slug in slugs]


#: How long a process keeps the taxonomy it read (seconds).
TAXONOMY_SECONDS = 60
_TAXONOMY: dict = {"generation": 0}
_TAXONOMY_LOCK = threading.Lock()


def _taxonomy() -> tuple[list[tuple], dict]:
    """(rows of CATEGORIES_SQL, {language: labelled categories}) of this process."""
    with _TAXONOMY_LOCK:
        kept, generation = _TAXONOMY.get("kept"), _TAXONOMY["generation"]
        if kept is not None and monotonic_time.monotonic() - kept[0] < TAXONOMY_SECONDS:
            return kept[1], kept[2]
    with connection.cursor() as cursor:
        cursor.execute(CATEGORIES_SQL)
        rows = cursor.fetchall()
    labels: dict = {}
    with _TAXONOMY_LOCK:
        if _TAXONOMY["generation"] == generation:  # not forgotten while it was read
            _TAXONOMY["kept"] = (monotonic_time.monotonic(), rows, labels)
    return rows, labels


def forget_taxonomy(**_kwargs) -> None:
    """Read the taxonomy again on the next page (a category was saved or deleted)."""
    with _TAXONOMY_LOCK:
        _TAXONOMY.pop("kept", None)
        _TAXONOMY["generation"] += 1


def _labelled(rows) -> tuple[list, dict[str, str], tuple]:
    names = tuple(f"name_{code}" for code in LANGUAGES)
    categories = []
    for slug, path, depth, *texts in rows:
        category = SimpleNamespace(
            slug=slug, path=path, depth=depth, **dict(zip(names, texts, strict=True))
        )
        category.label = localized(category, "name")[0] or slug
        categories.append(category)
    by_slug = {c.slug: c.label for c in categories}
    key = tuple((c.slug, c.depth, c.label) for c in categories)
    return categories, by_slug, key


# The taxonomy as plain SQL: through the ORM, building the statement cost more than running
# it (tests/pages/test_search.py checks it against the model).
CATEGORIES_SQL = (
    'SELECT "slug", "path", "depth", "name_es", "name_pt", "name_fr", "name_en" '
    'FROM "directory_category" ORDER BY "path"'
)


_MINUTES = [time(m // 60, m % 60) for m in range(24 * 60)]


def row_periods(row) -> tuple[str, list[hours.Period]]:
    """(time zone, weekly periods) of a row with HOURS_COLUMNS."""
    return row[C["timezone"]], [
        hours.Period(weekday, _MINUTES[opens % 1440], _MINUTES[closes % 1440])
        for weekday, opens, closes in row[C["opening_periods"]] or ()
    ]


def format_distance(metres: float, precision: str, texts: "_PageTexts | None" = None) -> str:
    """Locale-formatted km: "1,5 km" (exact), "about 3 km" (published cells)."""
    texts = texts or _PageTexts()
    km = public_distance_km(metres, precision)
    if precision != LocationPrecision.EXACT:
        if km < 1:
            return texts.distance_words[0]
        return texts.distance_words[1] % {"km": texts.number(km, 0)}
    decimals = 1 if km < 10 else 0
    return texts.distance_words[2] % {"km": texts.number(km, decimals)}


def confirmed_text(last_confirmed_at: datetime, now: datetime, number=None) -> str:
    days = max((now - last_confirmed_at).days, 0)
    if days == 0:
        return _("Confirmed today")
    number = number or (lambda value: formats.number_format(value, use_l10n=True))
    return ngettext("Confirmed %(n)s day ago", "Confirmed %(n)s days ago", days) % {
        "n": number(days)
    }


def number_formatter():
    """`formats.number_format(value, decimals, use_l10n=True)` with the active language's
    separators looked up once (a page formats two numbers a card)."""
    decimal = formats.get_format("DECIMAL_SEPARATOR", use_l10n=True)
    thousands = formats.get_format("THOUSAND_SEPARATOR", use_l10n=True)
    grouping = formats.get_format("NUMBER_GROUPING", use_l10n=True)

    def number(value, decimals=None) -> str:
        return numberformat.format(
            value, decimal, decimals, grouping, thousands, force_grouping=False, use_l10n=True
        )

    return number


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


@lru_cache(maxsize=32)
def _labels(language: str) -> SimpleNamespace:
    """The labels of cards in the active `language` (the key), translated once."""
    return SimpleNamespace(
        kinds={kind: str(label) for kind, label in KIND_LABELS.items()},
        access={
            fact: (ACCESS_SYMBOLS.get(fact, "•"), str(label))
            for fact, label in ACCESS_LABELS.items()
        },
        needs={kind: str(phrase) for kind, phrase in NEED_PHRASES.items()},
        number=number_formatter(),
        distance_words=(
            _("less than 1 km away"),
            _("about %(km)s km away"),
            _("%(km)s km away"),
        ),
        words={
            "categories": _e(_("Categories:")),
            "access": _e(_("Access")),
            "languages": _e(_("Languages spoken:")),
            "needs": _e(_("What it needs")),
            "stale": _e(_("May be out of date")),
        },
    )


class _PageTexts:
    """What every card of a page shares, computed once: translated labels (once per
    language and process), the listing URL pattern, country and state names."""

    def __init__(self):
        self.reader = reader_language()
        labels = _labels(get_language())
        self.kinds, self.access, self.needs = labels.kinds, labels.access, labels.needs
        self.words, self.distance_words = labels.words, labels.distance_words
        self.number = labels.number
        self._countries: dict[str, str] = {}
        self._admin1: dict[tuple[str, str], str] = {}
        self._confirmed: dict[int, str] = {}
        self._escaped: dict[str, str] = {}

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
            self._confirmed[days] = confirmed_text(last_confirmed_at, now, self.number)
        return self._confirmed[days]

    def escaped(self, label: str) -> str:
        """`label` escaped, once a page (labels of kinds, categories, access, needs...)."""
        found = self._escaped.get(label)
        if found is None:
            found = self._escaped[label] = _e(label)
        return found


def _e(text) -> str:
    """Escaped as the template engine escapes a variable (Django's `escape`, without its
    check for lazy arguments: it is called about 15 times a card)."""
    return html.escape(str(text))


def card_html(card: Card, texts: "_PageTexts | None" = None) -> SafeString:
    """The markup of one result card."""
    texts = texts or _PageTexts()
    words, e, label = texts.words, _e, texts.escaped
    meta = f'<span class="kind kind--{label(card.kind)}">{label(card.kind_label)}</span>'
    if card.distance:
        meta += f' · <span class="distance">{e(card.distance)}</span>'
    if card.place:
        meta += f" · {label(card.place)}"
    parts = [
        '<li class="card">\n'
        f'  <h3 class="card__name"><a href="{e(card.url)}">{e(card.name)}</a></h3>\n'
        f'  <p class="card__meta">{meta}</p>\n'
    ]
    if card.open_text:
        state = " open-status--open" if card.is_open else ""
        parts.append(f'  <p class="open-status{state}">{label(card.open_text)}</p>\n')
    if card.summary:
        parts.append(
            f'  <p class="card__summary" lang="{label(card.summary_language)}">'
            f"{e(card.summary)}</p>\n"
        )
    if card.categories:
        parts.append(
            f'  <p class="card__categories"><span class="visually-hidden">{words["categories"]} '
            f"</span>{' · '.join(label(c) for c in card.categories)}</p>\n"
        )
    if card.access:
        facts = "".join(
            f'<li><span class="facts__icon" aria-hidden="true">{label(symbol)}</span> '
            f"{label(text)}</li>"
            for symbol, text in card.access
        )
        parts.append(f'  <ul class="facts" aria-label="{words["access"]}">{facts}</ul>\n')
    if card.languages:
        spoken = ", ".join(label(language) for language in card.languages)
        parts.append(f'  <p class="card__languages">{words["languages"]} {spoken}</p>\n')
    if card.needs:
        needs = "".join(f"<li>{label(need)}</li>" for need in card.needs)
        parts.append(f'  <ul class="needs-list" aria-label="{words["needs"]}">{needs}</ul>\n')
    stale = f' · <strong class="stale">{words["stale"]}</strong>' if card.stale else ""
    parts.append(f'  <p class="card__confirmed">{label(card.confirmed)}{stale}</p>\n</li>\n')
    return mark_safe("".join(parts))


def build_cards(rows, *, reader: str, categories: CategoryNames, with_distance: bool):
    """Cards of a page of rows (with HOURS_COLUMNS): no query."""
    now = timezone.now()
    texts = _PageTexts()
    cards = []
    for row in rows:
        zone, listing_periods = row_periods(row)
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
            url=listing_path(row[C["slug"]]),
            name=row[C["name"]],
            kind=kind,
            kind_label=texts.kinds.get(kind, kind),
            summary=summaries.get(summary_language) or "",
            summary_language=summary_language,
            place=public_place(row, texts),
            categories=categories.names(row[C["category_slugs"]] or ()),
            distance=format_distance(row[-1], precision, texts) if with_distance else "",
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
        card.html = card_html(card, texts)
        cards.append(card)
    return cards


def map_points(cards) -> list[dict]:
    """The cards' public points for the results map (hidden listings have none)."""
    return [
        {"lat": c.lat, "lng": c.lng, "name": c.name, "url": c.url, "kind": c.kind}
        for c in cards
        if c.lat is not None and c.lng is not None
    ]
