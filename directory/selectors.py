"""Reads of the directory: functions of plain arguments returning querysets or rows.

Every public read runs on `Listing.public_point` (DESIGN.md §6): filters, distance, order.
Spatial SQL is written to match the indexes: radius and nearest-first on
`public_geog` (`listing_public_geog_gist`, `<->` for order), bounding boxes with
`ST_Intersects` (index `&&`, then an exact test) on the geometry (`listing_public_point_gist`).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .choices import ListingKind
from .geo import X, Y
from .models import Category, Listing, Need, Region
from .search import query_expression

# Ordering choices of the API (DESIGN.md §3).
ORDERINGS = ("distance", "name", "-updated_at", "-created_at")
NEED_ORDERINGS = ("distance", "-urgency", "-created_at", "ends_on")

#: "Open now", in the listing's own time zone; a period whose `closes` is before `opens`
#: runs past midnight, so yesterday's late period may still be open.
OPEN_NOW_SQL = """
EXISTS (
  SELECT 1 FROM directory_openingperiod p,
       LATERAL (SELECT now() AT TIME ZONE NULLIF("directory_listing"."timezone", '') AS t) local
  WHERE p.listing_id = "directory_listing"."id" AND (
    (p.weekday = EXTRACT(ISODOW FROM local.t) AND (
        (p.opens < p.closes AND local.t::time >= p.opens AND local.t::time < p.closes)
     OR (p.opens > p.closes AND local.t::time >= p.opens)))
    OR (p.weekday = EXTRACT(ISODOW FROM local.t - interval '1 day')
        AND p.opens > p.closes AND local.t::time < p.closes)
  )
)"""


# The public point as geography (indexed by `listing_public_geog_gist`), for ST_DWithin and
# for `<->` (nearest first).
PUBLIC_GEOGRAPHY = '"directory_listing"."public_geog"'


def within(point: Point, radius_km: float) -> RawSQL:
    """The public point lies within `radius_km` of `point` (metres on the sphere)."""
    return RawSQL(  # noqa: S611  (constant SQL, values bound as parameters)
        f"ST_DWithin({PUBLIC_GEOGRAPHY}, %s::geography, %s, false)",
        [point.ewkt, radius_km * 1000],
        output_field=BooleanField(),
    )


def distance_to(point: Point) -> RawSQL:
    """Metres on the sphere from `point` to the public point: `<->`, the index's order."""
    return RawSQL(  # noqa: S611  (constant SQL, values bound as parameters)
        f"{PUBLIC_GEOGRAPHY} <-> %s::geography", [point.ewkt], output_field=FloatField()
    )


def open_now_expression() -> RawSQL:
    return RawSQL(OPEN_NOW_SQL, [], output_field=BooleanField())  # noqa: S611  (constant SQL)


@dataclass(frozen=True)
class ListingQuery:
    """A validated listing search; every field optional and all of them combinable."""

    kinds: tuple[str, ...] = ()
    category: Category | None = None
    need: str = ""
    language: str = ""
    access: tuple[str, ...] = ()
    country: str = ""
    region: Region | None = None
    q: str = ""
    open_now: bool = False
    verified: bool = False
    confirmed_within_days: int | None = None
    updated_since: datetime | None = None
    point: Point | None = None
    radius_km: float = 25.0
    bbox: tuple[float, float, float, float] | None = None
    ordering: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def effective_ordering(self) -> str:
        if self.ordering:
            return self.ordering
        return "distance" if self.point is not None else "name"


def _category_filter(category: Category) -> Exists:
    through = Listing.categories.through
    return Exists(
        through.objects.filter(listing_id=OuterRef("pk"), category__path__startswith=category.path)
    )


def _region_filter(region: Region) -> Exists:
    through = Listing.regions.through
    return Exists(through.objects.filter(listing_id=OuterRef("pk"), region_id=region.pk))


def _text_filter(text: str) -> Q:
    """Full text in every language, or a name that matches with typos (pg_trgm `<%`)."""
    name_match = RawSQL(
        'lower(tejido_unaccent(%s)) <%% lower(tejido_unaccent("directory_listing"."name"))',
        [text],
        output_field=BooleanField(),
    )
    return Q(search_document=query_expression(text)) | Q(name_match)


