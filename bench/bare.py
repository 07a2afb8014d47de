"""Bare reference views for the benchmark: plain Django views (no DRF, no serializers) that
run ONE SQL query in which PostgreSQL/PostGIS builds the whole JSON response
(json_build_object / json_agg / ST_AsGeoJSON), returned as is.

Each view answers the same question as an API endpoint, with the same filters, order, page
and response shape ({count, next, previous, results} or a GeoJSON FeatureCollection, the
same item fields), so `API req/s / bare req/s` shows what the app's Python costs on top of
the database. The SQL builders are plain functions so bench/run.py can time the same SQL
directly (`sql_for`).
"""

import functools
from urllib.parse import urlencode

from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound

from api.pagination import COUNT_AHEAD

MAX_LIMIT = 500
LAYER_MAX = 5000

PUBLIC = "l.status = 'published' AND l.emergency_hidden_at IS NULL AND NOT l.hidden_by_reports"

#: The columns a list item is built from (kept narrow: never the tsvector).
PAGE_COLUMNS = """l.id, l.slug, l.name, l.kind, l.original_language,
  l.summary_es, l.summary_pt, l.summary_fr, l.summary_en, l.location_precision,
  l.street_address, l.locality, l.admin1, l.postal_code, l.country, l.timezone,
  l.languages, l.access, l.verified_on, l.last_confirmed_at, l.updated_at, l.created_at,
  l.public_point"""

OPEN_NOW = """EXISTS (
  SELECT 1 FROM directory_openingperiod op,
       LATERAL (SELECT now() AT TIME ZONE NULLIF(p.timezone, '') AS t) loc
  WHERE op.listing_id = p.id AND (
    (op.weekday = EXTRACT(ISODOW FROM loc.t) AND (
        (op.opens < op.closes AND loc.t::time >= op.opens AND loc.t::time < op.closes)
     OR (op.opens > op.closes AND loc.t::time >= op.opens)))
    OR (op.weekday = EXTRACT(ISODOW FROM loc.t - interval '1 day')
        AND op.opens > op.closes AND loc.t::time < op.closes)))"""


def item_properties(*, with_distance: bool) -> str:
    """json_build_object(...) arguments of one listing (alias p), as api.rows.ListingRows."""
    distance = (
        """, 'distance_km', CASE WHEN p.location_precision = 'exact'
             THEN round((p.distance_m / 1000)::numeric, 2)
             ELSE round((p.distance_m / 1000)::numeric) END"""
        if with_distance
        else ""
    )
    return f"""
  'id', p.id, 'slug', p.slug, 'url', %(listing_base)s::text || p.slug || '/', 'name', p.name,
  'kind', p.kind,
  'summary', json_strip_nulls(json_build_object(
      'es', NULLIF(p.summary_es, ''), 'pt', NULLIF(p.summary_pt, ''),
      'fr', NULLIF(p.summary_fr, ''), 'en', NULLIF(p.summary_en, ''))),
  'original_language', p.original_language,
  'categories', ARRAY(SELECT c.slug FROM directory_listing_categories lc
                      JOIN directory_category c ON c.id = lc.category_id
                      WHERE lc.listing_id = p.id ORDER BY 1),
  'location_precision', p.location_precision,
  'address', json_strip_nulls(json_build_object(
      'street', CASE WHEN p.location_precision = 'exact' THEN NULLIF(p.street_address, '') END,
      'locality', CASE WHEN p.location_precision <> 'hidden' THEN NULLIF(p.locality, '') END,
      'admin1', NULLIF(p.admin1, ''),
      'postal_code', CASE WHEN p.location_precision IN ('exact', 'area') THEN NULLIF(p.postal_code, '') END,
      'country', NULLIF(p.country, ''))),
  'languages', p.languages, 'access', p.access,
  'open_now', {OPEN_NOW},
  'need_kinds', ARRAY(SELECT DISTINCT n.kind FROM directory_need n
                      WHERE n.listing_id = p.id AND n.status = 'open'
                        AND (n.ends_on IS NULL OR n.ends_on >= current_date) ORDER BY 1),
  'verified_on', p.verified_on, 'last_confirmed_at', p.last_confirmed_at,
  'freshness', CASE WHEN now() - p.last_confirmed_at <= interval '90 days' THEN 'fresh'
                    WHEN now() - p.last_confirmed_at <= interval '180 days' THEN 'aging'
                    ELSE 'stale' END,
  'updated_at', p.updated_at, 'created_at', p.created_at{distance}"""


