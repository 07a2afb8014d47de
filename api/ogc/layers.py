"""The three collections (listings, needs, regions): what they hold, their extents, their
pages of GeoJSON features and single features. Public data only (DESIGN.md §6): listings
are `Listing.objects.public()` at their `public_point`, with the API's list properties
(`api.rows`); a hidden listing (no public point) is a feature with a null geometry, and a
`bbox` leaves it out. Needs are the current needs of public listings, at the listing's
public point. Regions carry their boundary simplified like the API's (OUTLINE_TOLERANCE)."""

import math
from dataclasses import dataclass, replace
from datetime import datetime

import orjson
from django import forms
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon
from django.core.cache import cache
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from directory import selectors
from directory.choices import ListingKind, NeedKind, RegionLevel
from directory.fields import BBoxField
from directory.filters import (
    ListingFilterSet,
    NeedFilterSet,
    clean_query,
    listing_query,
    need_query,
)
from directory.gazetteer import OUTLINE_TOLERANCE
from directory.models import Listing, Region
from directory.selectors import NeedQuery

from ..reference import RegionFilterSet
from ..rows import LANGUAGES, ListingRows, NeedRows
from .parameters import CRS84, ITEM_PARAMETERS, Window, utc_text

#: Shown when a collection has no feature to measure (the Americas).
AMERICAS = (-180.0, -60.0, -25.0, 84.0)
#: Extents are rounded outward to whole degrees and kept this long: a listing hidden in an
#: emergency leaves them within seconds, and they never pin down one point.
EXTENT_SECONDS = 10
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


@dataclass(frozen=True)
class Page:
    features: list[dict]
    count: int
    #: Whether `count` is every match (it is bounded: see parameters.COUNT_AHEAD).
    exact: bool


def rounded_bbox(extent: tuple | None) -> list[float]:
    if not extent:
        return list(AMERICAS)
    min_x, min_y, max_x, max_y = extent
    return [
        float(max(math.floor(min_x), -180)),
        float(max(math.floor(min_y), -90)),
        float(min(math.ceil(max_x), 180)),
        float(min(math.ceil(max_y), 90)),
    ]


def _orm_page(qs: QuerySet, rows, window: Window) -> tuple[int, list]:
    """(count up to the window's cap, rows of the page) in two queries: for filters that
    the selectors' one-statement pages do not take (an end of `datetime`)."""
    count = qs.order_by()[: window.cap].count()
    if count <= window.offset:
        return count, []
    return count, list(rows(qs)[window.offset : window.offset + window.limit])


def in_language(texts: dict[str, str], original: str = "") -> str:
    language = (get_language() or "en")[:2]
    return texts.get(language) or texts.get(original) or next(iter(texts.values()), "")


class Layer:
    id: str
    title = ""
    description = ""
    filterset: type
    #: Whether features have a time (`datetime` applies).
    temporal = True
    #: Parameters of the collection's items besides the filterset's.
    extra_parameters: frozenset[str] = frozenset()

    def clean(self, params) -> dict:
        """The collection's filters of an items request, validated (a 400 names each bad
        or unknown parameter)."""
        data, errors = clean_query(
            self.filterset, params, extra=ITEM_PARAMETERS | self.extra_parameters
        )
        if errors:
            raise ValidationError(errors)
        return data

    def extent(self) -> dict:
        def measure():
            bbox, interval = self.measure()
            extent = {"spatial": {"bbox": [rounded_bbox(bbox)], "crs": CRS84}}
            if self.temporal:
                extent["temporal"] = {"interval": [list(interval)], "trs": GREGORIAN}
            return extent

        return cache.get_or_set(f"ogc:extent:{self.id}", measure, EXTENT_SECONDS)

    def measure(self) -> tuple[tuple | None, tuple[str | None, str | None]]:
        raise NotImplementedError

    def page(self, request, data: dict, when, window: Window) -> Page:
        raise NotImplementedError

    def feature(self, request, feature_id: str) -> dict | None:
        raise NotImplementedError

    def summary(self, feature: dict) -> tuple[str, str, str]:
        """(label, kind, place) of a feature, for the HTML pages."""
        raise NotImplementedError


