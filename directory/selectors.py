"""Reads of the directory: functions of plain arguments returning querysets or rows.

Every public read runs on `Listing.public_point` (DESIGN.md §6): filters, distance, order.
Spatial SQL is written to match the indexes: radius and nearest-first on
`public_geog` (`listing_public_geog_gist`, `<->` for order), bounding boxes with
`ST_Intersects` (index `&&`, then an exact test) on the geometry (`listing_public_point_gist`).
"""

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
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

from .choices import ListingKind, NeedStatus
from .geo import X, Y
from .models import Category, Listing, Need, Region
from .search import matches

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


#: "Open at" a local weekday and time (bound as %s: day, time, day, time, day before,
#: time): the periods are in the listing's local time, so no time zone is involved.
OPEN_AT_SQL = """
EXISTS (
  SELECT 1 FROM directory_openingperiod p
  WHERE p.listing_id = "directory_listing"."id" AND (
    (p.weekday = %s AND (
        (p.opens < p.closes AND %s::time >= p.opens AND %s::time < p.closes)
     OR (p.opens > p.closes AND %s::time >= p.opens)))
    OR (p.weekday = %s AND p.opens > p.closes AND %s::time < p.closes)
  )
)"""


def open_at_expression(weekday: int, at) -> RawSQL:
    """Open on ISO `weekday` (Monday 1) at local time `at`, past-midnight periods included."""
    before = 7 if weekday == 1 else weekday - 1
    return RawSQL(  # noqa: S611  (constant SQL, values bound as parameters)
        OPEN_AT_SQL, [weekday, at, at, at, before, at], output_field=BooleanField()
    )


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


#: Slack on the distance bound of a page, so that rounding never drops its last row.
DISTANCE_SLACK_KM = 0.00001


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


#: ROW_COLUMNS as SQL, for the one-statement pages.
def _date_text(sql: str) -> str:
    """A date as the JSON renderer writes one (ISO 8601, `2026-11-23`): rows of a page go
    straight to JSON, so parsing dates and times into Python objects is waste (a third
    of the Python time of a 100-row page)."""
    return f"(to_json({sql}) #>> '{{}}')"


def _time_text(sql: str) -> str:
    """A timestamptz as orjson writes a UTC datetime, byte for byte:
    `2026-11-23T04:20:46.537550+00:00`, without the fraction when it is zero."""
    utc = f"({sql} AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        f"extract(microseconds FROM {utc})::bigint %% 1000000 = 0 THEN '' "
        f"ELSE to_char({utc}, '.US') END || '+00:00')"
    )


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


def _columns_sql(sql_of: dict[str, str], names: tuple[str, ...]) -> str:
    return ",\n  ".join(f'{sql_of[name]} AS "{name}"' for name in names)


LISTING_COLUMNS_SQL = _columns_sql(LISTING_ROW_SQL, ROW_COLUMNS)
#: With the hours, "open now" is told from them in Python (`directory.hours`, the same
#: rules), so the statement leaves `is_open` empty rather than test it a second time.
LISTING_HOURS_COLUMNS_SQL = _columns_sql(
    {**LISTING_ROW_SQL, "is_open": "NULL::boolean"}, (*ROW_COLUMNS, *HOURS_COLUMNS)
)


def _order_sql(table: str, fields: tuple) -> str:
    """ORDER BY of the one-statement pages, from the same field names as the ORM order."""
    parts = []
    for name in fields:
        if name == "distance_m":
            parts.append('"distance_m" ASC')
        elif isinstance(name, str):
            column = name.removeprefix("-")
            direction = "DESC" if name.startswith("-") else "ASC"
            parts.append(f'"{table}"."{column}" {direction}')
        else:  # F("...").asc(nulls_last=True)
            parts.append(f'"{table}"."{name.expression.name}" ASC NULLS LAST')
    return ", ".join(parts)


def _from_where(qs: QuerySet) -> tuple[str, str, list]:
    """The FROM and WHERE of `qs`'s filters, compiled once for every part of the page."""
    compiler = qs.query.get_compiler(using=qs.db)
    where, where_params = compiler.compile(qs.query.where)
    from_parts, from_params = compiler.get_from_clause()
    return " ".join(from_parts), where, [*from_params, *where_params]


