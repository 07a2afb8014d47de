"""The benchmark's request shapes (bench/README.md): for each, the API's requests and
the bare view's, each for a different gazetteer city, box, word or region."""

import random
from dataclasses import dataclass, field

#: Requests of each shape before the measured ones (not counted).
WARMUP = 30


WORDS = (
    "cocina",
    "alimentos",
    "comunitaria",
    "food",
    "clinic",
    "moradia",
    "logement",
    "vivienda",
    "salud",
    "housing",
    "kitchen",
    "cooperativa",
)


# --- Shapes ------------------------------------------------------------------------------------


@dataclass
class Shape:
    key: str
    label: str
    #: "point" (near-me/radius), "list", "search", "layer", "stats"; "page": a web page,
    #: whose "bare" counterpart is the API's list for the same query (DESIGN.md §7: a browse
    #: page costs at most 1.5x the API's list).
    kind: str
    api: list[str] = field(default_factory=list)
    bare: list[str] = field(default_factory=list)
    api_available: bool = True
    note: str = ""


def q(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(params, safe=",")


def build_shapes(n: int, seed: int, only: set[str] | None) -> list[Shape]:
    """Request paths of every shape: n + WARMUP each, deterministic (seeded)."""
    from django.db import connection
    from django.urls import Resolver404, resolve

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        # The 600 largest cities of the gazetteer: dense metropolises and towns of ~100,000.
        cursor.execute(
            "SELECT ST_X(point), ST_Y(point) FROM directory_place WHERE kind = 'city' "
            "ORDER BY population DESC, id LIMIT 600"
        )
        cities = cursor.fetchall()
        cursor.execute(
            """SELECT r.slug FROM directory_region r
               WHERE r.level = 'admin1' AND EXISTS (SELECT 1 FROM directory_region_stats s
                                                    WHERE s.region_id = r.id)
               ORDER BY r.slug"""
        )
        states = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """SELECT r.slug FROM directory_region r JOIN directory_region_stats s ON s.region_id = r.id
               WHERE r.level = 'country' AND s.dimension = 'kind'
               GROUP BY r.slug HAVING sum(s.n) >= 100 ORDER BY r.slug"""
        )
        countries = [row[0] for row in cursor.fetchall()]
    total = n + WARMUP

    def jitter(lng, lat, km=2.0):
        return (lng + rng.gauss(0, km / 100), lat + rng.gauss(0, km / 111))

    def points():
        return [jitter(*rng.choice(cities)) for _ in range(total)]

    def boxes(half_lng=0.045, half_lat=0.035):  # about 9 x 8 km: a city centre
        out = []
        for lng, lat in points():
            out.append((lng - half_lng, lat - half_lat, lng + half_lng, lat + half_lat))
        return out

    def fmt_box(box):
        return ",".join(f"{v:.5f}" for v in box)

    shapes: list[Shape] = []

    def want(key):
        return only is None or key in only

    if want("near"):
        s = Shape("near", "near-me (20)", "point")
        for lng, lat in points():
            params = q({"lat": f"{lat:.5f}", "lng": f"{lng:.5f}", "limit": 20})
            s.api.append(f"/api/v1/listings/?{params}")
            s.bare.append(f"/bench/bare/near/?{params}")
        shapes.append(s)
    if want("radius"):
        s = Shape("radius", "radius 10 km (50)", "point")
        for lng, lat in points():
            params = q({"lat": f"{lat:.5f}", "lng": f"{lng:.5f}", "radius_km": 10, "limit": 50})
            s.api.append(f"/api/v1/listings/?{params}")
            s.bare.append(f"/bench/bare/near/?{params}")
        shapes.append(s)
    for size in (20, 100, 500):
        if want(f"bbox{size}"):
            s = Shape(f"bbox{size}", f"city bbox ({size})", "list")
            for box in boxes():
                params = q({"bbox": fmt_box(box), "limit": size})
                s.api.append(f"/api/v1/listings/?{params}")
                s.bare.append(f"/bench/bare/bbox/?{params}")
            shapes.append(s)
    if want("bbox100geo"):
        s = Shape("bbox100geo", "city bbox GeoJSON (100)", "list")
        for box in boxes():
            params = q({"bbox": fmt_box(box), "limit": 100, "format": "geojson"})
            s.api.append(f"/api/v1/listings/?{params}")
            s.bare.append(f"/bench/bare/bbox/?{params}")
        shapes.append(s)
    if want("search"):
        s = Shape("search", "kind+q+50 km", "search")
        for i, (lng, lat) in enumerate(points()):
            params = q(
                {
                    "kind": "cooperative",
                    "q": WORDS[i % len(WORDS)],
                    "lat": f"{lat:.5f}",
                    "lng": f"{lng:.5f}",
                    "radius_km": 50,
                }
            )
            s.api.append(f"/api/v1/listings/?{params}")
            s.bare.append(f"/bench/bare/search/?{params}")
        shapes.append(s)
    if want("search_region"):
        s = Shape("search_region", "q+region (state)", "search")
        for i in range(total):
            params = q({"q": WORDS[i % len(WORDS)], "region": rng.choice(states)})
            s.api.append(f"/api/v1/listings/?{params}")
            s.bare.append(f"/bench/bare/search-region/?{params}")
        shapes.append(s)
    if want("layer"):
        s = Shape("layer", "map layer 5,000 (GeoJSON)", "layer")
        try:
            resolve("/api/v1/listings/export.geojson")
        except Resolver404:
            s.api_available = False
            s.note = (
                "GET /api/v1/listings/export.geojson does not exist (api/urls.py): "
                "measured against the bare view and its SQL only"
            )
        for box in layer_boxes(rng, total):
            s.api.append(f"/api/v1/listings/export.geojson?{q({'bbox': fmt_box(box)})}")
            s.bare.append(f"/bench/bare/layer/?{q({'bbox': fmt_box(box), 'limit': 5000})}")
        shapes.append(s)
    if want("page_near"):
        s = Shape("page_near", "browse page near-me (20) vs API", "page")
        for lng, lat in points():
            s.api.append(f"/en/listings/?{q({'near': f'{lat:.5f},{lng:.5f}'})}")
            s.bare.append(
                f"/api/v1/listings/?{q({'lat': f'{lat:.5f}', 'lng': f'{lng:.5f}', 'limit': 20})}"
            )
        shapes.append(s)
    if want("page_search"):
        s = Shape("page_search", "browse page kind+q+50 km vs API", "page")
        for i, (lng, lat) in enumerate(points()):
            words = {"kind": "cooperative", "q": WORDS[i % len(WORDS)], "radius_km": 50}
            s.api.append(f"/en/listings/?{q({**words, 'near': f'{lat:.5f},{lng:.5f}'})}")
            s.bare.append(
                f"/api/v1/listings/?"
                f"{q({**words, 'lat': f'{lat:.5f}', 'lng': f'{lng:.5f}', 'limit': 20})}"
            )
        shapes.append(s)
    if want("page_needs"):
        s = Shape("page_needs", "volunteer board near-me (20) vs API", "page")
        for lng, lat in points():
            s.api.append(f"/en/needs/?{q({'near': f'{lat:.5f},{lng:.5f}'})}")
            s.bare.append(
                f"/api/v1/needs/?{q({'lat': f'{lat:.5f}', 'lng': f'{lng:.5f}', 'limit': 20})}"
            )
        shapes.append(s)
    if want("stats_state"):
        s = Shape("stats_state", "region stats (state)", "stats")
        for _ in range(total):
            slug = rng.choice(states)
            s.api.append(f"/api/v1/regions/{slug}/stats/")
            s.bare.append(f"/bench/bare/regions/{slug}/stats/")
        shapes.append(s)
    if want("stats_country"):
        s = Shape("stats_country", "region stats (country)", "stats")
        for _ in range(total):
            slug = rng.choice(countries)
            s.api.append(f"/api/v1/regions/{slug}/stats/")
            s.bare.append(f"/bench/bare/regions/{slug}/stats/")
        shapes.append(s)
    return shapes