def _numeric_id(feature_id: str) -> int | None:
    return int(feature_id) if feature_id.isdigit() and len(feature_id) <= 18 else None


def _place(address: dict) -> str:
    return ", ".join(address[key] for key in ("locality", "admin1", "country") if address.get(key))


class Listings(Layer):
    id = "listings"
    title = _("Listings")
    description = _(
        "Co-operatives, mutual-aid programs and community projects, at their public "
        "location (exact, the centre of a ~1 km or ~11 km cell, or none: a listing with a "
        "hidden location has no geometry). Time: when the listing last changed."
    )
    filterset = ListingFilterSet

    def measure(self):
        found = Listing.objects.public().aggregate(
            extent=Extent("public_point"), first=Min("updated_at"), last=Max("updated_at")
        )
        return found["extent"], (utc_text(found["first"]), utc_text(found["last"]))

    def page(self, request, data, when, window):
        query = listing_query(data)
        with_distance = query.point is not None
        builder = ListingRows(request, with_distance=with_distance)
        start, end = when or (None, None)
        if start is not None:
            since = query.updated_since
            query = replace(query, updated_since=max(start, since) if since else start)
        if end is None:
            count, rows = selectors.listing_page(
                query, offset=window.offset, limit=window.limit, cap=window.cap
            )
        else:
            query = selectors.with_typos_if_none(query)
            qs = selectors.public_listings(query).filter(updated_at__lte=end)
            count, rows = _orm_page(
                qs,
                lambda qs: selectors.public_listing_rows(qs, with_distance=with_distance),
                window,
            )
        return Page(builder.features(rows), count, count < window.cap)

    def feature(self, request, feature_id):
        pk = _numeric_id(feature_id)
        if pk is None:
            return None
        rows = selectors.public_listing_rows(
            Listing.objects.public().filter(pk=pk), with_distance=False
        )
        found = ListingRows(request, with_distance=False).features(rows[:1])
        return found[0] if found else None

    def summary(self, feature):
        properties = feature["properties"]
        return (
            properties["name"],
            ListingKind(properties["kind"]).label,
            _place(properties["address"]),
        )


def _need_span(start: datetime | None, end: datetime | None) -> Q:
    """Needs whose time (from `starts_on`, or their creation, to `ends_on`, or open)
    meets [start, end]."""
    condition = Q()
    if end is not None:
        condition &= Q(starts_on__lte=end.date()) | Q(starts_on__isnull=True, created_at__lte=end)
    if start is not None:
        condition &= Q(ends_on__isnull=True) | Q(ends_on__gte=start.date())
    return condition


class Needs(Layer):
    id = "needs"
    title = _("Open needs")
    description = _(
        "Current needs of public listings (volunteers, skills, money, food, supplies...), "
        "at their listing's public location. Time: from the need's start (or its "
        "creation) to its end."
    )
    filterset = NeedFilterSet

    def measure(self):
        found = (
            selectors.public_needs(NeedQuery())
            .order_by()
            .aggregate(
                extent=Extent("listing__public_point"),
                first_start=Min("starts_on"),
                first_created=Min("created_at"),
                last_end=Max("ends_on"),
                open_ended=Count("id", filter=Q(ends_on__isnull=True)),
            )
        )
        starts = [
            utc_text(found["first_created"]),
            found["first_start"].isoformat() + "T00:00:00Z" if found["first_start"] else None,
        ]
        first = min((s for s in starts if s), default=None)
        last = None
        if found["last_end"] and not found["open_ended"]:
            last = found["last_end"].isoformat() + "T23:59:59Z"
        return found["extent"], (first, last)

    def page(self, request, data, when, window):
        query = need_query(data)
        with_distance = query.point is not None
        builder = NeedRows(request, with_distance=with_distance)
        if when is None:
            count, rows = selectors.need_page(
                query, offset=window.offset, limit=window.limit, cap=window.cap
            )
        else:
            qs = selectors.public_needs(query).filter(_need_span(*when))
            count, rows = _orm_page(
                qs, lambda qs: selectors.public_need_rows(qs, with_distance=with_distance), window
            )
        return Page(builder.features(rows), count, count < window.cap)

    def feature(self, request, feature_id):
        pk = _numeric_id(feature_id)
        if pk is None:
            return None
        rows = selectors.public_need_rows(
            selectors.public_needs(NeedQuery()).filter(pk=pk), with_distance=False
        )
        found = NeedRows(request, with_distance=False).features(rows[:1])
        return found[0] if found else None

    def summary(self, feature):
        properties = feature["properties"]
        return (
            in_language(properties["title"], properties["original_language"])
            or NeedKind(properties["kind"]).label,
            NeedKind(properties["kind"]).label,
            properties["listing"]["name"],
        )


