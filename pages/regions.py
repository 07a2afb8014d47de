"""Regional maps for organizers (DESIGN.md §1, journey 4): `/regions/` and `/regions/<slug>/`.

A region's page shades its sub-regions by public listings (all, or one kind) or by open needs,
draws the open needs as graduated circles, and finds the gaps (`directory.gaps`): cities of
the gazetteer farther than a distance from any public listing of a kind. Everything the map
shows is also in tables, and downloads as CSV or GeoJSON (`?format=csv|geojson&data=
regions|gaps`). Counts come from the pre-aggregated `directory.stats.region_stats`; no
listing's point is on these pages at all (counts per region, and gazetteer places).
"""

from __future__ import annotations

import json
import math

from django import forms
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_cache_control
from django.utils.html import json_script
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe
from django_countries import countries

from directory import gaps as gaps_module
from directory import stats
from directory.choices import ListingKind, NeedKind, RegionLevel
from directory.content import localized, reader_language
from directory.gazetteer import region_with_outline
from directory.models import Region
from mapping import basemap
from mapping.maps import KIND_COLOURS

from .region_downloads import download, download_url

LANGUAGES = ("es", "pt", "fr", "en")

#: Sequential colours, lightest first (ColorBrewer YlGnBu and YlOrRd, 5 classes); a region
#: with nothing gets EMPTY_COLOUR.
LISTING_COLOURS = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
NEED_COLOURS = ("#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
EMPTY_COLOUR = "#f4f1ec"
#: Outline simplification of sub-regions (degrees): coarser for a country's states.
TOLERANCE = {RegionLevel.COUNTRY: 0.01}
DEFAULT_TOLERANCE = 0.002

SHADES = {
    "listings": gettext_lazy("Listings of every kind"),
    ListingKind.COOPERATIVE.value: gettext_lazy("Cooperatives"),
    ListingKind.MUTUAL_AID.value: gettext_lazy("Mutual aid"),
    ListingKind.COMMUNITY_PROJECT.value: gettext_lazy("Community projects"),
    "needs": gettext_lazy("Open needs"),
}
DEFAULTS = {
    "shade": "listings",
    "gap_kind": ListingKind.MUTUAL_AID.value,
    "min_population": str(gaps_module.DEFAULT_POPULATION),
    "distance_km": str(gaps_module.DEFAULT_DISTANCE_KM),
    "format": "",
    "data": "regions",
}


class RegionForm(forms.Form):
    shade = forms.ChoiceField(
        label=gettext_lazy("Shade the areas by"), choices=list(SHADES.items())
    )
    gap_kind = forms.ChoiceField(label=gettext_lazy("Kind of listing"), choices=ListingKind.choices)
    min_population = forms.IntegerField(
        label=gettext_lazy("Places of at least this many people"),
        min_value=gaps_module.MIN_POPULATION,
        max_value=gaps_module.MAX_POPULATION,
        help_text=gettext_lazy("From 15,000 to 10,000,000"),
    )
    distance_km = forms.IntegerField(
        label=gettext_lazy("Farther than this many km from the nearest"),
        min_value=gaps_module.MIN_DISTANCE_KM,
        max_value=gaps_module.MAX_DISTANCE_KM,
        help_text=gettext_lazy("From 1 to 500 km"),
    )
    format = forms.ChoiceField(
        required=False, choices=[("", "HTML"), ("csv", "CSV"), ("geojson", "GeoJSON")]
    )
    data = forms.ChoiceField(required=False, choices=[("regions", "regions"), ("gaps", "gaps")])

    def __init__(self, query):
        values = {}
        for name, default in DEFAULTS.items():
            value = (query.get(name) or "").strip()
            values[name] = value if value else default
        super().__init__(values)
        for name, field in self.fields.items():
            if name in self.errors:
                ids = [f"id_{name}_helptext"] if field.help_text else []
                field.widget.attrs["aria-describedby"] = " ".join([*ids, f"id_{name}_error"])
            elif field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_helptext"
        for name in ("min_population", "distance_km"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})

    def value_of(self, name: str):
        """The cleaned value, or the default when the value given was wrong."""
        if self.is_valid() or name not in self.errors:
            return self.cleaned_data.get(name)
        return self.fields[name].clean(DEFAULTS[name])


