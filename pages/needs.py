"""The volunteer board: open needs of public listings, filtered like the API's `/needs/`
(DESIGN.md §1 journey 3), each saying in plain words who gives, who gets and how to help."""

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django_countries import countries

from directory import filters, selectors
from directory.choices import ContentLanguage, LocationPrecision, NeedKind, Urgency
from directory.content import localized, reader_language
from directory.filters import NeedFilterSet
from directory.freshness import freshness
from directory.privacy import PUBLIC_ADDRESS_FIELDS, public_distance_km
from mapping.maps import results_map

from .cards import number_formatter
from .kept import KeptMarkup, listing_path
from .need_cards import need_card_html
from .places import Near
from .places import resolve as resolve_near

PAGE_SIZE = 20
#: Matches counted exactly past the end of a page (as the API: bounded counts).
COUNT_AHEAD = 200
MAX_OFFSET = 10_000
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1
RADII_KM = (5, 10, 25, 50, 100, 250, 500)
#: Parameters of the board besides the FilterSet's own.
BOARD_EXTRA = frozenset({"near", "page"})
#: Filters behind the "Filters (n)" control (What and Where stay in sight).
FOLDED_FILTERS = ("kind", "skill", "urgency", "language", "region", "ordering")

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

ORDERING_LABELS = {
    "": gettext_lazy("Nearest, or most urgent"),
    "distance": gettext_lazy("Nearest first"),
    "-urgency": gettext_lazy("Most urgent first"),
    "-created_at": gettext_lazy("Newest first"),
    "ends_on": gettext_lazy("Ending soonest first"),
}

# --- Validated filters --------------------------------------------------------------------


@dataclass
class BoardFilters:
    """The board's query string, validated: cleaned `data` or `errors` by parameter, and
    what `near` resolved to (a point, places to choose from, or an error)."""

    params: QueryDict
    data: dict
    errors: dict[str, list[str]]
    near: Near
    page: int = 1

    @property
    def choosing(self) -> bool:
        """`near` matched several places: the reader picks one before anything is listed."""
        return bool(self.near.choices) and self.near.point is None


def _clean_page(value: str | None) -> tuple[int, list[str]]:
    if not value:
        return 1, []
    if value.isdigit() and 1 <= int(value) <= MAX_PAGE:
        return int(value), []
    return 1, [_("Give a page number from 1 to %(max)d.") % {"max": MAX_PAGE}]


def _radius_is_valid(value: str) -> bool:
    try:
        NeedFilterSet.base_filters["radius_km"].field.clean(value)
    except ValidationError:
        return False
    return True


def clean_board_query(params: QueryDict, *, extra=BOARD_EXTRA) -> BoardFilters:
    """Resolve `near` (a place, a US ZIP code or `lat,lng`: `pages.places.resolve`) into
    `lat`/`lng`, then validate everything as the API does (`directory.filters.clean_query`).
    Empty fields mean "no filter"; a radius without a place is dropped when it is a valid
    number (the form always sends one), and reported when it is not."""
    near = resolve_near(params.get("near", ""))
    checked = QueryDict(mutable=True)
    for name in params:
        values = [value for value in params.getlist(name) if value.strip()]
        if values:
            checked.setlist(name, values)
    if near.point is not None:
        checked.setlist("lat", [repr(near.point.y)])
        checked.setlist("lng", [repr(near.point.x)])
    has_point = "lat" in checked or "lng" in checked
    if not has_point and _radius_is_valid(checked.get("radius_km", "")):
        checked.pop("radius_km", None)
    data, errors = filters.clean_query(NeedFilterSet, checked, extra=extra)
    errors = {name: [str(message) for message in messages] for name, messages in errors.items()}
    if near.error:
        errors["near"] = [near.error]
    page, page_errors = _clean_page(params.get("page"))
    if page_errors and "page" in extra:
        errors["page"] = page_errors
    return BoardFilters(params=params, data=data, errors=errors, near=near, page=page)


# --- Cards -------------------------------------------------------------------------------

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


# --- The board ---------------------------------------------------------------------------


def _query_string(params: QueryDict, **changes) -> str:
    """`params` without `page` and with `changes` (None removes a parameter)."""
    query = params.copy()
    query.pop("page", None)
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query.setlist(name, value if isinstance(value, list) else [str(value)])
    for name in list(query):  # empty fields of the form add nothing
        if not any(v.strip() for v in query.getlist(name)):
            query.pop(name)
    return query.urlencode()


#: Field labels of the error summary; `lat`/`lng` come from (and are shown at) "Where".
FIELD_LABELS = {
    "q": gettext_lazy("What"),
    "near": gettext_lazy("Where"),
    "lat": gettext_lazy("Where"),
    "lng": gettext_lazy("Where"),
    "radius_km": gettext_lazy("Distance"),
    "kind": gettext_lazy("What kind of help"),
    "skill": gettext_lazy("Skills"),
    "urgency": gettext_lazy("Urgency"),
    "language": gettext_lazy("Language spoken at the project"),
    "region": gettext_lazy("Region"),
    "ordering": gettext_lazy("Order"),
    "page": gettext_lazy("Page"),
}
FIELD_ANCHORS = {"lat": "near", "lng": "near", "page": "results-heading"}