#: Region outline, simplified, as GeoJSON text (PostGIS writes it; orjson embeds it).
OUTLINE_SQL = "ST_AsGeoJSON(ST_Multi(ST_SimplifyPreserveTopology(directory_region.geom, %s)), 6)"
REGION_COLUMNS = (
    "slug",
    *(f"name_{code}" for code in LANGUAGES),
    "level",
    "code",
    "country",
    "parent_slug",
    "outline",
)


class Regions(Layer):
    id = "regions"
    title = _("Regions")
    description = _(
        "Countries, states and provinces, counties and municipalities, cities and custom "
        "areas, with their boundaries simplified to about 100 m."
    )
    filterset = RegionFilterSet
    temporal = False
    extra_parameters = frozenset({"bbox"})

    def clean(self, params):
        data = super().clean(params)
        try:
            data["bbox"] = BBoxField(required=False).clean(params.get("bbox"))
        except forms.ValidationError as error:
            raise ValidationError({"bbox": error.messages}) from None
        return data

    def measure(self):
        return Region.objects.aggregate(extent=Extent("geom"))["extent"], (None, None)

    def _rows(self, qs: QuerySet) -> QuerySet:
        return qs.annotate(
            parent_slug=F("parent__slug"),
            outline=RawSQL(OUTLINE_SQL, [OUTLINE_TOLERANCE]),  # noqa: S611  (constant SQL)
        ).values_list(*REGION_COLUMNS)

    def _feature(self, request, row) -> dict:
        slug, *names, level, code, country, parent, outline = row
        properties = {
            "slug": slug,
            "name": {code: name for code, name in zip(LANGUAGES, names, strict=True) if name},
            "level": level,
            "code": code,
            "country": str(country or ""),
            "parent": parent,
            "url": request.build_absolute_uri(f"/api/v1/regions/{slug}/"),
        }
        geometry = orjson.Fragment(outline) if outline else None
        return {"type": "Feature", "id": slug, "geometry": geometry, "properties": properties}

    def page(self, request, data, when, window):
        qs = Region.objects.all()
        if data.get("level"):
            qs = qs.filter(level=data["level"])
        if data.get("country"):
            qs = qs.filter(country=data["country"].upper())
        if data.get("parent"):
            qs = qs.filter(parent__slug=data["parent"])
        if data.get("bbox"):
            qs = qs.filter(geom__intersects=Polygon.from_bbox(data["bbox"]))
        count, rows = _orm_page(qs.order_by("level", "slug"), self._rows, window)
        return Page([self._feature(request, row) for row in rows], count, count < window.cap)

    def feature(self, request, feature_id):
        row = self._rows(Region.objects.filter(slug=feature_id)).first()
        return self._feature(request, row) if row else None

    def summary(self, feature):
        properties = feature["properties"]
        return (
            in_language(properties["name"]) or properties["slug"],
            RegionLevel(properties["level"]).label,
            properties["code"] or properties["country"],
        )


LAYERS: dict[str, Layer] = {layer.id: layer for layer in (Listings(), Needs(), Regions())}