def _name(region) -> str:
    return localized(region, "name")[0] or region.slug


# --- /regions/ -----------------------------------------------------------------------------


def _counts_sql(dimension: str, key: str | None = None) -> RawSQL:
    """The region's count of public listings (`kind`) or open needs (`need_kind`), of one
    key (a kind) or of all of them, from the region statistics."""
    if key is None:
        return RawSQL(
            "(SELECT coalesce(sum(s.n), 0) FROM directory_region_stats s "
            "WHERE s.region_id = directory_region.id AND s.dimension = %s)",
            [dimension],
            output_field=IntegerField(),
        )
    return RawSQL(
        "(SELECT coalesce(sum(s.n), 0) FROM directory_region_stats s "
        "WHERE s.region_id = directory_region.id AND s.dimension = %s AND s.key = %s)",
        [dimension, key],
        output_field=IntegerField(),
    )


def _shade_sql(shade: str) -> RawSQL:
    if shade == "needs":
        return _counts_sql("need_kind")
    if shade == "listings":
        return _counts_sql("kind")
    return _counts_sql("kind", shade)


#: Outline simplification on the index (degrees): the Americas at a glance, and states
#: and provinces when zoomed in.
INDEX_TOLERANCE = {RegionLevel.COUNTRY: 0.1, RegionLevel.ADMIN1: 0.05}


def _index_regions(shade: str, *, outlines: bool = False) -> list:
    """Countries and their states or provinces that hold public listings, with the
    counts the index shows (one query), and their simplified outlines if asked."""
    annotations = {
        "listing_count": _counts_sql("kind"),
        "need_count": _counts_sql("need_kind"),
        "shade_value": _shade_sql(shade),
    }
    fields = ["id", "slug", "level", "parent_id", "country", *(f"name_{c}" for c in LANGUAGES)]
    if outlines:
        annotations["outline_json"] = RawSQL(
            "ST_AsGeoJSON(ST_Multi(ST_SimplifyPreserveTopology(directory_region.geom, "
            "CASE WHEN directory_region.level = %s THEN %s ELSE %s END)), 2)",
            [
                RegionLevel.COUNTRY,
                INDEX_TOLERANCE[RegionLevel.COUNTRY],
                INDEX_TOLERANCE[RegionLevel.ADMIN1],
            ],
        )
    return list(
        Region.objects.filter(level__in=[RegionLevel.COUNTRY, RegionLevel.ADMIN1])
        .annotate(**annotations)
        .filter(listing_count__gt=0)
        .only(*fields)
    )


def _index_legends(found: list, shade: str) -> dict[str, list[dict]]:
    """Colour classes of countries and of states, each from its own figures."""
    colours = NEED_COLOURS if shade == "needs" else LISTING_COLOURS
    return {
        level: _legend(_breaks([r.shade_value for r in found if r.level == level]), colours)
        for level in (RegionLevel.COUNTRY, RegionLevel.ADMIN1)
    }


def _index_form(request) -> tuple[RegionForm, str, dict[str, list[str]]]:
    """The index's one choice (what shades the areas), its value (the default when the value
    given is wrong) and the errors of it: the index has no other field."""
    form = RegionForm(request.GET)
    errors = {
        name: [str(m) for m in form.errors[name]] for name in ("shade",) if name in form.errors
    }
    return form, form.value_of("shade"), errors


