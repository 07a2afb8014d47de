"""The full map (`/map/`) and its embeddable version (`/embed/map/`), DESIGN.md §4-5.

The page carries no points: the browser draws the vector tiles of `/api/v1/tiles/` (Leaflet
with Leaflet.VectorGrid, `static/js/fullmap.js`) for the filters of the query string (kind,
category, need, access: the API's names and rules, validated by `directory.filters`). A bad
value comes back as a message next to its field, with status 400, never an error page.

For readers without the map (a screen reader, a phone without JavaScript) the page lists the
first listings that match, by name, with links; the script replaces that list with what is in
view as the map moves.

Only `/embed/map/` may be framed by other sites: its Content-Security-Policy says
`frame-ancestors *` and it sends no X-Frame-Options. Every other page keeps the site-wide
`frame-ancestors 'none'` and `X-Frame-Options: DENY`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from csp.decorators import csp_replace
from django import forms
from django.forms.utils import ErrorDict, ErrorList
from django.shortcuts import render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from directory import filters, selectors
from directory.choices import AccessFact, ListingKind, NeedKind
from directory.filters import TileFilterSet
from mapping import basemap
from mapping.maps import KIND_COLOURS

from .cards import CategoryNames
from .forms import NEED_PHRASES

#: The filters of the map: the API's parameter names (and the tiles' own).
MAP_FILTERS = ("kind", "category", "need", "access")
#: Listings named in the page for readers without the map.
LIST_SIZE = 50
LIST_CAP = 10_000

TILES_PATH = "/api/v1/tiles/{z}/{x}/{y}.pbf"
TILES_VERSION_PATH = "/api/v1/tiles/version"
LISTINGS_API_PATH = "/api/v1/listings/"


class MapFilterForm(forms.Form):
    """Renders the filters; the values are validated by `directory.filters` (the API's
    rules) and the errors are put back on the fields."""

    kind = forms.MultipleChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=ListingKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    need = forms.ChoiceField(label=gettext_lazy("Looking for help with"), required=False)
    access = forms.MultipleChoiceField(
        label=gettext_lazy("Access"),
        required=False,
        choices=AccessFact.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data, *, categories, errors):
        super().__init__(data)
        self.fields["category"].choices = [("", _("Any category"))] + [
            (c.slug, ("— " if c.depth > 1 else "") + c.label) for c in categories
        ]
        self.fields["need"].choices = [("", _("Anything"))] + [
            (kind, NEED_PHRASES[kind]) for kind in NeedKind.values
        ]
        self._errors = ErrorDict(
            {name: ErrorList([str(m) for m in found]) for name, found in errors.items()}
        )
        for name in self._errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_error"

    def active_filters(self) -> int:
        return sum(1 for name in MAP_FILTERS for value in self.data.getlist(name) if value.strip())


def clean_map_filters(query) -> tuple[dict, dict[str, list[str]], str]:
    """(cleaned data, errors by parameter, the canonical query string of the tiles) of the
    map's filters in `query`; other parameters are ignored (a shared link may carry any)."""
    params = MultiValueDict()
    for name in MAP_FILTERS:
        values = [v.strip() for v in query.getlist(name) if v.strip()]
        if values:
            params.setlist(name, values)
    data, errors = filters.clean_query(TileFilterSet, params)
    errors = {name: [str(message) for message in messages] for name, messages in errors.items()}
    if errors:
        return {}, errors, ""
    canonical = {}
    if data.get("kind"):
        canonical["kind"] = ",".join(data["kind"])
    if data.get("category"):
        canonical["category"] = data["category"].slug
    if data.get("need"):
        canonical["need"] = data["need"]
    if data.get("access"):
        canonical["access"] = ",".join(data["access"])
    return data, {}, urlencode(canonical, safe=",")


def _config(request, *, tile_filters: str, kinds: list[str], embedded: bool) -> dict:
    """What static/js/fullmap.js needs, as a JSON data block (no user text in it)."""
    page_url = reverse("pages:listing", args=["__slug__"])
    return {
        "tiles": TILES_PATH,
        "version": TILES_VERSION_PATH,
        "listings": LISTINGS_API_PATH,
        "page": page_url,
        "filters": tile_filters,
        "kinds": kinds,
        "colours": {str(kind): colour for kind, colour in KIND_COLOURS.items()},
        "labels": {kind: str(label) for kind, label in ListingKind.choices},
        "basemap": basemap.client_config(),
        "embedded": embedded,
        "language": (request.LANGUAGE_CODE or "en")[:2],
        "text": {
            "open": _("Open its page"),
            "loading": _("Loading…"),
            "failed": _("This listing could not be loaded. Try again."),
            "locating": _("Finding where you are…"),
            "locate_failed": _("Your location is not available. Move the map by hand."),
            "in_view_none": _("Nothing in this part of the map. Zoom out or move the map."),
            # %(count)s is replaced in the browser.
            "in_view_more": _("%(count)s more: zoom in to see them."),
            "in_view_many": _("More than %(count)s more: zoom in to see them."),
            "list_failed": _("The list could not be loaded."),
            "cell": _("%(count)s listings here. Zoom in to see them."),
            "needs": _("Has open needs"),
        },
    }


def _render_map(request, *, template: str, embedded: bool):
    categories = CategoryNames()
    data, errors, tile_filters = clean_map_filters(request.GET)
    form = MapFilterForm(request.GET, categories=categories.categories, errors=errors)
    kinds = list(data.get("kind") or ListingKind.values)
    names, count = [], 0
    if not errors:
        query = filters.listing_query(data)
        count, rows = selectors.listing_page(query, offset=0, limit=LIST_SIZE, cap=LIST_CAP)
        columns = {name: index for index, name in enumerate(selectors.ROW_COLUMNS)}
        names = [
            {
                "name": row[columns["name"]],
                "url": reverse("pages:listing", args=[row[columns["slug"]]]),
                "kind": ListingKind(row[columns["kind"]]).label,
            }
            for row in rows
        ]
    context = {
        "form": form,
        "errors": errors,
        "config": _config(request, tile_filters=tile_filters, kinds=kinds, embedded=embedded),
        "legend": [
            {"kind": kind, "label": ListingKind(kind).label, "colour": KIND_COLOURS[kind]}
            for kind in kinds
        ],
        "names": names,
        "more": max(0, count - len(names)),
        "more_capped": count >= LIST_CAP,
        "full_map_url": reverse("pages:map") + (f"?{tile_filters}" if tile_filters else ""),
        "search_url": reverse("pages:listings") + (f"?{tile_filters}" if tile_filters else ""),
    }
    return render(request, template, context, status=400 if errors else 200)


@require_safe
def full_map(request):
    """`/map/`: the whole directory on a map, layers per kind, filters, near me."""
    return _render_map(request, template="pages/map.html", embedded=False)


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def embed_map(request):
    """`/embed/map/?<filters>`: the map alone, for other sites' pages (an iframe)."""
    return _render_map(request, template="pages/embed_map.html", embedded=True)
