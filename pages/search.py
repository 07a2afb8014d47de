"""Finding help: the home page and the search over listings (`/listings/`).

The query string takes the API's filter names, plus `near` (a place, a US ZIP code or
`lat,lng`) and `page`. Everything is validated by `directory.filters` (the API's rules);
a bad value comes back as a message next to its field, never as an error page.
"""

from dataclasses import dataclass, replace

from django import forms
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from directory import filters, selectors
from directory.content import reader_language
from directory.filters import MAX_RADIUS_KM, ListingFilterSet
from mapping.maps import results_map

from . import places
from .cards import CategoryNames, build_cards, map_points
from .forms import RADII_KM
from .search_filters import active_filters, filter_fields, search_form_context

PAGE_SIZE = 20
#: Results counted exactly past the end of the page (as the API's `count_exact`).
COUNT_AHEAD = 200
MAX_PAGE = 10_000 // PAGE_SIZE
#: Listings shown from outside the radius when nothing lies within it.
NEAREST_OUTSIDE = 5
#: Parameters of the page besides the filters.
EXTRA = {"near", "page"}


def home(request):
    """The front page: the What / Where form, what Tejido holds, the newest listings."""
    return render(
        request,
        "pages/home.html",
        {
            "counts": selectors.public_counts(),
            "recent": selectors.recent_public_listings(limit=12),
        },
    )


@dataclass
class Link:
    text: str
    url: str


def _known_params(query) -> MultiValueDict:
    """The non-empty values of known parameters (an unknown one, say a tracking tag on a
    shared link, is left out rather than refused)."""
    known = set(ListingFilterSet.base_filters) | EXTRA
    params = MultiValueDict()
    for name, values in query.lists():
        if name not in known:
            continue
        values = [value for value in values if value.strip()]
        if values:
            params.setlist(name, values)
    return params


def _page_number(params) -> tuple[int, str]:
    text = params.get("page", "1")
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        return 1, _("Enter a page number from 1 to %(max)s.") % {"max": MAX_PAGE}
    return int(text), ""


def _url(path: str, params: dict | MultiValueDict, **changes) -> str:
    """`path` with `params` (lists allowed) and `changes` (None removes a parameter)."""
    items = dict(params.lists()) if isinstance(params, MultiValueDict) else dict(params)
    for name, value in changes.items():
        if value is None:
            items.pop(name, None)
        else:
            items[name] = [value]
    query = urlencode({k: v for k, v in items.items() if v}, doseq=True)
    return f"{path}?{query}" if query else path


def validate(params: MultiValueDict, near: places.Near) -> tuple[dict, dict]:
    """(data, errors) of the filters, with the point of `near` as lat/lng."""
    params = params.copy()
    params.pop("near", None)
    params.pop("page", None)
    if "open_at" not in ListingFilterSet.base_filters:
        params.pop("open_at", None)
    if near.point is not None:
        params.setlist("lat", [repr(near.point.y)])
        params.setlist("lng", [repr(near.point.x)])
    errors = {}
    if "lat" not in params and "lng" not in params:
        # Without a place, the distance and its order mean nothing: left out, but a value
        # that could never be valid is still said to be wrong.
        radius = params.pop("radius_km", None)
        if radius:
            field = ListingFilterSet.base_filters["radius_km"].field
            try:
                field.clean(radius[-1])
            except forms.ValidationError as error:
                errors["radius_km"] = error.messages
        if params.get("ordering") == "distance":
            params.pop("ordering")
    data, filter_errors = filters.clean_query(ListingFilterSet, params, extra=EXTRA)
    errors.update(filter_errors)
    return data, errors