@require_safe
def regions(request):
    """Countries and their states or provinces that hold public listings (one query), and
    the map of them, whose areas `regions_areas` serves to the page's script."""
    form, shade, errors = _index_form(request)
    found = _index_regions(shade)
    legends = _index_legends(found, shade)
    by_parent: dict[int | None, list] = {}
    for region in found:
        region.label = _name(region)
        by_parent.setdefault(region.parent_id, []).append(region)
    for children in by_parent.values():
        children.sort(key=lambda r: r.label.casefold())
    countries_found = [r for r in found if r.level == RegionLevel.COUNTRY]
    countries_found.sort(key=lambda r: r.label.casefold())
    for country in countries_found:
        country.states = by_parent.get(country.pk, [])
    listed = {r.pk for r in countries_found}
    # States whose country has no boundary loaded still appear, on their own.
    orphans = [r for r in found if r.level == RegionLevel.ADMIN1 and r.parent_id not in listed]
    orphans.sort(key=lambda r: r.label.casefold())
    map_data = {
        "areas_url": f"{reverse('pages:regions_areas')}?shade={shade}",
        "shade_label": str(SHADES[shade]),
        "states_from_zoom": STATES_FROM_ZOOM,
        "basemap": basemap.client_config(),
    }
    return render(
        request,
        "pages/regions.html",
        {
            "countries": countries_found,
            "orphans": orphans,
            "form": form,
            "shade": shade,
            "shade_label": SHADES[shade],
            "legends": [
                (_("Countries"), legends[RegionLevel.COUNTRY]),
                (_("States and provinces, zoomed in"), legends[RegionLevel.ADMIN1]),
            ],
            "map_data": json_script(map_data, "regions-map-data"),
        },
        status=400 if errors else 200,
    )


#: From this zoom the index map shades states and provinces instead of their countries.
STATES_FROM_ZOOM = 4


@require_safe
def regions_areas(request):
    """The index map's areas as GeoJSON: countries and states or provinces, each with its
    name, page, figure and colour (the classes of the page's key), from the statistics."""
    _form, shade, errors = _index_form(request)
    if errors:
        # The API's error shape (api/errors.py): the field and its problem.
        return JsonResponse({"errors": errors}, status=400)
    found = _index_regions(shade, outlines=True)
    legends = _index_legends(found, shade)
    with_states = {r.parent_id for r in found if r.level == RegionLevel.ADMIN1}
    collections = {RegionLevel.COUNTRY: [], RegionLevel.ADMIN1: []}
    number = formats.number_format
    for region in found:
        collections[region.level].append(
            {
                "type": "Feature",
                "geometry": json.loads(region.outline_json),
                "properties": {
                    "name": _name(region),
                    "url": reverse("pages:region", args=[region.slug]),
                    "value_text": number(region.shade_value, force_grouping=True),
                    "colour": _colour(region.shade_value, legends[region.level]),
                    "listings_text": ngettext(
                        "%(count)s listing", "%(count)s listings", region.listing_count
                    )
                    % {"count": number(region.listing_count, force_grouping=True)},
                    "needs_text": ngettext(
                        "%(count)s open need", "%(count)s open needs", region.need_count
                    )
                    % {"count": number(region.need_count, force_grouping=True)},
                    "has_states": region.pk in with_states,
                },
            }
        )
    response = JsonResponse(
        {
            "countries": {
                "type": "FeatureCollection",
                "features": collections[RegionLevel.COUNTRY],
            },
            "states": {"type": "FeatureCollection", "features": collections[RegionLevel.ADMIN1]},
        }
    )
    patch_cache_control(response, public=True, max_age=300)
    return response


# --- /regions/<slug>/ -------------------------------------------------------------------------


