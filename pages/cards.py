"""Result cards: selector rows (`directory.selectors.ROW_COLUMNS` + `HOURS_COLUMNS` +
distance_m, from `listing_page(..., hours=True)`) turned into what a card shows, with the
category names of the taxonomy (kept per process, `CategoryNames`): no query per card, and
none besides the page's own.

The card's markup is jinja2/pages/_result_card.html; here are only its values, as plain
text (the template escapes them). The labels a page repeats (kinds, access facts, needs,
countries, "Confirmed n days ago") are translated once per page.
"""

from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache
from types import SimpleNamespace

from django.utils import formats, numberformat, timezone
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

from .data_caches import CATEGORIES_SQL, forget_taxonomy, taxonomy  # noqa: F401
from .forms import NEED_PHRASES, language_name
from .paths import listing_path

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


class CategoryNames:
    """Category labels in the reader's language, used by the cards and by the filter's
    choices. Each category has `slug`, `path`, `depth` and `label`.

    The taxonomy is read once per process and kept a while (`pages.data_caches`)."""

    def __init__(self):
        language = get_language()
        rows, labels = taxonomy()
        found = labels.get(language)
        if found is None:
            found = labels[language] = _labelled(rows)
        self.categories, self.by_slug = found

    def names(self, slugs) -> list[str]:
        return [self.by_slug.get(slug, slug) for slug in slugs]


def _labelled(rows) -> tuple[list, dict[str, str]]:
    names = tuple(f"name_{code}" for code in LANGUAGES)
    categories = []
    for slug, path, depth, *texts in rows:
        category = SimpleNamespace(
            slug=slug, path=path, depth=depth, **dict(zip(names, texts, strict=True))
        )
        category.label = localized(category, "name")[0] or slug
        categories.append(category)
    return categories, {c.slug: c.label for c in categories}


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
    )


class _PageTexts:
    """What every card of a page shares, computed once: translated labels (once per
    language and process), the listing URL pattern, country and state names."""

    def __init__(self):
        self.reader = reader_language()
        labels = _labels(get_language())
        self.kinds, self.access, self.needs = labels.kinds, labels.access, labels.needs
        self.distance_words = labels.distance_words
        self.number = labels.number
        self._countries: dict[str, str] = {}
        self._admin1: dict[tuple[str, str], str] = {}
        self._confirmed: dict[int, str] = {}

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
        cards.append(card)
    return cards


def map_points(cards) -> list[dict]:
    """The cards' public points for the results map (hidden listings have none)."""
    return [
        {"lat": c.lat, "lng": c.lng, "name": c.name, "url": c.url, "kind": c.kind}
        for c in cards
        if c.lat is not None and c.lng is not None
    ]
