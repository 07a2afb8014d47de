"""What bench/soak.py measures and prints: latencies and statuses per kind of request, the
gunicorn workers' memory, the database connections seen on the primary and the replica, and
the closing report."""

import json
import threading
from collections import defaultdict
from pathlib import Path

from bench.common import say


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.failures: list[str] = []

    def add(self, kind: str, seconds: float, status: int, path: str) -> None:
        with self.lock:
            self.latency[kind].append(seconds * 1000)
            self.status[kind][status] += 1
            if status >= 500 and len(self.failures) < 20:
                self.failures.append(f"{status} {path.split('?')[0]}")


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Monitor(threading.Thread):
    """Every second: database connections of the app on the primary and the replica."""

    def __init__(self, database: str, replica_dsn: dict | None, stop: threading.Event):
        super().__init__(daemon=True)
        self.database, self.replica_dsn, self.stop_event = database, replica_dsn, stop
        self.most = {"primary": 0, "replica": 0}

    def run(self):
        import psycopg

        from bench.common import connect

        sql = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
            "AND application_name NOT LIKE 'soak-monitor%%'"
        )

        def open_(name):
            try:
                if name == "primary":
                    return connect(application_name="soak-monitor")
                return psycopg.connect(**self.replica_dsn, autocommit=True)
            except psycopg.Error as error:
                say(f"monitor: cannot reach the {name}: {error}")
                return None

        primary = open_("primary")
        replica = open_("replica") if self.replica_dsn else None
        while not self.stop_event.wait(1):
            for name, conn in (("primary", primary), ("replica", replica)):
                if conn is None:
                    continue
                try:
                    (n,) = conn.execute(sql, [self.database]).fetchone()
                    self.most[name] = max(self.most[name], n)
                except psycopg.Error:
                    pass


def report(args, stats, elapsed, memory_start, memory_end, workers, workers_now, most) -> None:
    total = sum(sum(s.values()) for s in stats.status.values())
    errors = sum(n for s in stats.status.values() for code, n in s.items() if code >= 500)
    rows = []
    say(f"{'kind':<11} {'requests':>9} {'5xx':>5} {'4xx':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for kind in sorted(stats.latency):
        if kind not in stats.latency:
            continue
        codes = stats.status[kind]
        row = {
            "kind": kind,
            "requests": sum(codes.values()),
            "5xx": sum(n for c, n in codes.items() if c >= 500),
            "4xx": sum(n for c, n in codes.items() if 400 <= c < 500),
            "p50_ms": round(percentile(stats.latency[kind], 0.5), 1),
            "p95_ms": round(percentile(stats.latency[kind], 0.95), 1),
        }
        rows.append(row)
        say(
            f"{kind:<11} {row['requests']:>9} {row['5xx']:>5} {row['4xx']:>5} {row['p50_ms']:>8} {row['p95_ms']:>8}"
        )
    growth = (memory_end - memory_start) / memory_start * 100 if memory_start else 0.0
    bound = args.workers
    summary = {
        "minutes": round(elapsed / 60, 2),
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "5xx": errors,
        "error_rate": round(errors / total, 5) if total else 0,
        "worker_rss_mb_start": round(memory_start, 1),
        "worker_rss_mb_end": round(memory_end, 1),
        "worker_rss_growth_pct": round(growth, 1),
        "workers_replaced": sorted(workers) != sorted(workers_now),
        "db_connections_most": most,
        "db_connections_bound_per_server": bound,
    }
    say(
        f"requests {total} in {elapsed / 60:.1f} min ({summary['requests_per_s']}/s); 5xx {errors} "
        f"(error rate {summary['error_rate']:.3%}) [goal 0]"
    )
    say(
        f"workers' memory {memory_start:.0f} MB -> {memory_end:.0f} MB ({growth:+.1f} %) [goal < +10 %]"
        f"{'; a worker was replaced' if summary['workers_replaced'] else ''}"
    )
    say(
        f"database connections at most: primary {most['primary']}, replica {most['replica']} "
        f"[bound {bound} each: one per worker]"
    )
    for failure in stats.failures:
        say(f"  5xx: {failure}")
    if args.json:
        Path(args.json).write_text(json.dumps({"kinds": rows, **summary}, indent=2))