def page_statement(
    qs: QuerySet,
    query: "ListingQuery | NeedQuery",
    *,
    columns: str,
    column_params: list,
    order_by: str,
    offset: int,
    limit: int,
    cap: int,
) -> tuple[str, list]:
    """One statement for a page and its bounded count: `count` (matches up to `cap`) on every
    row, then the page's columns; one row of NULL columns when the page is empty.

    With a point and nearest first, the page is sorted only among the matches within the
    distance of its last row, found first by walking the GiST index in `<->` order: the
    index gives that order only without a second sort key, and the page's order breaks
    ties by id, so sorting every match in the radius (30,000 around a large city) would
    be the alternative."""
    # Every fragment is SQL of this module or compiled by Django; values are parameters.
    point = query.point
    from_, where, params = _from_where(qs)
    bound, bound_params = _distance_bound(query, from_, where, params, offset + limit)
    distance = f', {PUBLIC_GEOGRAPHY} <-> %s::geography AS "distance_m"' if point else ""
    sql = (
        f"SELECT page_count.n, page.* FROM (SELECT count(*) AS n FROM (SELECT 1 FROM {from_} "  # noqa: S608
        f"WHERE {where} LIMIT %s) matches) page_count LEFT JOIN LATERAL (SELECT {columns}"
        f"{distance} FROM {from_} WHERE {where}{bound} AND page_count.n > %s "
        f"ORDER BY {order_by} LIMIT %s OFFSET %s) page ON true"
    )
    all_params = [*params, cap, *column_params]
    if point is not None:
        all_params.append(point.ewkt)
    all_params += [*params, *bound_params, offset, limit, offset]
    return sql, all_params


def _distance_bound(query, from_: str, where: str, params: list, end: int) -> tuple[str, list]:
    """With a point and nearest first: the condition that keeps the matches within the
    distance of the page's last row (found by walking the GiST index in `<->` order)."""
    point = query.point
    if point is None or query.effective_ordering != "distance":
        return "", []
    sql = (
        f" AND ST_DWithin({PUBLIC_GEOGRAPHY}, %s::geography, COALESCE(("  # noqa: S608
        f"SELECT {PUBLIC_GEOGRAPHY} <-> %s::geography FROM {from_} WHERE {where} "
        "ORDER BY 1 OFFSET %s LIMIT 1) + %s, %s), false)"
    )
    slack = DISTANCE_SLACK_KM * 1000
    return sql, [point.ewkt, point.ewkt, *params, end - 1, slack, query.radius_km * 1000]


#: Rows a `walk_page_statement` reads in the page's order before it sorts the matches.
WALK_ROWS = 2000