def public_listings(query: ListingQuery) -> QuerySet:
    """Public listings matching `query`, annotated with `distance_m` when a point is given,
    in the order asked for (ties broken by id, so pages are stable)."""
    qs = Listing.objects.public()
    if query.kinds:
        qs = qs.filter(kind__in=query.kinds)
    if query.category is not None:
        qs = qs.filter(_category_filter(query.category))
    if query.need:
        qs = qs.filter(
            Exists(Need.objects.current().filter(listing_id=OuterRef("pk"), kind=query.need))
        )
    if query.language:
        qs = qs.filter(languages__contains=[query.language])
    if query.access:
        qs = qs.filter(access__contains=list(query.access))
    if query.country:
        qs = qs.filter(country=query.country)
    if query.region is not None:
        qs = qs.filter(_region_filter(query.region))
    if query.q:
        qs = qs.filter(_text_filter(query.q))
    if query.open_now:
        qs = qs.filter(open_now_expression())
    if query.verified:
        qs = qs.filter(verified_on__isnull=False)
    if query.confirmed_within_days is not None:
        since = timezone.now() - timedelta(days=query.confirmed_within_days)
        qs = qs.filter(last_confirmed_at__gte=since)
    if query.updated_since is not None:
        qs = qs.filter(updated_at__gte=query.updated_since)
    if query.bbox is not None:
        qs = qs.filter(public_point__intersects=Polygon.from_bbox(query.bbox))
    if query.point is not None:
        qs = qs.filter(within(query.point, query.radius_km)).annotate(
            distance_m=distance_to(query.point)
        )
    return qs.order_by(*_order(query))


#: Slack on the distance bound of a page, so that rounding never drops its last row.
DISTANCE_SLACK_KM = 0.00001


def for_page(qs: QuerySet, query, end: int) -> QuerySet:
    """Narrow a nearest-first search to what a page ending at `end` needs.

    PostgreSQL walks the GiST index in `<->` order only when the order has no second key,
    and the order here breaks ties by id. So the distance of the `end`-th nearest match is
    read first by walking the index (`end` rows), and the page is then sorted among the
    matches within that distance, not among every match in the radius (30,000 around a
    large city)."""
    if query.point is None or query.effective_ordering != "distance":
        return qs
    bound = list(qs.order_by("distance_m").values_list("distance_m", flat=True)[end - 1 : end])
    if not bound:
        return qs  # fewer matches than the page end: they are few, sorting them is cheap
    return qs.filter(within(query.point, bound[0] / 1000 + DISTANCE_SLACK_KM))


def _order(query: ListingQuery) -> tuple:
    ordering = query.effective_ordering
    if ordering == "distance":
        if query.point is None:
            return ("name", "id")
        return ("distance_m", "id")
    return (ordering, "id")


#: Columns of a listing row on the lean list path (see `public_listing_rows`).
ROW_COLUMNS = (
    "id",
    "slug",
    "name",
    "kind",
    "original_language",
    "summary_es",
    "summary_pt",
    "summary_fr",
    "summary_en",
    "location_precision",
    "street_address",
    "locality",
    "admin1",
    "postal_code",
    "country",
    "languages",
    "access",
    "verified_on",
    "last_confirmed_at",
    "updated_at",
    "created_at",
    "lng",
    "lat",
    "category_slugs",
    "need_kinds",
    "is_open",
)


def public_listing_rows(qs: QuerySet, *, with_distance: bool) -> QuerySet:
    """`qs` as tuples of ROW_COLUMNS (+ distance_m): one query, whatever the page size.
    Categories and current need kinds come as arrays from correlated subqueries."""
    category_slugs = ArraySubquery(
        Listing.categories.through.objects.filter(listing_id=OuterRef("pk"))
        .order_by("category__slug")
        .values("category__slug")
    )
    need_kinds = ArraySubquery(
        Need.objects.current()
        .filter(listing_id=OuterRef("pk"))
        .order_by("kind")
        .values("kind")
        .distinct()
    )
    rows = qs.annotate(
        lng=X("public_point"),
        lat=Y("public_point"),
        category_slugs=category_slugs,
        need_kinds=need_kinds,
        is_open=open_now_expression(),
    )
    columns = (*ROW_COLUMNS, "distance_m") if with_distance else ROW_COLUMNS
    return rows.values_list(*columns)