def listings(request):
    """Search: What / Where, filters, results nearest first, a map, pagination."""
    reader = reader_language()
    params = _known_params(request.GET)
    categories = CategoryNames()
    near = places.resolve(params.get("near", ""))
    data, errors = validate(params, near)
    page, page_error = _page_number(params)
    if page_error:
        errors.setdefault("page", [page_error])
    if near.error:
        errors.setdefault("near", [near.error])
    has_open_at = "open_at" in ListingFilterSet.base_filters
    context = {
        "search_form": search_form_context(
            q=request.GET.get("q", ""),
            near=request.GET.get("near", ""),
            errors=errors,
            filters=filter_fields(
                request.GET,
                categories=categories.categories,
                reader=reader,
                errors=errors,
                has_open_at=has_open_at,
            ),
            active=active_filters(request.GET),
        ),
        "q": request.GET.get("q", ""),
        "near": near,
        "errors": errors,
        "cards": [],
        "count": 0,
        "page_links": {},
        "suggestions": [],
        "outside": [],
        "map": None,
    }
    path = request.path
    if near.choices:
        context["choices"] = [
            Link(choice.label, _url(path, params, near=choice.near, page=None))
            for choice in near.choices
        ]
    if not errors and not near.choices:
        context.update(_results(path, params, data, reader, categories, page))
    status = 400 if errors else 200
    return render(request, "pages/search.html", context, status=status)


def _results(path, params, data, reader, categories, page) -> dict:
    query = filters.listing_query(data)
    with_distance = query.point is not None
    offset = (page - 1) * PAGE_SIZE
    cap = offset + PAGE_SIZE + COUNT_AHEAD
    count, rows = selectors.listing_page(query, offset=offset, limit=PAGE_SIZE, cap=cap, hours=True)
    cards = build_cards(rows, reader=reader, categories=categories, with_distance=with_distance)
    links = {}
    if page > 1:
        links["previous"] = _url(path, params, page=str(page - 1) if page > 2 else None)
    if offset + PAGE_SIZE < count and page < MAX_PAGE:
        links["next"] = _url(path, params, page=str(page + 1))
    context = {
        "cards": cards,
        "count": count,
        "count_exact": count < cap,
        "page": page,
        "first": offset + 1,
        "last": offset + len(cards),
        "page_links": links,
        "with_distance": with_distance,
        "radius_km": query.radius_km,
        "map": results_map(map_points(cards)) if cards else None,
        "sheet_query": _sheet_query(params) if cards and with_distance else "",
    }
    if not cards and page == 1:
        context["suggestions"] = _wider(path, params, query)
        if query.point is not None and query.radius_km < MAX_RADIUS_KM:
            wide = replace(query, radius_km=MAX_RADIUS_KM)
            _count, nearest = selectors.listing_page(
                wide, offset=0, limit=NEAREST_OUTSIDE, cap=NEAREST_OUTSIDE, hours=True
            )
            context["outside"] = build_cards(
                nearest, reader=reader, categories=categories, with_distance=True
            )
            if context["outside"]:
                context["map"] = results_map(map_points(context["outside"]))
    return context


def _sheet_query(params) -> str:
    """The street sheet of these results (pages/sheets.py): the same place and filters."""
    access = [fact for value in params.getlist("access") for fact in value.split(",") if fact]
    sheet = {
        "near": params.get("near", ""),
        "category": [params["category"]] if params.get("category") else [],
        "access": access,
        "open_at": params.get("open_at", ""),
        "language": get_language(),
        "paper": "letter",
        "count": 12,
    }
    return urlencode(sheet, doseq=True)


def _wider(path, params, query) -> list[Link]:
    """Ways out of an empty page: a wider radius, fewer filters, fewer words."""
    links = []
    if query.point is not None and query.radius_km < MAX_RADIUS_KM:
        wider = next((r for r in RADII_KM if r >= query.radius_km * 4), MAX_RADIUS_KM)
        links.append(
            Link(
                _("Search within %(km)s km") % {"km": wider},
                _url(path, params, radius_km=str(wider), page=None),
            )
        )
    kept = {name: params.getlist(name) for name in ("q", "near", "radius_km") if name in params}
    if set(params) - {"q", "near", "radius_km", "page", "ordering"}:
        links.append(Link(_("The same search without filters"), _url(path, kept)))
    if params.get("q") and params.get("near"):
        links.append(
            Link(
                _("Everything near %(place)s") % {"place": params["near"]},
                _url(path, {"near": [params["near"]]}),
            )
        )
    if params.get("q") and not params.get("near"):
        links.append(Link(_("Everything listed"), path))
    return links
