"""Region statistics and gaps against the bench data (DESIGN.md §7: region stats <= 20 ms,
gaps for a state p95 <= 200 ms at 1M listings).

    DJANGO_ENV=bench .venv/bin/python bench/gaps.py [--requests 50]

For the states (admin1 regions) holding the most gazetteer cities, times
`directory.stats.region_stats` and `directory.gaps.find_gaps` (default N and D, each kind in
turn), in process against the bench database, and prints p50 / p95 with the budgets and the
number of listings present. EXPLAIN (ANALYZE) of the slowest gaps statement shows its plan.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from directory import gaps, stats
    from directory.choices import ListingKind
    from directory.models import Listing, Region

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id FROM directory_region r JOIN directory_place p "
            "ON p.kind = 'city' AND ST_Intersects(p.point, r.geom) "
            "WHERE r.level = 'admin1' GROUP BY r.id ORDER BY count(*) DESC, r.id LIMIT 20"
        )
        ids = [row[0] for row in cursor.fetchall()]
    states = list(Region.objects.filter(pk__in=ids).defer("geom"))
    if not states:
        sys.exit("no state with gazetteer cities: run bench/generate.py first")
    listings = Listing.objects.count()
    kinds = ListingKind.values
    stats_ms, gaps_ms, slowest = [], [], (0.0, None)
    for n in range(args.requests):
        state = states[n % len(states)]
        start = time.perf_counter()
        stats.region_stats(state)
        stats_ms.append((time.perf_counter() - start) * 1000)
        kind = kinds[n % len(kinds)]
        start = time.perf_counter()
        gaps.find_gaps(
            state,
            kind=kind,
            min_population=gaps.DEFAULT_POPULATION,
            distance_km=gaps.DEFAULT_DISTANCE_KM,
        )
        elapsed = (time.perf_counter() - start) * 1000
        gaps_ms.append(elapsed)
        if elapsed > slowest[0]:
            slowest = (elapsed, (state, kind))
    print(
        f"listings in the bench database: {listings:,}; others' CPU: load average "
        f"{os.getloadavg()[0]:.1f} (1 min, of 2 cores; this run uses about 1)"
    )
    for label, values, budget in (
        ("region stats", stats_ms, 20),
        ("gaps for a state", gaps_ms, 200),
    ):
        verdict = "PASS" if p95(values) <= budget else "FAIL"
        print(
            f"{label:18} p50 {statistics.median(values):7.1f} ms  p95 {p95(values):7.1f} ms"
            f"  budget p95 <= {budget} ms  {verdict}"
        )
    state, kind = slowest[1]
    sql, params = gaps.gaps_statement(
        state,
        kind=kind,
        min_population=gaps.DEFAULT_POPULATION,
        distance_km=gaps.DEFAULT_DISTANCE_KM,
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        print(f"\nslowest gaps statement ({state.slug}, {kind}):")
        print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