def _children_outlines(region: Region, tolerance: float) -> dict[str, dict]:
    """{slug: {"outline": GeoJSON, "lng", "lat"}} of the sub-regions (one query): outlines
    simplified by PostGIS, and a point on each surface for its circle of needs."""
    rows = (
        Region.objects.filter(parent=region)
        .annotate(
            outline_json=RawSQL(
                "ST_AsGeoJSON(ST_Multi(ST_SimplifyPreserveTopology(directory_region.geom, %s)), 5)",
                [tolerance],
            ),
            anchor_x=RawSQL("ST_X(ST_PointOnSurface(directory_region.geom))", []),
            anchor_y=RawSQL("ST_Y(ST_PointOnSurface(directory_region.geom))", []),
        )
        .values_list("slug", "outline_json", "anchor_x", "anchor_y")
    )
    return {
        slug: {"outline": json.loads(outline), "lng": round(x, 5), "lat": round(y, 5)}
        for slug, outline, x, y in rows
    }


def _breaks(values: list[int], classes: int = 5) -> list[int]:
    """Upper bounds of up to `classes` classes of the non-zero values (quantiles, distinct)."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    bounds = []
    for k in range(1, classes + 1):
        index = min(len(positive) - 1, math.ceil(k * len(positive) / classes) - 1)
        bound = positive[index]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def _legend(bounds: list[int], colours: tuple[str, ...]) -> list[dict]:
    """Classes of the choropleth: colour and range text ("0", "1-3", "4-10"...)."""
    number = formats.number_format
    legend = [{"colour": EMPTY_COLOUR, "text": number(0)}]
    low = 1
    palette = colours[-len(bounds) :] if bounds else ()
    for bound, colour in zip(bounds, palette, strict=False):
        text = number(bound) if low == bound else f"{number(low)}–{number(bound)}"
        legend.append({"colour": colour, "text": text, "upper": bound})
        low = bound + 1
    return legend


def _colour(value: int, legend: list[dict]) -> str:
    if value <= 0:
        return EMPTY_COLOUR
    for entry in legend[1:]:
        if value <= entry["upper"]:
            return entry["colour"]
    return legend[-1]["colour"]


def _sub_rows(region_stats: dict, shade: str) -> list[dict]:
    rows = []
    for sub in region_stats["sub_regions"]:
        by_kind = sub["listings"]["by_kind"]
        names = sub["name"]
        row = {
            "slug": sub["slug"],
            "name": next((names[c] for c in localized_order() if names.get(c)), sub["slug"]),
            "url": reverse("pages:region", args=[sub["slug"]]),
            "listings": sub["listings"]["total"],
            "needs": sub["open_needs"]["total"],
            **{kind: by_kind.get(kind, 0) for kind in ListingKind.values},
        }
        if shade == "needs":
            row["value"] = row["needs"]
        elif shade == "listings":
            row["value"] = row["listings"]
        else:
            row["value"] = row[shade]
        rows.append(row)
    rows.sort(key=lambda r: r["name"].casefold())
    return rows


def localized_order() -> tuple[str, ...]:
    reader = reader_language()
    return (reader, *(c for c in LANGUAGES if c != reader))


def _gap_rows(result) -> list[dict]:
    number = formats.number_format
    rows = []
    for gap in result.gaps:
        admin1 = "" if (gap.admin1_name or "").isdigit() else (gap.admin1_name or "")
        rows.append(
            {
                "name": gap.name,
                "admin1": admin1,
                "country": gap.country,
                "country_name": str(countries.name(gap.country)) if gap.country else "",
                "population": gap.population,
                "population_text": number(gap.population, force_grouping=True),
                "nearest_km": None if gap.nearest_km is None else round(gap.nearest_km),
                "nearest_text": (
                    _("more than %(km)s km")
                    % {"km": number(gaps_module.NEAREST_LIMIT_KM, force_grouping=True)}
                    if gap.nearest_km is None
                    else _("%(km)s km") % {"km": number(round(gap.nearest_km), force_grouping=True)}
                ),
                "lat": round(gap.lat, 5),
                "lng": round(gap.lng, 5),
            }
        )
    return rows


@require_safe
def region(request, slug: str):
    """A region's map: sub-regions shaded, needs as circles, gaps; tables; downloads."""
    place = region_with_outline(slug)
    form = RegionForm(request.GET)
    shade = form.value_of("shade")
    region_stats = stats.region_stats(place)
    tolerance = TOLERANCE.get(place.level, DEFAULT_TOLERANCE)
    outlines = _children_outlines(place, tolerance)
    sub_rows = _sub_rows(region_stats, shade)

    gaps_ok = not {"gap_kind", "min_population", "distance_km"} & set(form.errors)
    result = None
    if gaps_ok:
        result = gaps_module.find_gaps(
            place,
            kind=form.value_of("gap_kind"),
            min_population=form.value_of("min_population"),
            distance_km=form.value_of("distance_km"),
        )
    gap_rows = _gap_rows(result) if result else []
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}

    if form.value_of("format") and not errors:
        return download(place, form, sub_rows, outlines, gap_rows)

    colours = NEED_COLOURS if shade == "needs" else LISTING_COLOURS
    legend = _legend(_breaks([row["value"] for row in sub_rows]), colours)
    features = []
    for row in sub_rows:
        outline = outlines.get(row["slug"])
        if outline is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": outline["outline"],
                "properties": {
                    "name": row["name"],
                    "url": row["url"],
                    "value": row["value"],
                    "value_text": formats.number_format(row["value"], force_grouping=True),
                    "colour": _colour(row["value"], legend),
                    "needs": row["needs"],
                    "needs_text": ngettext(
                        "%(count)s open need", "%(count)s open needs", row["needs"]
                    )
                    % {"count": formats.number_format(row["needs"], force_grouping=True)},
                    "anchor": [outline["lat"], outline["lng"]],
                },
            }
        )
    map_data = {
        "outline": place.outline,
        "areas": {"type": "FeatureCollection", "features": features},
        "gaps": gap_rows,
        "shade_label": str(SHADES[shade]),
        "gap_colour": "#1f2933",
        "need_colour": NEED_COLOURS[-1],
        "basemap": basemap.client_config(),
        "text": {
            "gap": _("No listing of this kind within the distance"),
            "population": _("People"),
            "nearest": _("Nearest listing of this kind"),
            "open": _("Open this area"),
        },
    }
    query = {k: form.data[k] for k in ("shade", "gap_kind", "min_population", "distance_km")}
    downloads = [
        (
            _("Areas (CSV)"),
            download_url(slug, query, "csv", "regions"),
        ),
        (_("Areas (GeoJSON)"), download_url(slug, query, "geojson", "regions")),
        (_("Gaps (CSV)"), download_url(slug, query, "csv", "gaps")),
        (_("Gaps (GeoJSON)"), download_url(slug, query, "geojson", "gaps")),
    ]
    totals = {
        "listings": region_stats["listings"]["total"],
        "needs": region_stats["open_needs"]["total"],
        **{k: region_stats["listings"]["by_kind"].get(k, 0) for k in ListingKind.values},
    }
    context = {
        "region": place,
        "region_name": _name(place),
        "parent_url": reverse("pages:region", args=[place.parent_slug])
        if place.parent_slug
        else None,
        "form": form,
        "errors": errors,
        "shade": shade,
        "shade_label": SHADES[shade],
        "sub_rows": sub_rows,
        "legend": legend,
        "totals": totals,
        "kinds": [(k, ListingKind(k).label, KIND_COLOURS[k]) for k in ListingKind.values],
        "gap_rows": gap_rows,
        "gap_total": result.total if result else 0,
        "gap_kind_label": ListingKind(form.value_of("gap_kind")).label,
        "gap_distance": form.value_of("distance_km"),
        "gap_population": formats.number_format(
            form.value_of("min_population"), force_grouping=True
        ),
        "gaps_ok": gaps_ok,
        "map_data": json_script(map_data, "region-map-data"),
        "downloads": downloads,
        "refreshed_at": region_stats["refreshed_at"],
        "need_kinds": NeedKind,
    }
    return render(request, "pages/region.html", context, status=400 if errors else 200)
