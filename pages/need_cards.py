"""The volunteer board's cards: rows of `selectors.need_page(..., descriptions=True)` as the
plain values a card shows (jinja2/pages/_need_card.html) or a feed entry carries, with
what every card of a page shares translated once per language and process."""

from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django_countries import countries

from directory import filters, selectors
from directory.choices import ContentLanguage, LocationPrecision, NeedKind, Urgency
from directory.content import localized, reader_language
from directory.freshness import freshness
from directory.privacy import PUBLIC_ADDRESS_FIELDS, public_distance_km

from .cards import number_formatter
from .paths import listing_path

#: Matches counted exactly past the end of a page (as the API: bounded counts).
COUNT_AHEAD = 200

#: What each kind of need asks for, saying who gives and who gets (UX.md "Plain words").
HOW_TO_HELP = {
    NeedKind.VOLUNTEERS: gettext_lazy("They need volunteers"),
    NeedKind.SKILLS: gettext_lazy("They need your skills"),
    NeedKind.MONEY: gettext_lazy("Donate money here"),
    NeedKind.FOOD: gettext_lazy("Donate food here"),
    NeedKind.SUPPLIES: gettext_lazy("Donate supplies here"),
    NeedKind.SPACE: gettext_lazy("They need a space: lend or rent them one"),
    NeedKind.TRANSPORT: gettext_lazy("They need transport: drive or lend a vehicle"),
    NeedKind.EQUIPMENT: gettext_lazy("Lend or donate equipment here"),
    NeedKind.LEGAL: gettext_lazy("They need legal help"),
    NeedKind.TRANSLATION: gettext_lazy("They need translators or interpreters"),
    NeedKind.CHILDCARE: gettext_lazy("They need help with childcare"),
    NeedKind.OTHER: gettext_lazy("They need help"),
}

_C = {
    name: index
    for index, name in enumerate((*selectors.NEED_ROW_COLUMNS, *selectors.NEED_DESCRIPTION_COLUMNS))
}
_LANGUAGE_NAMES = dict(ContentLanguage.choices)


@lru_cache(maxsize=16)
def _labels(language: str) -> SimpleNamespace:
    """What every card of a page shares, translated once per language and process."""
    return SimpleNamespace(
        kinds={kind: str(label) for kind, label in NeedKind.choices},
        how_to_help={kind: str(text) for kind, text in HOW_TO_HELP.items()},
        urgencies={value: str(label) for value, label in Urgency.choices},
        number=number_formatter(),
        exact_km=_("%(km)s km away"),
        about_km=_("about %(km)s km away"),
    )


def _distance_text(metres: float, precision: str, labels=None) -> str:
    labels = labels or _labels(get_language())
    km = public_distance_km(metres, precision)
    if precision == LocationPrecision.EXACT:
        decimals = 1 if km < 10 else 0
        return labels.exact_km % {"km": labels.number(round(km, decimals), decimals)}
    # From a cell centre, in whole km (DESIGN.md §6); never "0 km".
    return labels.about_km % {"km": labels.number(max(1, int(km)), 0)}


def _confirmed_text(confirmed: datetime, now: datetime) -> str:
    days = max(0, (now - confirmed).days)
    if days == 0:
        return _("Confirmed today")
    return ngettext("Confirmed %(days)d day ago", "Confirmed %(days)d days ago", days) % {
        "days": days
    }


def _public_place(precision: str, row, country_names: dict | None = None) -> str:
    """Locality, state and country as far as the listing's precision shows them; a
    numeric state code (GeoNames' "15") says nothing to a reader and is left out."""
    admin1 = row[_C["listing__admin1"]] or ""
    code = row[_C["listing__country"]]
    names = {} if country_names is None else country_names
    if code and code not in names:
        names[code] = str(countries.name(code))
    values = {
        "locality": row[_C["listing__locality"]],
        "admin1": "" if admin1.isdigit() else admin1,
        "country": names[code] if code else "",
    }
    shown = PUBLIC_ADDRESS_FIELDS.get(precision, ())
    return ", ".join(
        str(values[name])
        for name in ("locality", "admin1", "country")
        if name in shown and values[name]
    )


