"""Measure `import_listings` on generated tejido-csv rows: rows/s of a committed import and
of a re-import (every row unchanged).

    DJANGO_ENV=bench .venv/bin/python bench/import_bench.py [--rows 100000] [--seed S]

Database: `tejido_import_bench` in the private cluster (created if missing; DATABASE_URL
overrides it), migrated, with the categories, the demo regions and the gazetteer. Rows are
placed around US ZIP code centres (so every row passes the country and state checks), with
kinds, categories, access facts, contacts and opening hours drawn from a seeded generator.
Each run imports as a new source and removes its listings afterwards.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

IMPORT_DB = "tejido_import_bench"
HOURS = ("Mo-Fr 09:00-17:00", "Mo-Fr 09:00-17:00; Sa 10:00-14:00", "Sa 10:00-13:00", "")
NAMES = ("Cooperativa", "Comedor", "Despensa", "Red de Apoyo", "Community Pantry", "Taller")


def generate(path: Path, rows: int, seed: int) -> None:
    from defusedcsv import csv

    from directory.choices import AccessFact, ListingKind
    from directory.importing.mapping import FIELDS
    from directory.models import Category, Place

    rng = random.Random(seed)
    zips = list(
        Place.objects.filter(kind="postal_code").values_list(
            "postal_code", "name", "admin1", "point"
        )
    )
    categories = list(Category.objects.values_list("slug", flat=True))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for n in range(rows):
            code, town, state, point = rng.choice(zips)
            writer.writerow(
                [
                    f"b{n}",
                    f"{rng.choice(NAMES)} {town} {n}",
                    rng.choice(ListingKind.values),
                    round(point.y + rng.uniform(-0.005, 0.005), 6),
                    round(point.x + rng.uniform(-0.005, 0.005), 6),
                    f"{rng.randint(1, 2000)} Main St",
                    town,
                    state,
                    code,
                    "US",
                    f"https://example.org/{n}" if rng.random() < 0.5 else "",
                    f"info{n}@example.org" if rng.random() < 0.5 else "",
                    "",
                    f"Listing number {n} near {town}.",
                    "",
                    rng.choice(("en", "es")),
                    ";".join(rng.sample(categories, rng.randint(0, 2))),
                    ";".join(rng.sample(AccessFact.values, rng.randint(0, 2))),
                    rng.choice(HOURS),
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()

    common.BENCH_DB = IMPORT_DB
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = common.default_database_url()
    common.setup_django()
    from bench.generate import delete_listings, ensure_database, load_reference

    clock = common.Clock()
    ensure_database()
    load_reference(clock)

    from directory.importing.presets import tejido_csv
    from directory.importing.run import run_import
    from directory.models import Listing, ListingSource

    source = f"bench-{int(time.time())}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        generate(path, args.rows, args.seed)
        common.say(f"{clock()}  {args.rows:,} rows generated")
        for label in ("import", "re-import"):
            started = time.perf_counter()
            result = run_import(path, tejido_csv(), source=source, commit=True, progress=True)
            seconds = time.perf_counter() - started
            counts = dict(result.counts)
            reasons = Counter(row.error.split(" (")[0][:60] for row in result.rows if row.error)
            common.say(
                f"{clock()}  {label}: {args.rows:,} rows in {seconds:.1f}s "
                f"= {args.rows / seconds:,.0f} rows/s {counts}"
            )
            for reason, count in reasons.most_common(3):
                common.say(f"      rejected {count}: {reason}")
    # Removed by SQL (bench/generate.py's helper): the ORM would write a history record each.
    ids = list(ListingSource.objects.filter(source=source).values_list("listing_id", flat=True))
    conn = common.connect()
    conn.execute("DELETE FROM directory_listingsource WHERE source = %s", [source])
    conn.execute(f"DELETE FROM {Listing.history.model._meta.db_table} WHERE id = ANY(%s)", [ids])
    delete_listings(conn, "id = ANY(%s)", [ids])
    common.say(f"{clock()}  {len(ids):,} bench listings removed")


if __name__ == "__main__":
    main()
