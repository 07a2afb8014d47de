"""Measure `import_listings` on generated tejido-csv rows: rows/s of a dry run, of the
committed import and of a re-import (every row unchanged), with the seconds of each step
and the cores other processes used meanwhile ("others' CPU", of 2).

    DJANGO_ENV=bench .venv/bin/python bench/import_bench.py [--rows 100000] [--seed S]

Database: `tejido_import_bench` in the private cluster (created if missing; DATABASE_URL
overrides it), migrated, with the categories, the demo regions and the gazetteer. Rows are
placed around US ZIP code centres (so every row passes the country and state checks), with
kinds, categories, access facts, contacts and opening hours drawn from a seeded generator.
Each run imports as a new source and removes its listings afterwards (and those an
interrupted run left).
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


def generate(path: Path, rows: int, seed: int, prefix: str = "b") -> None:
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
                    f"{prefix}{n}",
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


class Phases:
    """Seconds spent in each step of `run_import` (the rest of a run is building rows)."""

    STEPS = (
        ("run", "read_file", "read"),
        ("run", "_match_sources", "match sources"),
        ("run", "place_rows", "gazetteer"),
        ("checks", "check_regions", "regions"),
        ("checks", "flag_duplicates", "duplicates"),
        ("run", "_write", "write"),
    )

    def __init__(self) -> None:
        from directory.importing import checks, run

        self.modules = {"run": run, "checks": checks}
        self.seconds: dict[str, float] = {}
        for module, name, label in self.STEPS:
            self._wrap(self.modules[module], name, label)

    def _wrap(self, module, name: str, label: str) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0) + time.perf_counter() - started

        setattr(module, name, timed)

    def take(self, total: float) -> str:
        spent = dict(self.seconds)
        self.seconds.clear()
        spent["build rows"] = total - sum(spent.values())
        return ", ".join(f"{label} {seconds:.1f}s" for label, seconds in spent.items())


TICKS = os.sysconf("SC_CLK_TCK")


def _busy_ticks() -> int:
    """Ticks all cores spent working (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    return sum(fields[:3]) + sum(fields[5:8])


def _process_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


class OthersCpu:
    """Cores used by other processes than this one and its database backend."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (self.backend,) = cursor.fetchone()

    def start(self) -> None:
        self.started = (time.monotonic(), _busy_ticks(), self._ours())

    def _ours(self) -> int:
        return _process_ticks(os.getpid()) + _process_ticks(self.backend)

    def cores(self) -> float:
        elapsed = time.monotonic() - self.started[0]
        others = (_busy_ticks() - self.started[1]) - (self._ours() - self.started[2])
        return max(0.0, others / TICKS / elapsed) if elapsed > 0 else 0.0


def remove_source(source_filter: str, params: list) -> int:
    """Delete the listings imported from the matching sources (by SQL: the ORM would write a
    history record for each)."""
    from bench.generate import delete_listings
    from directory.models import Listing

    conn = common.connect()
    ids = [
        row[0]
        for row in conn.execute(
            f"SELECT listing_id FROM directory_listingsource WHERE {source_filter}",
            params,
        ).fetchall()
    ]
    if ids:
        conn.execute(f"DELETE FROM directory_listingsource WHERE {source_filter}", params)
        history = Listing.history.model._meta.db_table
        conn.execute(f"DELETE FROM {history} WHERE id = ANY(%s)", [ids])
        delete_listings(conn, "id = ANY(%s)", [ids])
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()

    common.BENCH_DB = IMPORT_DB
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = common.default_database_url()
    common.setup_django()
    from bench.generate import ensure_database, load_reference

    clock = common.Clock()
    ensure_database()
    load_reference(clock)
    # What an interrupted run left.
    if left := remove_source("source LIKE %s", ["bench-%"]):
        common.say(f"{clock()}  {left:,} listings of an earlier run removed")

    from directory.importing.presets import tejido_csv
    from directory.importing.run import run_import
    from directory.models import Listing

    phases = Phases()
    cpu = OthersCpu()
    source = f"bench-{int(time.time())}"
    common.say(f"{clock()}  {Listing.objects.count():,} listings in the database")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.csv"
            generate(path, args.rows, args.seed)
            common.say(f"{clock()}  {args.rows:,} rows generated")
            # A second file of other rows, imported beside the first one's listings: the
            # duplicate check then compares against 100,000 listings nearby.
            other = Path(tmp) / "other.csv"
            generate(other, args.rows, args.seed + 1, prefix="o")
            runs = (
                ("dry run", path, source, False),
                ("import", path, source, True),
                ("re-import", path, source, True),
                ("import beside them", other, f"{source}-other", True),
            )
            for label, file, name, commit in runs:
                cpu.start()
                started = time.perf_counter()
                result = run_import(file, tejido_csv(), source=name, commit=commit)
                seconds = time.perf_counter() - started
                counts = dict(result.counts)
                reasons = Counter(row.error.split(" (")[0][:60] for row in result.rows if row.error)
                common.say(
                    f"{clock()}  {label}: {args.rows:,} rows in {seconds:.1f}s "
                    f"= {args.rows / seconds:,.0f} rows/s {counts}"
                )
                common.say(f"      {phases.take(seconds)}; others' CPU {cpu.cores():.2f}")
                for reason, count in reasons.most_common(3):
                    common.say(f"      rejected {count}: {reason}")
    finally:
        removed = remove_source("source LIKE %s", [f"{source}%"])
        common.say(f"{clock()}  {removed:,} bench listings removed")


if __name__ == "__main__":
    main()
