"""The volunteer board: open needs of public listings, filtered like the API's `/needs/`
(DESIGN.md §1 journey 3), each saying in plain words who gives, who gets and how to help."""

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries

from directory import filters, selectors
from directory.choices import ContentLanguage, LocationPrecision, NeedKind, Urgency
from directory.content import localized, reader_language
from directory.filters import NeedFilterSet
from directory.freshness import freshness
from directory.privacy import PUBLIC_ADDRESS_FIELDS, public_distance_km
from mapping.maps import results_map

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

_C = {name: index for index, name in enumerate(selectors.NEED_ROW_COLUMNS)}
_LANGUAGE_NAMES = dict(ContentLanguage.choices)


def listing_url(slug: str) -> str:
    return reverse("pages:listing", args=[slug])


def _distance_text(metres: float, precision: str) -> str:
    km = public_distance_km(metres, precision)
    if precision == LocationPrecision.EXACT:
        decimals = 1 if km < 10 else 0
        return _("%(km)s km away") % {"km": formats.number_format(round(km, decimals), decimals)}
    # From a cell centre, in whole km (DESIGN.md §6); never "0 km".
    return _("about %(km)s km away") % {"km": formats.number_format(max(1, int(km)), 0)}


def _confirmed_text(confirmed: datetime, now: datetime) -> str:
    days = max(0, (now - confirmed).days)
    if days == 0:
        return _("Confirmed today")
    return ngettext("Confirmed %(days)d day ago", "Confirmed %(days)d days ago", days) % {
        "days": days
    }


def _public_place(precision: str, row) -> str:
    """Locality, state and country as far as the listing's precision shows them; a
    numeric state code (GeoNames' "15") says nothing to a reader and is left out."""
    admin1 = row[_C["listing__admin1"]] or ""
    values = {
        "locality": row[_C["listing__locality"]],
        "admin1": "" if admin1.isdigit() else admin1,
        "country": countries.name(row[_C["listing__country"]])
        if row[_C["listing__country"]]
        else "",
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


def need_cards(rows, *, with_distance: bool, descriptions: dict) -> list[dict]:
    """Rows of `selectors.need_page` as what a card (or a feed entry) shows."""
    language = reader_language()
    now = timezone.now()
    cards = []
    for row in rows:
        need_id = row[_C["id"]]
        source = SimpleNamespace(
            original_language=row[_C["original_language"]],
            **{f"title_{code}": row[_C[f"title_{code}"]] for code in _LANGUAGE_NAMES},
            **{f"description_{code}": text for code, text in descriptions.get(need_id, {}).items()},
        )
        precision = row[_C["listing__location_precision"]]
        starts_on = date.fromisoformat(row[_C["starts_on"]]) if row[_C["starts_on"]] else None
        confirmed = row[_C["last_confirmed_at"]]
        cards.append(
            {
                "id": need_id,
                "kind": row[_C["kind"]],
                "kind_label": NeedKind(row[_C["kind"]]).label,
                "how_to_help": HOW_TO_HELP[row[_C["kind"]]],
                "title": _text(source, "title", language),
                "description": _text(source, "description", language),
                "skills": row[_C["skills"]],
                "quantity": row[_C["quantity"]],
                "unit": row[_C["unit"]],
                "urgency": row[_C["urgency"]],
                "urgency_label": Urgency(row[_C["urgency"]]).label,
                "starts_on": starts_on if starts_on and starts_on > now.date() else None,
                "ends_on": date.fromisoformat(row[_C["ends_on"]]) if row[_C["ends_on"]] else None,
                "confirmed": _confirmed_text(confirmed, now),
                "stale": freshness(confirmed, now) == "stale",
                "created_at": datetime.fromisoformat(row[_C["created_at"]]),
                "updated_at": datetime.fromisoformat(row[_C["updated_at"]]),
                "listing_slug": row[_C["listing__slug"]],
                "listing_name": row[_C["listing__name"]],
                "listing_kind": row[_C["listing__kind"]],
                "listing_url": listing_url(row[_C["listing__slug"]]),
                "place": _public_place(precision, row),
                "distance": _distance_text(row[-1], precision) if with_distance else "",
                "point": (row[_C["lat"]], row[_C["lng"]]) if row[_C["lat"]] is not None else None,
            }
        )
    return cards


def fetch_cards(data: dict, *, offset: int, limit: int, ordering: str = "") -> tuple[int, list]:
    """(count up to the cap, cards) of a page: two statements whatever its size (the page
    with its bounded count, then the descriptions of its needs)."""
    if ordering:
        data = {**data, "ordering": ordering}
    query = filters.need_query(data)
    cap = offset + limit + COUNT_AHEAD
    count, rows = selectors.need_page(query, offset=offset, limit=limit, cap=cap)
    descriptions = selectors.need_descriptions(row[_C["id"]] for row in rows) if rows else {}
    return count, need_cards(rows, with_distance=query.point is not None, descriptions=descriptions)


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


def _region_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Regions that have open needs, countries first, by name in the reader's language."""
    groups: dict[str, list] = {"country": [], "other": []}
    for region in selectors.regions_with_public_needs():
        name = localized(region, "name")[0] or region.slug
        groups["country" if region.level == "country" else "other"].append((region.slug, name))
    return [
        (_("Countries"), sorted(groups["country"], key=lambda choice: choice[1])),
        (_("States, provinces and areas"), sorted(groups["other"], key=lambda choice: choice[1])),
    ]


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
        "region_choices": _region_choices(),
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
    return render(request, "pages/needs.html", context, status=400 if board.errors else 200)


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
