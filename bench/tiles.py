"""Vector tiles against their budgets (DESIGN.md §7), on the bench database.

    DJANGO_ENV=bench .venv/bin/python bench/tiles.py [--requests 100]

For each zoom, the densest tile (the most public listings; found from the pre-aggregated
cells, and past zoom 17 from the most shared public point) is built on every request (no
cache sits in front), through Django in process, and its SQL alone; printed: p50 / p95 ms,
size raw and gzip, features, each beside its budget. Then the first view of the Americas
on a phone (12 tiles of zoom 3), filtered low-zoom tiles, and the time of a full refresh.
"""

import argparse
import gzip
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import say, setup_django

P95_MS, MAX_KB, AIM_KB, CELL_FEATURES, POINT_FEATURES, PHONE_KB = 50, 100, 50, 1024, 2000, 250
ZOOMS = (0, 2, 3, 4, 6, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20)
#: Zoom 3 tiles over the Americas (x: 135°W to 0°, y: 66°N to 66°S) as a phone's first view.
AMERICAS_Z3 = [(3, x, y) for x in (1, 2, 3) for y in (2, 3, 4, 5)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def densest_tile(cursor, z: int) -> tuple[int, int, int]:
    if z <= 17:
        cursor.execute(
            "SELECT cx >> (17 - %s), cy >> (17 - %s) FROM mapping_tile_cell WHERE level = 17 "
            "GROUP BY 1, 2 ORDER BY sum(n) DESC LIMIT 1",
            [z, z],
        )
        x, y = cursor.fetchone()
        return z, x, y
    cursor.execute(
        "SELECT ST_X(public_point), ST_Y(public_point) FROM directory_listing "
        "WHERE status = 'published' AND public_point IS NOT NULL "
        "GROUP BY public_point ORDER BY count(*) DESC LIMIT 1"
    )
    lng, lat = cursor.fetchone()
    n = 2**z
    x = int((lng + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def features(body: bytes) -> tuple[str, int]:
    import mapbox_vector_tile

    layers = mapbox_vector_tile.decode(body) if body else {}
    return "+".join(layers) or "-", sum(len(layer["features"]) for layer in layers.values())


def measure(client, cursor, tile, params: dict, requests: int) -> dict:
    from mapping import tiles

    z, x, y = tile
    path = f"/api/v1/tiles/{z}/{x}/{y}.pbf"
    filters = tiles.TileFilters(
        kinds=tuple(params["kind"].split(",")) if "kind" in params else (),
        category=params.get("_category"),
        need=params.get("need", ""),
        access=tuple(params["access"].split(",")) if "access" in params else (),
    )
    query = {k: v for k, v in params.items() if not k.startswith("_")}
    sql, sql_params = tiles.tile_statement(z, x, y, filters)
    api, raw = [], []
    for n in range(requests + 5):
        started = time.perf_counter()
        response = client.get(path, query, SERVER_NAME="localhost")
        api_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        cursor.execute(sql, sql_params)
        cursor.fetchone()
        sql_ms = (time.perf_counter() - started) * 1000
        if n >= 5:
            api.append(api_ms)
            raw.append(sql_ms)
    assert response.status_code == 200, response.content[:200]
    body = response.content
    layer, count = features(body)
    return {
        "api50": percentile(api, 50),
        "api95": percentile(api, 95),
        "sql95": percentile(raw, 95),
        "kb": len(body) / 1024,
        "gz": len(gzip.compress(body)) / 1024,
        "layer": layer,
        "features": count,
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def row(label: str, r: dict) -> tuple[str, list[bool]]:
    cap = CELL_FEATURES if r["layer"] == "cells" else POINT_FEATURES
    checks = [r["api95"] <= P95_MS, r["kb"] <= MAX_KB, r["features"] <= cap]
    text = (
        f"{label:<28} {r['api50']:>7.1f}  {r['api95']:>6.1f} [≤{P95_MS} {verdict(checks[0])}]"
        f"  {r['sql95']:>7.1f}  {r['kb']:>6.1f} [≤{MAX_KB} {verdict(checks[1])}]"
        f"  {r['gz']:>6.1f}  {r['layer']:<8} {r['features']:>5} [≤{cap} {verdict(checks[2])}]"
    )
    return text, checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="requests per tile (>= 20)")
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client

    from directory.models import Category, Listing
    from mapping import tiles

    client = Client()
    verdicts: list[bool] = []
    with connection.cursor() as cursor:
        total = Listing.objects.public().count()
        started = time.perf_counter()
        tiles.refresh()
        refresh_s = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM mapping_tile_cell")
        (cells,) = cursor.fetchone()
        started = time.perf_counter()
        cursor.execute("REFRESH MATERIALIZED VIEW mapping_tile_cell")
        rebuild_s = time.perf_counter() - started
        say(
            f"Vector tiles — {total:,} public listings; {cells:,} stored cells; full rebuild "
            f"{rebuild_s:.1f} s, concurrent refresh {refresh_s:.1f} s; {args.requests} requests "
            "per tile after 5 warm-up"
        )
        say(
            f"{'tile':<28} {'API p50':>7}  {'API p95 ms':>17}  {'SQL p95':>7}  {'KB':>16}"
            f"  {'gzip KB':>6}  {'layer':<8} {'features':>5}"
        )
        for z in ZOOMS:
            tile = densest_tile(cursor, z)
            text, checks = row(
                f"densest z{z} {tile[1]}/{tile[2]}",
                measure(client, cursor, tile, {}, args.requests),
            )
            verdicts += checks
            say(text)
        category = Category.objects.filter(depth=1).order_by("path").first()
        filtered = [
            ("z3 kind=cooperative", densest_tile(cursor, 3), {"kind": "cooperative"}),
            ("z0 access=free", densest_tile(cursor, 0), {"access": "free"}),
            ("z3 need=food", densest_tile(cursor, 3), {"need": "food"}),
            ("z6 need=food", densest_tile(cursor, 6), {"need": "food"}),
            ("z9 need=food", densest_tile(cursor, 9), {"need": "food"}),
        ]
        if category is not None:
            filtered += [
                (f"z{z} category={category.slug}"[:28], densest_tile(cursor, z),
                 {"category": category.slug, "_category": category})
                for z in (0, 3, 6, 9)
            ]  # fmt: skip
        for label, tile, params in filtered:
            text, checks = row(label, measure(client, cursor, tile, params, args.requests))
            verdicts += checks
            say(text)
        phone = [measure(client, cursor, t, {}, 1)["gz"] for t in AMERICAS_Z3]
        ok = sum(phone) <= PHONE_KB
        verdicts.append(ok)
        say(
            f"first view of the Americas (12 tiles of z3): {sum(phone):.1f} KB gzip "
            f"[≤{PHONE_KB} {verdict(ok)}]"
        )
    say(f"tile budgets: {verdicts.count(True)} PASS, {verdicts.count(False)} FAIL")


if __name__ == "__main__":
    main()
