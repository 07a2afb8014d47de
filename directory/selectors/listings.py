"""Public listings: the query of the API's list (and of the search page), its rows and its
one-statement page."""

import operator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import reduce

from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ..choices import NeedStatus
from ..geo import X, Y
from ..models import Category, Listing, Need, Region
from ..search import matches
from . import statements
from .sql import (
    OPEN_NOW_SQL,
    _columns_sql,
    _date_text,
    _order_sql,
    _time_text,
    distance_to,
    open_at_expression,
    open_now_expression,
    within,
)
from .statements import page_statement, run_page, walk_page_statement

# Ordering choices of the API (DESIGN.md §3).
ORDERINGS = ("distance", "name", "-updated_at", "-created_at")


@dataclass(frozen=True)
class ListingQuery:
    """A validated listing search; every field optional and all of them combinable."""

    kinds: tuple[str, ...] = ()
    category: Category | None = None
    #: In any of these categories (or below them): a street sheet's several kinds of help.
    any_category: tuple[Category, ...] = ()
    need: str = ""
    language: str = ""
    access: tuple[str, ...] = ()
    country: str = ""
    region: Region | None = None
    q: str = ""
    open_now: bool = False
    #: (ISO weekday, local time): open then, in the listing's own time zone.
    open_at: tuple | None = None
    verified: bool = False
    confirmed_within_days: int | None = None
    updated_since: datetime | None = None
    point: Point | None = None
    radius_km: float = 25.0
    bbox: tuple[float, float, float, float] | None = None
    ordering: str = ""
    #: Names also match `q` with typos (pg_trgm): the fallback when the words match nothing.
    typos: bool = False
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


def _region_filter(region: Region) -> RawSQL:
    """The listing is listed under `region`: its `region_ids` (kept equal to its region
    memberships by triggers, migration 0010) contain it; GIN-indexed, so it combines with
    the text index in one bitmap. (Needs join their listing, so the same SQL serves.)"""
    return RawSQL(
        '"directory_listing"."region_ids" @> ARRAY[%s]::bigint[]',
        [region.pk],
        output_field=BooleanField(),
    )


def _text_filter(text: str, *, typos: bool) -> Q:
    """Full text in every language; with `typos`, or a name that matches with typos
    (pg_trgm `<%`). Typos are tried only when the words match nothing (`with_typos_if_none`):
    a frequent word's trigrams match a fifth of all names, read for no new listing."""
    if not typos:
        return Q(matches("search_document", text))
    name_match = RawSQL(
        'lower(tejido_unaccent(%s)) <%% lower(tejido_unaccent("directory_listing"."name"))',
        [text],
        output_field=BooleanField(),
    )
    return Q(matches("search_document", text)) | Q(name_match)


def public_listings(query: ListingQuery) -> QuerySet:
    """Public listings matching `query`, annotated with `distance_m` when a point is given,
    in the order asked for (ties broken by id, so pages are stable)."""
    qs = Listing.objects.public()
    if query.kinds:
        qs = qs.filter(kind__in=query.kinds)
    if query.category is not None:
        qs = qs.filter(_category_filter(query.category))
    if query.any_category:
        qs = qs.filter(reduce(operator.or_, (Q(_category_filter(c)) for c in query.any_category)))
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
        qs = qs.filter(_text_filter(query.q, typos=query.typos))
    if query.open_now:
        qs = qs.filter(open_now_expression())
    if query.open_at is not None:
        qs = qs.filter(open_at_expression(*query.open_at))
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

#: Columns a page of cards adds to ROW_COLUMNS (`listing_page(..., hours=True)`): the
#: listing's time zone and its weekly periods as [ISO weekday, opens, closes] in minutes
#: from local midnight, in order, so that "closes at 18:00" needs no second query.
HOURS_COLUMNS = ("timezone", "opening_periods")


#: Computed columns of a listing row, as SQL on "directory_listing": shared by the ORM rows
#: (`public_listing_rows`: details, exports) and the one-statement pages (`listing_page`).
CATEGORY_SLUGS_SQL = """ARRAY(
  SELECT cat.slug FROM directory_listing_categories lc
  JOIN directory_category cat ON cat.id = lc.category_id
  WHERE lc.listing_id = "directory_listing"."id" ORDER BY 1)"""
