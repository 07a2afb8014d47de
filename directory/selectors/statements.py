"""The one-statement pages (decision 0007): the count (bounded), the distance bound and
the page of a list in one SQL statement, or, for words, a walk along the page's order
first (decision 0009). Listing and need pages build theirs from these."""

import re
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet

from ..models import Listing
from .sql import DISTANCE_SLACK_KM, PUBLIC_GEOGRAPHY, _from_where

if TYPE_CHECKING:
    from .listings import ListingQuery
    from .needs import NeedQuery


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