def walk_page_statement(
    qs: QuerySet,
    query: "ListingQuery",
    *,
    columns: str,
    column_params: list,
    order_by: str,
    offset: int,
    limit: int,
    cap: int,
) -> tuple[str, list]:
    """`page_statement` for filters whose matches the planner cannot foresee well (words):
    it first walks the public listings in the page's own index order (nearest first, or
    by name or date) and tests each against the filters.

    The walk stops at `cap` matches (and one more), after WALK_ROWS listings, or, nearest
    first, past the radius. When it found the page and the count, or every match there is,
    they are the answer: a frequent word near a large city takes a few thousand index rows
    instead of a bitmap of every listing with the word (two fifths of all listings for
    "comunitaria"), which the planner would choose because PostGIS estimates the listings
    in a radius 15 times too low. Otherwise (a rare word, or one far down the order) the
    count and the page come from the filters' indexes, and the matches are sorted rather
    than looked for further along the order."""
    point = query.point
    by_distance = point is not None and query.effective_ordering == "distance"
    from_, where, params = _from_where(qs)
    base_from, base_where, base_params = _from_where(Listing.objects.public().order_by())
    end = offset + limit
    distance_sql = f"{PUBLIC_GEOGRAPHY} <-> %s::geography"
    if by_distance:
        # No radius in the walk's WHERE: only the order can then serve it (the GiST index,
        # nearest first), never a sort of the radius; a listing past the radius ends it.
        key, key_params, walk_order = distance_sql, [point.ewkt], "3"
        past = "key > %s"
        past_params = [query.radius_km * 1000 + DISTANCE_SLACK_KM * 1000]
        walked_order, page_found = "w.key, w.id", "w.matched >= %s AND w.key_end < w.reach"
        fallback_order = f'COALESCE({distance_sql}, 0) ASC, "directory_listing"."id" ASC'
        fallback_params = [point.ewkt]
    else:
        key, key_params, walk_order = "NULL::float8", [], order_by
        past, past_params = "false", []
        walked_order, page_found = "w.rn", "w.matched >= %s"
        # Sorted (an expression no index has), not looked for further along the order.
        fallback_order = re.sub(r'("[a-z_]+"\."[a-z_]+")', r"COALESCE(\1, \1)", order_by)
        fallback_params = []
    distance = f', {distance_sql} AS "distance_m"' if point else ""
    distance_params = [point.ewkt] if point else []
    # Every fragment is SQL of this module or compiled by Django; values are parameters.
    sql = (
        "WITH walk AS MATERIALIZED (SELECT id, ok, key, rn FROM (SELECT *, row_number() "  # noqa: S608
        f'OVER () AS rn FROM (SELECT "directory_listing"."id" AS id, ({where}) AS ok, '
        f"{key} AS key FROM {base_from} WHERE {base_where} ORDER BY {walk_order} LIMIT %s) "
        f"ordered) numbered WHERE ok OR rn = %s OR {past} LIMIT %s), "
        "walked AS (SELECT count(*) FILTER (WHERE ok) AS matched, "
        f"coalesce(bool_or({past}), false) "
        "OR (NOT coalesce(bool_or(rn = %s), false) AND count(*) <= %s) AS exhausted, "
        "max(key) AS reach, "
        "(SELECT key FROM walk WHERE ok ORDER BY rn OFFSET %s LIMIT 1) AS key_end FROM walk), "
        "decision AS (SELECT CASE WHEN w.exhausted OR w.matched >= %s "
        "THEN LEAST(w.matched, %s) ELSE (SELECT count(*) FROM (SELECT 1 FROM "
        f"{from_} WHERE {where} LIMIT %s) matches) END AS n, "
        f"w.exhausted OR ({page_found}) AS walked_page FROM walked w) "
        # Not LATERAL: a parameterized page would be rescanned, and a rescan evaluates the
        # index conditions even of a branch that is cut off.
        f"SELECT decision.n, page.* FROM decision LEFT JOIN (SELECT * FROM (SELECT {columns}"
        f"{distance} FROM (SELECT id, key, rn FROM walk w WHERE ok ORDER BY {walked_order} "
        'LIMIT %s OFFSET %s) w JOIN "directory_listing" ON "directory_listing"."id" = w.id '
        "WHERE (SELECT walked_page FROM decision) "
        f"ORDER BY {walked_order}) walked_rows UNION ALL "
        f"SELECT * FROM (SELECT {columns}{distance} FROM {from_} WHERE {where} "
        "AND NOT (SELECT walked_page FROM decision) AND (SELECT n FROM decision) > %s "
        f"ORDER BY {fallback_order} LIMIT %s OFFSET %s) sorted_rows) page ON true"
    )
    all_params = [
        *params,
        *key_params,
        *base_params,
        WALK_ROWS,
        WALK_ROWS,
        *past_params,
        cap + 1,
        *past_params,
        WALK_ROWS,
        cap,
        end - 1,
        cap,
        cap,
        *params,
        cap,
        end,
        *column_params,
        *distance_params,
        limit,
        offset,
        *column_params,
        *distance_params,
        *params,
        offset,
        *fallback_params,
        limit,
        offset,
    ]
    return sql, all_params