def _error_summary(errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(anchor, "Label: message") for the summary at the top (GOV.UK pattern)."""
    out = []
    order = list(FIELD_LABELS)  # the page's order
    for name, messages in sorted(
        errors.items(), key=lambda item: order.index(item[0]) if item[0] in order else -1
    ):
        label = FIELD_LABELS.get(name, name)
        anchor = FIELD_ANCHORS.get(name, name if name in FIELD_LABELS else "needs-form")
        anchor = f"f-{anchor}" if anchor in FIELD_LABELS else anchor
        out += [(anchor, f"{label}: {message}") for message in messages]
    return out


def _suggestions(board: BoardFilters) -> list[dict]:
    """Ways out of an empty page: a wider radius, then each filter left out, then all."""
    params, data = board.params, board.data
    out = []
    if data.get("point") is not None:
        for km in [r for r in RADII_KM if r > data["radius_km"]][:2]:
            label = _("Look within %(km)d km") % {"km": km}
            out.append({"label": label, "query": _query_string(params, radius_km=km)})
        everywhere = _query_string(params, near=None, lat=None, lng=None, radius_km=None)
        out.append({"label": _("Look everywhere"), "query": everywhere})
    removals = {
        "q": _("Without the words “%(value)s”"),
        "kind": _("Any kind of help"),
        "skill": _("Any skill"),
        "urgency": _("Any urgency"),
        "language": _("Any language"),
        "region": _("Any region"),
    }
    for name, label in removals.items():
        value = params.get(name, "").strip()
        if value:
            text = label % {"value": value[:60]} if name == "q" else label
            out.append({"label": text, "query": _query_string(params, **{name: None})})
    if len(out) > 1 or board.page > 1:
        out.append({"label": _("Every open need"), "query": ""})
    return out


#: How long a process keeps the board's region menu (seconds): the regions with needs come
#: from the region statistics, refreshed at most once a minute in production.
REGIONS_SECONDS = 60
_REGIONS: dict = {}
_REGIONS_LOCK = threading.Lock()


def forget_regions(**_kwargs) -> None:
    """Read the regions with needs again on the next page (the statistics were refreshed)."""
    with _REGIONS_LOCK:
        _REGIONS.clear()


def _regions_with_needs() -> tuple[float, list]:
    """(when read, [(slug, level, name in the reader's language)]) of the regions with
    needs, kept per process and language for REGIONS_SECONDS."""
    language = get_language()
    with _REGIONS_LOCK:
        kept = _REGIONS.get(language)
    if kept is not None and time.monotonic() - kept[0] < REGIONS_SECONDS:
        return kept
    regions = [
        (region.slug, region.level, localized(region, "name")[0] or region.slug)
        for region in selectors.regions_with_public_needs()
    ]
    kept = (time.monotonic(), regions)
    with _REGIONS_LOCK:
        _REGIONS[language] = kept
    return kept


def _region_choices(chosen=None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Countries and states (provinces...) that have open needs, countries first, by name
    in the reader's language; `chosen` (a Region of the query, say a county followed from
    its region page) is among them even when it is not one of those."""
    _read_at, regions = _regions_with_needs()
    if chosen is not None and all(slug != chosen.slug for slug, _level, _name in regions):
        regions = [*regions, (chosen.slug, chosen.level, localized(chosen, "name")[0])]
    groups: dict[str, list] = {"country": [], "other": []}
    for slug, level, name in regions:
        groups["country" if level == "country" else "other"].append((slug, name or slug))
    return [
        (_("Countries"), sorted(groups["country"], key=lambda choice: choice[1])),
        (_("States, provinces and areas"), sorted(groups["other"], key=lambda choice: choice[1])),
    ]


def _region_options(chosen, typed: str) -> SafeString:
    """The <option>s of the region menu, `typed` (the query's slug) selected."""
    parts = []
    for group, choices in _region_choices(chosen):
        if not choices:
            continue
        options = "".join(
            f'<option value="{escape(slug)}"{" selected" if slug == typed else ""}>'
            f"{escape(name)}</option>"
            for slug, name in choices
        )
        parts.append(f'<optgroup label="{escape(group)}">{options}</optgroup>')
    return mark_safe("\n".join(parts))  # every value is escaped above


def _radius_options(typed: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of the distance menu; a radius typed in the address bar is
    kept as an option of its own."""
    typed = typed.strip() or str(filters.DEFAULT_RADIUS_KM)
    values = [str(km) for km in RADII_KM]
    if typed not in values:
        values.append(typed[:12])
    return [(value, _("Within %(km)s km") % {"km": value}, value == typed[:12]) for value in values]


def _form_values(params: QueryDict) -> dict:
    """What was typed and chosen, shown again as it was (never the cleaned values)."""
    return {
        "q": params.get("q", ""),
        "near": params.get("near", ""),
        "radius_km": params.get("radius_km", "") or str(filters.DEFAULT_RADIUS_KM),
        "kind": params.getlist("kind"),
        "skill": params.get("skill", ""),
        "urgency": params.getlist("urgency"),
        "language": params.get("language", ""),
        "region": params.get("region", ""),
        "ordering": params.get("ordering", ""),
    }


def needs(request):
    """`/needs/`: the board, with the API's filters as GET parameters plus `near` and
    `page`. Bad input comes back with its messages next to the fields (status 400)."""
    board = clean_board_query(request.GET)
    params = request.GET
    count, cards = 0, []
    if not board.errors and not board.choosing:
        offset = (board.page - 1) * PAGE_SIZE
        count, cards = fetch_cards(board.data, offset=offset, limit=PAGE_SIZE)
        for card in cards:
            card["html"] = need_card_html(card)
    listed = not board.errors and not board.choosing
    has_next = listed and board.page * PAGE_SIZE < count and board.page < MAX_PAGE
    folded = [name for name in FOLDED_FILTERS if any(v.strip() for v in params.getlist(name))]
    if board.data.get("point") is not None and params.get("radius_km", "").strip() not in (
        "",
        str(filters.DEFAULT_RADIUS_KM),
    ):
        folded.append("radius_km")
    shown_from = (board.page - 1) * PAGE_SIZE + 1
    context = {
        "board": board,
        "near": board.near,
        "values": _form_values(params),
        "errors": board.errors,
        "error_summary": _error_summary(board.errors),
        "folded_errors": any(name in board.errors for name in (*FOLDED_FILTERS, "radius_km")),
        "kind_choices": [(value, label, HOW_TO_HELP[value]) for value, label in NeedKind.choices],
        "urgency_choices": Urgency.choices,
        "radius_choices": _radius_options(params.get("radius_km", "")),
        "near_choices": [
            (choice.label, _query_string(params, near=choice.near)) for choice in board.near.choices
        ],
        "ordering_choices": list(ORDERING_LABELS.items()),
        "language_choices": ContentLanguage.choices,
        "region_chosen": board.data.get("region"),
        "folded_count": len(folded),
        "listed": listed,
        "cards": cards,
        "count": count,
        "count_is_bounded": count >= board.page * PAGE_SIZE + COUNT_AHEAD,
        "radius_km": board.data.get("radius_km"),
        "with_point": board.data.get("point") is not None,
        "shown_from": shown_from,
        "shown_to": shown_from + len(cards) - 1,
        "page": board.page,
        "previous_query": (
            _query_string(params, page=board.page - 1 if board.page > 2 else None)
            if listed and board.page > 1
            else None
        ),
        "next_query": _query_string(params, page=board.page + 1) if has_next else None,
        "filter_query": _query_string(params),
        "suggestions": _suggestions(board) if listed and not cards else [],
        "map": _needs_map(cards),
    }
    context["filters_html"] = _filters_html(context, params)
    return render(request, "pages/needs.html", context, status=400 if board.errors else 200)


#: Rendered filter panels kept per process (`_filters_html`), newest last.
FILTERS_KEPT = 256
_FILTERS_HTML = KeptMarkup(FILTERS_KEPT)


def _filters_html(context: dict, params: QueryDict) -> str:
    """The board's filters (templates/pages/_needs_filters.html). Without errors they
    depend only on the language, the regions with needs and the filters' values, so the
    markup of the last FILTERS_KEPT such combinations is kept in the process."""

    def rendered() -> str:
        chosen, typed = context["region_chosen"], params.get("region", "")
        panel = {**context, "region_options": _region_options(chosen, typed)}
        return render_to_string("pages/_needs_filters.html", panel)

    if context["errors"]:
        return rendered()
    read_at, _regions = _regions_with_needs()
    key = (
        get_language(),
        get_script_prefix(),
        read_at,
        context["folded_count"],
        tuple((name, tuple(params.getlist(name))) for name in (*FOLDED_FILTERS, "radius_km")),
    )
    return _FILTERS_HTML.keep(key, rendered)


def _needs_map(cards: list[dict]):
    """A small map of the page's needs at their listings' public points: several needs of
    one listing share its point, labelled with how many there are."""
    points: dict[tuple, dict] = {}
    for card in cards:
        if card["point"] is None:
            continue
        point = points.setdefault(
            card["point"],
            {
                "lat": card["point"][0],
                "lng": card["point"][1],
                "name": card["listing_name"],
                "url": card["listing_url"],
                "kind": card["listing_kind"],
                "needs": 0,
                "distance": card["distance"],
            },
        )
        point["needs"] += 1
    for point in points.values():
        label = ngettext("%(n)d open need", "%(n)d open needs", point["needs"]) % {
            "n": point["needs"]
        }
        point["label"] = f"{label} · {point['distance']}" if point["distance"] else label
    return results_map(list(points.values()), height="18rem") if points else None