@dataclass(frozen=True)
class NeedQuery:
    """A validated search of current public needs."""

    kinds: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    q: str = ""
    language: str = ""
    region: Region | None = None
    listing: Listing | None = None
    point: Point | None = None
    radius_km: float = 25.0
    bbox: tuple[float, float, float, float] | None = None
    ordering: str = ""

    @property
    def effective_ordering(self) -> str:
        if self.ordering:
            return self.ordering
        return "distance" if self.point is not None else "-urgency"


NEED_ORDER_FIELDS = {
    "-urgency": ("-urgency_rank", "ends_on", "id"),
    "-created_at": ("-created_at", "id"),
    "ends_on": (F("ends_on").asc(nulls_last=True), "id"),
}


def public_needs(query: NeedQuery) -> QuerySet:
    """Current needs of public listings matching `query`; spatial filters and distance run
    on the listing's public point."""
    qs = Need.objects.current().filter(
        listing__status="published",
        listing__emergency_hidden_at__isnull=True,
        listing__hidden_by_reports=False,
    )
    if query.listing is not None:
        qs = qs.filter(listing=query.listing)
    if query.kinds:
        qs = qs.filter(kind__in=query.kinds)
    if query.skills:
        qs = qs.filter(skills__overlap=list(query.skills))
    if query.urgencies:
        qs = qs.filter(urgency__in=query.urgencies)
    if query.q:
        qs = qs.filter(search_document=query_expression(query.q))
    if query.language:
        qs = qs.filter(listing__languages__contains=[query.language])
    if query.region is not None:
        through = Listing.regions.through
        qs = qs.filter(
            Exists(through.objects.filter(listing_id=OuterRef("listing_id"), region=query.region))
        )
    if query.bbox is not None:
        qs = qs.filter(listing__public_point__intersects=Polygon.from_bbox(query.bbox))
    if query.point is not None:
        qs = qs.filter(within(query.point, query.radius_km)).annotate(
            distance_m=distance_to(query.point)
        )
    ordering = query.effective_ordering
    if ordering == "distance":
        return qs.order_by("distance_m", "id") if query.point is not None else qs.order_by("id")
    return qs.order_by(*NEED_ORDER_FIELDS[ordering])


NEED_ROW_COLUMNS = (
    "id",
    "kind",
    "original_language",
    "title_es",
    "title_pt",
    "title_fr",
    "title_en",
    "skills",
    "quantity",
    "unit",
    "urgency",
    "starts_on",
    "ends_on",
    "status",
    "last_confirmed_at",
    "created_at",
    "updated_at",
    "listing__slug",
    "listing__name",
    "listing__kind",
    "listing__location_precision",
    "listing__locality",
    "listing__admin1",
    "listing__country",
    "lng",
    "lat",
)


def public_need_rows(qs: QuerySet, *, with_distance: bool) -> QuerySet:
    """`qs` as tuples of NEED_ROW_COLUMNS (+ distance_m), one query for any page size."""
    rows = qs.annotate(lng=X("listing__public_point"), lat=Y("listing__public_point"))
    columns = (*NEED_ROW_COLUMNS, "distance_m") if with_distance else NEED_ROW_COLUMNS
    return rows.values_list(*columns)


def public_counts() -> dict[str, int]:
    """Public listings per kind, and current public needs (one query each)."""
    counts = Listing.objects.public().aggregate(
        total=Count("id"),
        **{kind: Count("id", filter=Q(kind=kind)) for kind in ListingKind.values},
    )
    counts["open_needs"] = Need.objects.public().count()
    return counts


def recent_public_listings(*, limit: int = 12):
    return (
        Listing.objects.public()
        .order_by("-updated_at", "-id")
        .only(
            "slug",
            "name",
            "kind",
            "locality",
            "admin1",
            "country",
            "original_language",
            *(f"summary_{code}" for code in ("es", "pt", "fr", "en")),
        )[:limit]
    )
