"""Result cards: selector rows (`directory.selectors.ROW_COLUMNS` + distance_m) turned
into what a card shows, with the page's opening periods and category names fetched once
for the whole page (no query per card)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from directory import hours
from directory.admin1 import address_admin1
from directory.choices import AccessFact, Freshness, ListingKind, LocationPrecision
from directory.content import localized, reader_language
from directory.freshness import freshness
from directory.models import Category, OpeningPeriod
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


class CategoryNames:
    """Category labels in the reader's language: one query for the taxonomy (small), used
    by the cards and by the filter's choices."""

    def __init__(self):
        self.categories = list(
            Category.objects.order_by("path").only(
                "slug", "path", "depth", *(f"name_{code}" for code in LANGUAGES)
            )
        )
        for category in self.categories:
            category.label = localized(category, "name")[0] or category.slug
        self.by_slug = {c.slug: c.label for c in self.categories}

    def names(self, slugs) -> list[str]:
        return [self.by_slug.get(slug, slug) for slug in slugs]


def opening_periods(ids) -> dict[int, tuple[str, list[hours.Period]]]:
    """{listing id: (time zone, periods)} of the listings `ids`, in one query."""
    found: dict[int, tuple[str, list]] = {}
    if not ids:
        return found
    rows = (
        OpeningPeriod.objects.filter(listing_id__in=list(ids))
        .order_by("listing_id", "weekday", "opens")
        .values_list("listing_id", "listing__timezone", "weekday", "opens", "closes")
    )
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


def public_place(row) -> str:
    """Locality, state and country as the location precision allows (never the street)."""
    precision = row[C["location_precision"]]
    parts = ["locality", "admin1"] if precision != LocationPrecision.HIDDEN else ["admin1"]
    country = str(row[C["country"]] or "")
    values = [
        address_admin1(country, row[C[name]], reader_language())
        if name == "admin1"
        else row[C[name]]
        for name in parts
        if row[C[name]]
    ]
    if row[C["country"]]:
        values.append(countries.name(str(row[C["country"]])) or str(row[C["country"]]))
    return ", ".join(values)


def build_cards(rows, *, reader: str, categories: CategoryNames, with_distance: bool):
    """Cards of a page of rows: one more query (opening periods) for all of them."""
    now = timezone.now()
    periods = opening_periods([row[C["id"]] for row in rows])
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
        cards.append(
            Card(
                slug=row[C["slug"]],
                url=reverse("pages:listing", args=[row[C["slug"]]]),
                name=row[C["name"]],
                kind=row[C["kind"]],
                kind_label=str(KIND_LABELS.get(row[C["kind"]], row[C["kind"]])),
                summary=summaries.get(summary_language) or "",
                summary_language=summary_language,
                place=public_place(row),
                categories=categories.names(row[C["category_slugs"]] or ()),
                distance=format_distance(row[-1], precision) if with_distance else "",
                open_text=hours.describe(state),
                is_open=None if state is None else state.is_open,
                access=[
                    (ACCESS_SYMBOLS.get(a, "•"), str(ACCESS_LABELS.get(a, a)))
                    for a in row[C["access"]] or ()
                ],
                languages=[language_name(code, reader) for code in row[C["languages"]] or ()],
                confirmed=confirmed_text(row[C["last_confirmed_at"]], now),
                stale=freshness(row[C["last_confirmed_at"]], now) == Freshness.STALE,
                needs=[str(NEED_PHRASES.get(k, k)) for k in row[C["need_kinds"]] or ()],
                lat=row[C["lat"]],
                lng=row[C["lng"]],
            )
        )
    return cards


def map_points(cards) -> list[dict]:
    """The cards' public points for the results map (hidden listings have none)."""
    return [
        {"lat": c.lat, "lng": c.lng, "name": c.name, "url": c.url, "kind": c.kind}
        for c in cards
        if c.lat is not None and c.lng is not None
    ]