def run_page(sql: str, params: list) -> tuple[int, list[tuple]]:
    """(count, rows) of a `page_statement`."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    count = fetched[0][0] if fetched else 0
    if len(fetched) == 1 and fetched[0][1] is None:  # the LEFT JOIN's row of an empty page
        return count, []
    return count, [row[1:] for row in fetched]


def listing_page_statement(
    query: ListingQuery, *, offset: int, limit: int, cap: int, hours: bool = False
):
    # Words: walk the order first, unless the page lies beyond the walk anyway.
    walk = query.q and (offset + limit) * 2 <= WALK_ROWS
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
        qs = qs.filter(matches("search_document", query.q))
    if query.language:
        qs = qs.filter(listing__languages__contains=[query.language])
    if query.region is not None:
        qs = qs.filter(_region_filter(query.region))
    if query.bbox is not None:
        qs = qs.filter(listing__public_point__intersects=Polygon.from_bbox(query.bbox))
    if query.point is not None:
        qs = qs.filter(within(query.point, query.radius_km)).annotate(
            distance_m=distance_to(query.point)
        )
    return qs.order_by(*_need_order(query))


def _need_order(query: NeedQuery) -> tuple:
    ordering = query.effective_ordering
    if ordering == "distance":
        return ("distance_m", "id") if query.point is not None else ("id",)
    return NEED_ORDER_FIELDS[ordering]


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


#: NEED_ROW_COLUMNS as SQL, for the one-statement pages (the listing joined as itself).
NEED_ROW_SQL = {
    **{
        name: (
            f'"directory_listing"."{name.removeprefix("listing__")}"'
            if name.startswith("listing__")
            else f'"directory_need"."{name}"'
        )
        for name in NEED_ROW_COLUMNS
    },
    "lng": 'ST_X("directory_listing"."public_point")',
    "lat": 'ST_Y("directory_listing"."public_point")',
    "starts_on": _date_text('"directory_need"."starts_on"'),
    "ends_on": _date_text('"directory_need"."ends_on"'),
    "created_at": _time_text('"directory_need"."created_at"'),
    "updated_at": _time_text('"directory_need"."updated_at"'),
}


NEED_COLUMNS_SQL = _columns_sql(NEED_ROW_SQL, NEED_ROW_COLUMNS)
#: Columns a page of need cards adds to NEED_ROW_COLUMNS (`need_page(..., descriptions=True)`).
NEED_DESCRIPTION_COLUMNS = tuple(f"description_{code}" for code in ("es", "pt", "fr", "en"))
NEED_DESCRIBED_COLUMNS_SQL = _columns_sql(
    {name: f'"directory_need"."{name}"' for name in NEED_DESCRIPTION_COLUMNS} | NEED_ROW_SQL,
    (*NEED_ROW_COLUMNS, *NEED_DESCRIPTION_COLUMNS),
)


def need_page_statement(
    query: NeedQuery, *, offset: int, limit: int, cap: int, descriptions: bool = False
):
    return page_statement(
        public_needs(query).order_by(),
        query,
        columns=NEED_DESCRIBED_COLUMNS_SQL if descriptions else NEED_COLUMNS_SQL,
        column_params=[],
        order_by=_order_sql("directory_need", _need_order(query)),
        offset=offset,
        limit=limit,
        cap=cap,
    )


def need_page(query: NeedQuery, *, offset: int, limit: int, cap: int, descriptions: bool = False):
    """(count up to `cap`, rows of NEED_ROW_COLUMNS (+ NEED_DESCRIPTION_COLUMNS with
    `descriptions`) (+ distance_m)) in one statement."""
    window = {"offset": offset, "limit": limit, "cap": cap, "descriptions": descriptions}
    return run_page(*need_page_statement(query, **window))


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


#: A region with a current need of a public listing, from the region statistics (probed
#: on their unique index, region first).
REGION_HAS_NEEDS_SQL = """EXISTS (
  SELECT 1 FROM directory_region_stats s
  WHERE s.region_id = "directory_region"."id" AND s.dimension = 'need_kind' AND s.n > 0)"""


def regions_with_public_needs(levels=("country", "admin1")) -> QuerySet:
    """Regions of `levels` holding a public listing with a current need (one query): the
    choices of the needs board's region filter, which then never leads to an empty page
    by itself (a county is one of its state's needs; its own page links to them).

    Read from the region statistics (`directory_region_stats`, decision 0004), which count
    current needs by region: as current as they are (at once after each change with
    REGION_STATS_REFRESH=on_commit, within a minute with `scheduled`). Finding them from
    the needs themselves took 3 s at 1M listings, on every page of the board."""
    has_needs = RawSQL(REGION_HAS_NEEDS_SQL, [], output_field=BooleanField())  # noqa: S611
    return (
        Region.objects.filter(has_needs, level__in=levels)
        .only("slug", "level", "country", *(f"name_{code}" for code in ("es", "pt", "fr", "en")))
        .order_by("level", "name", "id")
    )