def _text(source, name: str, language: str) -> dict:
    text, written_in = localized(source, name, language)
    return {
        "text": text,
        "lang": written_in,
        "note": (
            _("Written in %(language)s") % {"language": _LANGUAGE_NAMES.get(written_in, written_in)}
            if text and written_in != language
            else ""
        ),
    }


def need_cards(rows, *, with_distance: bool) -> list[dict]:
    """Rows of `selectors.need_page(..., descriptions=True)` as what a card (or a feed
    entry) shows."""
    language = reader_language()
    labels = _labels(get_language())
    countries_named: dict[str, str] = {}
    confirmed_texts: dict[int, str] = {}
    now = timezone.now()
    today = now.date()
    cards = []
    for row in rows:
        need_id = row[_C["id"]]
        source = SimpleNamespace(
            original_language=row[_C["original_language"]],
            **{f"title_{code}": row[_C[f"title_{code}"]] for code in _LANGUAGE_NAMES},
            **{f"description_{code}": row[_C[f"description_{code}"]] for code in _LANGUAGE_NAMES},
        )
        precision = row[_C["listing__location_precision"]]
        starts_on = date.fromisoformat(row[_C["starts_on"]]) if row[_C["starts_on"]] else None
        confirmed = row[_C["last_confirmed_at"]]
        days = max(0, (now - confirmed).days)
        if days not in confirmed_texts:
            confirmed_texts[days] = _confirmed_text(confirmed, now)
        kind, urgency, slug = row[_C["kind"]], row[_C["urgency"]], row[_C["listing__slug"]]
        cards.append(
            {
                "id": need_id,
                "kind": kind,
                "kind_label": labels.kinds.get(kind, kind),
                "how_to_help": labels.how_to_help.get(kind, kind),
                "title": _text(source, "title", language),
                "description": _text(source, "description", language),
                "skills": row[_C["skills"]],
                "quantity": row[_C["quantity"]],
                "unit": row[_C["unit"]],
                "urgency": urgency,
                "urgency_label": labels.urgencies.get(urgency, urgency),
                "starts_on": starts_on if starts_on and starts_on > today else None,
                "ends_on": date.fromisoformat(row[_C["ends_on"]]) if row[_C["ends_on"]] else None,
                "confirmed": confirmed_texts[days],
                "stale": freshness(confirmed, now) == "stale",
                "created_at": datetime.fromisoformat(row[_C["created_at"]]),
                "updated_at": datetime.fromisoformat(row[_C["updated_at"]]),
                "listing_slug": slug,
                "listing_name": row[_C["listing__name"]],
                "listing_kind": row[_C["listing__kind"]],
                "listing_url": listing_path(slug),
                # The relay form, when it reaches someone (else only "How to reach").
                "offer_url": f"{listing_path(slug)}contact/?need={need_id}"
                if row[_C["listing__reaches_lead"]]
                else "",
                "place": _public_place(precision, row, countries_named),
                "distance": _distance_text(row[-1], precision, labels) if with_distance else "",
                "point": (row[_C["lat"]], row[_C["lng"]]) if row[_C["lat"]] is not None else None,
            }
        )
    return cards


def fetch_cards(data: dict, *, offset: int, limit: int, ordering: str = "") -> tuple[int, list]:
    """(count up to the cap, cards) of a page: one statement whatever its size (the page,
    its bounded count and its needs' descriptions)."""
    if ordering:
        data = {**data, "ordering": ordering}
    query = filters.need_query(data)
    cap = offset + limit + COUNT_AHEAD
    count, rows = selectors.need_page(query, offset=offset, limit=limit, cap=cap, descriptions=True)
    return count, need_cards(rows, with_distance=query.point is not None)