#: Kinds of the listing's current needs (open, not ended before the date given as %s).
NEED_KINDS_SQL = """ARRAY(
  SELECT DISTINCT need.kind FROM directory_need need
  WHERE need.listing_id = "directory_listing"."id" AND need.status = %s
    AND (need.ends_on IS NULL OR need.ends_on >= %s) ORDER BY 1)"""


def _need_kinds_params() -> list:
    return [NeedStatus.OPEN.value, timezone.localdate()]


def public_listing_rows(qs: QuerySet, *, with_distance: bool) -> QuerySet:
    """`qs` as tuples of ROW_COLUMNS (+ distance_m): one query, whatever the page size.
    Categories and current need kinds come as arrays from correlated subqueries."""
    slugs = ArrayField(CharField())
    rows = qs.annotate(
        lng=X("public_point"),
        lat=Y("public_point"),
        category_slugs=RawSQL(CATEGORY_SLUGS_SQL, [], output_field=slugs),  # noqa: S611
        need_kinds=RawSQL(NEED_KINDS_SQL, _need_kinds_params(), output_field=slugs),  # noqa: S611
        is_open=open_now_expression(),
    )
    columns = (*ROW_COLUMNS, "distance_m") if with_distance else ROW_COLUMNS
    return rows.values_list(*columns)


LISTING_ROW_SQL = {
    **{name: f'"directory_listing"."{name}"' for name in ROW_COLUMNS},
    "lng": 'ST_X("directory_listing"."public_point")',
    "lat": 'ST_Y("directory_listing"."public_point")',
    "category_slugs": CATEGORY_SLUGS_SQL,
    "need_kinds": NEED_KINDS_SQL,
    "is_open": OPEN_NOW_SQL,
    "timezone": '"directory_listing"."timezone"',
    "opening_periods": """ARRAY(
  SELECT ARRAY[p.weekday, extract(hour FROM p.opens)::int * 60 + extract(minute FROM p.opens)::int,
               extract(hour FROM p.closes)::int * 60 + extract(minute FROM p.closes)::int]
  FROM directory_openingperiod p WHERE p.listing_id = "directory_listing"."id"
  ORDER BY p.weekday, p.opens)""",
    # last_confirmed_at stays a datetime: freshness is computed from it.
    "verified_on": _date_text('"directory_listing"."verified_on"'),
    "updated_at": _time_text('"directory_listing"."updated_at"'),
    "created_at": _time_text('"directory_listing"."created_at"'),
}


LISTING_COLUMNS_SQL = _columns_sql(LISTING_ROW_SQL, ROW_COLUMNS)
#: With the hours, "open now" is told from them in Python (`directory.hours`, the same
#: rules), so the statement leaves `is_open` empty rather than test it a second time.
LISTING_HOURS_COLUMNS_SQL = _columns_sql(
    {**LISTING_ROW_SQL, "is_open": "NULL::boolean"}, (*ROW_COLUMNS, *HOURS_COLUMNS)
)


def listing_page_statement(
    query: ListingQuery, *, offset: int, limit: int, cap: int, hours: bool = False
):
    # Words: walk the order first, unless the page lies beyond the walk anyway.
    walk = query.q and (offset + limit) * 2 <= statements.WALK_ROWS
    return (walk_page_statement if walk else page_statement)(
        public_listings(query).order_by(),
        query,
        columns=LISTING_HOURS_COLUMNS_SQL if hours else LISTING_COLUMNS_SQL,
        column_params=_need_kinds_params(),
        order_by=_order_sql("directory_listing", _order(query)),
        offset=offset,
        limit=limit,
        cap=cap,
    )


def listing_page(query: ListingQuery, *, offset: int, limit: int, cap: int, hours: bool = False):
    """(count up to `cap`, rows of ROW_COLUMNS (+ HOURS_COLUMNS with `hours`) (+ distance_m))
    in one statement; in a second, with typos, when the words of `q` match nothing."""
    window = {"offset": offset, "limit": limit, "cap": cap, "hours": hours}
    count, rows = run_page(*listing_page_statement(query, **window))
    if count == 0 and query.q and not query.typos:
        return listing_page(replace(query, typos=True), **window)
    return count, rows


def with_typos_if_none(query: ListingQuery) -> ListingQuery:
    """`query`, or `query` with typos when the words of its `q` match no listing."""
    if query.q and not query.typos and not public_listings(query).order_by().exists():
        return replace(query, typos=True)
    return query