def list_sql(where: str, order: str, *, distance: str | None, geojson: bool) -> str:
    """One query: the count and the page of listings matching `where` (over alias l),
    ordered by `order` (over alias p, the page), as the API's JSON or GeoJSON body."""
    with_distance = distance is not None
    properties = item_properties(with_distance=with_distance)
    geometry = "ST_AsGeoJSON(p.public_point)::json"
    if geojson:
        item = f"""json_build_object('type', 'Feature', 'id', p.id, 'geometry', {geometry},
                   'properties', json_build_object({properties}))"""
        head, key = "'type', 'FeatureCollection', ", "features"
    else:
        item = f"json_build_object({properties}, 'location', {geometry})"
        head, key = "", "results"
    distance_column = f", {distance} AS distance_m" if with_distance else ""
    return f"""
WITH total AS (
  -- counted up to COUNT_AHEAD past the page, as api.pagination.LimitOffset.count_matches
  SELECT count(*) AS n FROM (SELECT 1 FROM directory_listing l WHERE {where}
                             LIMIT %(offset)s::int + %(limit)s::int + {COUNT_AHEAD}) c)
SELECT json_build_object({head}
  'count', total.n,
  'count_exact', total.n < %(offset)s::int + %(limit)s::int + {COUNT_AHEAD},
  'next', CASE WHEN %(offset)s::int + %(limit)s::int < total.n THEN %(next)s::text END,
  'previous', %(previous)s::text,
  '{key}', COALESCE((
    SELECT json_agg({item} ORDER BY {order})
    FROM (SELECT {PAGE_COLUMNS}{distance_column}
          FROM directory_listing l WHERE {where}
          ORDER BY {order.replace("p.", "")} LIMIT %(limit)s::int OFFSET %(offset)s::int) p
  ), '[]'::json))::text
FROM total"""


def _public_geography() -> str:
    """The indexed geography of the public point, as the app has it: a stored column
    (`Listing.public_geog`) or the expression `public_point::geography`."""
    from django.core.exceptions import FieldDoesNotExist

    from directory.models import Listing

    try:
        Listing._meta.get_field("public_geog")
    except FieldDoesNotExist:
        return "(l.public_point)::geography"
    return "l.public_geog"


GEOGRAPHY = _public_geography()
POINT = "ST_SetSRID(ST_MakePoint(%(lng)s::float8, %(lat)s::float8), 4326)::geography"
WITHIN = f"ST_DWithin({GEOGRAPHY}, {POINT}, %(radius_m)s::float8, false)"
DISTANCE = f"{GEOGRAPHY} <-> {POINT}"
BBOX = "ST_Intersects(l.public_point, ST_MakeEnvelope(%(x1)s::float8, %(y1)s::float8, %(x2)s::float8, %(y2)s::float8, 4326))"
# The words as the API reads them when they match (names with typos are its fallback when
# they match nothing, and every bench word matches).
TEXT = "l.search_document @@ tejido_tsquery(%(q)s::text)"
# The region's id is a constant of the query, as in the API's SQL (a sub-select here would
# leave the planner without an estimate and, for a rare word, walk the whole name index).
REGION = "l.region_ids @> ARRAY[%(region_id)s::bigint]"

BY_DISTANCE = "p.distance_m, p.id"
BY_NAME = "p.name, p.id"

