"""The volunteer board's query: its parameters validated as the API's `/needs/` (with
`near`, a place, and `page`), the links that change them, and what its form shows again
(values as typed, the menus' choices, the error summary). No markup: the board's templates
are jinja2/pages/needs.html and _needs_filters.html."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory import filters
from directory.content import localized
from directory.filters import NeedFilterSet

from .data_caches import regions_with_needs
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


# --- Links and the form ------------------------------------------------------------------


def query_string(params: QueryDict, **changes) -> str:
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


def error_summary(errors: dict[str, list[str]]) -> list[tuple[str, str]]:
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


def suggestions(board: BoardFilters) -> list[dict]:
    """Ways out of an empty page: a wider radius, then each filter left out, then all."""
    params, data = board.params, board.data
    out = []
    if data.get("point") is not None:
        for km in [r for r in RADII_KM if r > data["radius_km"]][:2]:
            label = _("Look within %(km)d km") % {"km": km}
            out.append({"label": label, "query": query_string(params, radius_km=km)})
        everywhere = query_string(params, near=None, lat=None, lng=None, radius_km=None)
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
            out.append({"label": text, "query": query_string(params, **{name: None})})
    if len(out) > 1 or board.page > 1:
        out.append({"label": _("Every open need"), "query": ""})
    return out


def region_choices(chosen=None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Countries and states (provinces...) that have open needs, countries first, by name
    in the reader's language; `chosen` (a Region of the query, say a county followed from
    its region page) is among them even when it is not one of those."""
    regions = regions_with_needs()
    if chosen is not None and all(slug != chosen.slug for slug, _level, _name in regions):
        regions = [*regions, (chosen.slug, chosen.level, localized(chosen, "name")[0])]
    groups: dict[str, list] = {"country": [], "other": []}
    for slug, level, name in regions:
        groups["country" if level == "country" else "other"].append((slug, name or slug))
    return [
        (_("Countries"), sorted(groups["country"], key=lambda choice: choice[1])),
        (_("States, provinces and areas"), sorted(groups["other"], key=lambda choice: choice[1])),
    ]


def radius_options(typed: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of the distance menu; a radius typed in the address bar is
    kept as an option of its own."""
    typed = typed.strip() or str(filters.DEFAULT_RADIUS_KM)
    values = [str(km) for km in RADII_KM]
    if typed not in values:
        values.append(typed[:12])
    return [(value, _("Within %(km)s km") % {"km": value}, value == typed[:12]) for value in values]


def form_values(params: QueryDict) -> dict:
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