def layer_boxes(rng: random.Random, total: int) -> list[tuple]:
    """Boxes holding at least 5,000 public listings: around the largest cities, the smallest
    of a few sizes that holds 5,000 (a metropolitan map view at 1M listings)."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(point), ST_Y(point) FROM directory_place WHERE kind = 'city' "
            "ORDER BY population DESC, id LIMIT 40"
        )
        for lng, lat in cursor.fetchall():
            for half in (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2):
                cursor.execute(
                    """SELECT count(*) FROM (SELECT 1 FROM directory_listing l
                       WHERE l.status = 'published' AND l.emergency_hidden_at IS NULL
                         AND NOT l.hidden_by_reports
                         AND ST_Intersects(l.public_point, ST_MakeEnvelope(%s, %s, %s, %s, 4326))
                       LIMIT 5000) x""",
                    [lng - half, lat - half * 0.8, lng + half, lat + half * 0.8],
                )
                if cursor.fetchone()[0] >= 5000:
                    found.append((lng, lat, half))
                    break
    if not found:
        raise SystemExit("no box holds 5,000 public listings: generate more listings")
    boxes = []
    for _ in range(total):
        lng, lat, half = rng.choice(found)
        half *= rng.uniform(1.0, 1.3)
        lng += rng.gauss(0, half / 10)
        lat += rng.gauss(0, half / 10)
        boxes.append((lng - half, lat - half * 0.8, lng + half, lat + half * 0.8))
    return boxes