#: shape -> SQL of its bare view.
SQL = {
    "near": list_sql(f"{PUBLIC} AND {WITHIN}", BY_DISTANCE, distance=DISTANCE, geojson=False),
    "bbox": list_sql(f"{PUBLIC} AND {BBOX}", BY_NAME, distance=None, geojson=False),
    "bbox_geojson": list_sql(f"{PUBLIC} AND {BBOX}", BY_NAME, distance=None, geojson=True),
    "search": list_sql(
        f"{PUBLIC} AND l.kind = ANY(%(kinds)s::text[]) AND {TEXT} AND {WITHIN}",
        BY_DISTANCE,
        distance=DISTANCE,
        geojson=False,
    ),
    "search_region": list_sql(
        f"{PUBLIC} AND {REGION} AND {TEXT}", BY_NAME, distance=None, geojson=False
    ),
    # A map layer: up to 5,000 public points in a box, slim properties, built by PostGIS.
    # A map layer as api.exports.GeoJSONExport: up to `limit` public points in a box, in the
    # list order (name), slim properties, `truncated` if more matched; built by PostGIS.
    "layer": f"""
SELECT json_build_object('type', 'FeatureCollection',
  'truncated', (SELECT count(*) FROM (SELECT 1 FROM directory_listing l WHERE {PUBLIC} AND {BBOX}
                                      LIMIT %(limit)s::int + 1) c) > %(limit)s::int,
  'features', COALESCE(json_agg(
  json_build_object('type', 'Feature', 'id', l.id,
    'geometry', ST_AsGeoJSON(l.public_point, 6)::json,
    'properties', json_build_object('slug', l.slug, 'name', l.name, 'kind', l.kind,
                                    'location_precision', l.location_precision))
  ORDER BY l.name, l.id), '[]'::json))::text
FROM (SELECT l.id, l.slug, l.name, l.kind, l.location_precision, l.public_point
      FROM directory_listing l
      WHERE {PUBLIC} AND {BBOX} AND l.public_point IS NOT NULL
      ORDER BY l.name, l.id LIMIT %(limit)s::int) l""",
    # As directory.stats.region_stats: the region, its sub-regions, from the materialized view.
    "stats": """
WITH reg AS (SELECT id, slug FROM directory_region WHERE slug = %(region)s::text),
sub AS (SELECT c.id, c.slug, c.name_es, c.name_pt, c.name_fr, c.name_en
        FROM directory_region c JOIN reg ON c.parent_id = reg.id),
s AS (SELECT region_id, dimension, key, n FROM directory_region_stats
      WHERE region_id IN (SELECT id FROM reg UNION ALL SELECT id FROM sub))
SELECT json_build_object(
  'region', reg.slug,
  'listings', json_build_object(
     'total', (SELECT COALESCE(sum(n), 0) FROM s WHERE region_id = reg.id AND dimension = 'kind'),
     'by_kind', (SELECT COALESCE(json_object_agg(key, n ORDER BY key), '{}') FROM s
                 WHERE region_id = reg.id AND dimension = 'kind'),
     'by_category', (SELECT COALESCE(json_object_agg(key, n ORDER BY key), '{}') FROM s
                     WHERE region_id = reg.id AND dimension = 'category')),
  'open_needs', json_build_object(
     'total', (SELECT COALESCE(sum(n), 0) FROM s WHERE region_id = reg.id AND dimension = 'need_kind'),
     'by_kind', (SELECT COALESCE(json_object_agg(key, n ORDER BY key), '{}') FROM s
                 WHERE region_id = reg.id AND dimension = 'need_kind')),
  'sub_regions', (SELECT COALESCE(json_agg(json_build_object(
       'slug', sub.slug,
       'name', json_strip_nulls(json_build_object('es', NULLIF(sub.name_es, ''),
               'pt', NULLIF(sub.name_pt, ''), 'fr', NULLIF(sub.name_fr, ''), 'en', NULLIF(sub.name_en, ''))),
       'listings', json_build_object(
          'total', (SELECT COALESCE(sum(n), 0) FROM s WHERE region_id = sub.id AND dimension = 'kind'),
          'by_kind', (SELECT COALESCE(json_object_agg(key, n ORDER BY key), '{}') FROM s
                      WHERE region_id = sub.id AND dimension = 'kind')),
       'open_needs', json_build_object(
          'total', (SELECT COALESCE(sum(n), 0) FROM s WHERE region_id = sub.id AND dimension = 'need_kind'),
          'by_kind', (SELECT COALESCE(json_object_agg(key, n ORDER BY key), '{}') FROM s
                      WHERE region_id = sub.id AND dimension = 'need_kind'))
     ) ORDER BY sub.slug), '[]'::json) FROM sub),
  'refreshed_at', (SELECT refreshed_at FROM directory_region_stats_state))::text
FROM reg""",
}


class BadRequest(ValueError):
    pass


