"""SQL that the listing and need reads share: "open now" and "open at", the distance on
the public geography, dates and times as text, columns, order and FROM/WHERE of a
queryset for the one-statement pages."""

from django.contrib.gis.geos import Point
from django.db.models import (
    BooleanField,
    FloatField,
    QuerySet,
)
from django.db.models.expressions import RawSQL

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


#: Slack on the distance bound of a page, so that rounding never drops its last row.
DISTANCE_SLACK_KM = 0.00001


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


def _columns_sql(sql_of: dict[str, str], names: tuple[str, ...]) -> str:
    return ",\n  ".join(f'{sql_of[name]} AS "{name}"' for name in names)


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