@functools.cache
def region_ids() -> dict[str, int]:
    """Region slug -> id: reference data, read once per process (so a request still runs
    one SQL statement)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT slug, id FROM directory_region")
        return dict(cursor.fetchall())


def _float(query, name: str, low: float, high: float, default=None) -> float:
    raw = query.get(name)
    if raw is None:
        if default is None:
            raise BadRequest(f"{name} is required")
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise BadRequest(f"{name} must be a number") from error
    if not low <= value <= high:
        raise BadRequest(f"{name} out of range")
    return value


def _int(query, name: str, low: int, high: int, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise BadRequest(f"{name} must be an integer") from error
    if not low <= value <= high:
        raise BadRequest(f"{name} out of range")
    return value


def _links(request, path: str, limit: int, offset: int) -> dict:
    """Absolute next / previous page URLs of the API endpoint the view mirrors."""
    query = request.GET.copy()
    base = request.build_absolute_uri(path)
    query["limit"] = str(limit)
    query["offset"] = str(offset + limit)
    following = f"{base}?{urlencode(sorted(query.items()))}"
    previous = None
    if offset > 0:
        query["offset"] = str(max(offset - limit, 0))
        previous = f"{base}?{urlencode(sorted(query.items()))}"
    return {"next": following, "previous": previous}


def params_for(shape: str, query, *, request=None) -> dict:
    """SQL parameters of `shape` from a query string (a dict-like of strings)."""
    params: dict = {}
    if shape in ("near", "search"):
        params["lat"] = _float(query, "lat", -90, 90)
        params["lng"] = _float(query, "lng", -180, 180)
        params["radius_m"] = _float(query, "radius_km", 0.001, 500, 25.0) * 1000
    if shape in ("bbox", "bbox_geojson", "layer"):
        raw = query.get("bbox", "")
        try:
            x1, y1, x2, y2 = (float(part) for part in raw.split(","))
        except ValueError as error:
            raise BadRequest("bbox is minLng,minLat,maxLng,maxLat") from error
        if not (x1 < x2 and y1 < y2):
            raise BadRequest("bbox minimum must be below maximum")
        params.update(x1=x1, y1=y1, x2=x2, y2=y2)
    if shape in ("search", "search_region"):
        params["q"] = query.get("q", "")[:200]
        if not params["q"]:
            raise BadRequest("q is required")
    if shape == "search":
        params["kinds"] = [kind for kind in query.get("kind", "cooperative").split(",") if kind]
    if shape in ("search_region", "stats"):
        params["region"] = query.get("region", "")
    if shape == "search_region":
        region_id = region_ids().get(params["region"])
        if region_id is None:
            raise BadRequest("unknown region")
        params["region_id"] = region_id
    if shape == "layer":
        params["limit"] = _int(query, "limit", 1, LAYER_MAX, LAYER_MAX)
        return params
    if shape == "stats":
        return params
    limit = _int(query, "limit", 1, MAX_LIMIT, 50)
    offset = _int(query, "offset", 0, 10_000, 0)
    params.update(limit=limit, offset=offset)
    base = "/api/v1/listings/"
    if request is not None:
        params["listing_base"] = request.build_absolute_uri(base)
        params.update(_links(request, base, limit, offset))
    else:
        params["listing_base"] = f"http://127.0.0.1:8100{base}"
        params.update(next=None, previous=None)
    return params


def sql_for(shape: str, query) -> tuple[str, dict]:
    """(SQL, parameters) of the bare view of `shape` for a query string."""
    return SQL[shape], params_for(shape, query)


def _respond(shape: str, request, **extra) -> HttpResponse:
    try:
        params = params_for(shape, {**request.GET.dict(), **extra}, request=request)
    except BadRequest as error:
        return HttpResponseBadRequest(str(error))
    with connection.cursor() as cursor:
        cursor.execute(SQL[shape], params)
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return HttpResponseNotFound('{"detail": "Not found."}', content_type="application/json")
    content_type = (
        "application/geo+json" if shape in ("bbox_geojson", "layer") else "application/json"
    )
    return HttpResponse(row[0], content_type=content_type)


def near(request):
    """GET /api/v1/listings/?lat=&lng=[&radius_km=]&limit= (nearest first)."""
    return _respond("near", request)


def bbox(request):
    """GET /api/v1/listings/?bbox=&limit=[&format=geojson] (by name)."""
    shape = "bbox_geojson" if request.GET.get("format") == "geojson" else "bbox"
    return _respond(shape, request)


def search(request):
    """GET /api/v1/listings/?kind=&q=&lat=&lng=&radius_km= (nearest first)."""
    return _respond("search", request)


def search_region(request):
    """GET /api/v1/listings/?q=&region= (by name)."""
    return _respond("search_region", request)


def layer(request):
    """A 5,000-feature GeoJSON map layer of a bounding box."""
    return _respond("layer", request)


def region_stats(request, slug):
    """GET /api/v1/regions/<slug>/stats/."""
    return _respond("stats", request, region=slug)
