"""Run the benchmark (DESIGN.md §7) against the data of bench/generate.py.

    DJANGO_ENV=bench .venv/bin/python bench/run.py [--requests 300] [--duration 12] [--shapes a,b]

Starts gunicorn (tejido.wsgi, 2 workers, 127.0.0.1:8100, access log off), waits until it
answers, and for each query shape measures, side by side:
  - API p50 / p95: one client, sequential requests (after a warm-up), each for a different
    gazetteer city / box / word, so caches do not flatter;
  - SQL p50 / p95: the very statements the API ran for those requests (captured in process),
    replayed directly with psycopg, each right before or after its API request (alternately),
    so that other work on the machine weighs on both alike; and the ratio API p95 / SQL p95;
  - API req/s and bare req/s: wrk, 4 connections, `--duration` seconds each (in two halves,
    API, bare, API, bare), cycling through the same requests; the bare view (bench/bare.py)
    answers the same query with one SQL statement in which PostgreSQL builds the JSON; and
    the ratio API / bare;
  - an EXPLAIN (ANALYZE) summary of each statement (which indexes; any Seq Scan).
Budgets of DESIGN.md §7 are printed beside each figure with PASS / FAIL. gunicorn is stopped
at the end, also on Ctrl-C. Only 127.0.0.1 is contacted.
"""

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Clock, say, setup_django

HOST = "127.0.0.1"
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

WRK_LUA = r"""
-- Cycles through the request paths in the file given after "--"; each thread starts at a
-- different place. Prints one machine-readable line at the end.
local paths = {}
local i = 0
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = (tonumber(args[2]) or 0) + (tid or 0) * math.floor(#paths / 2)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  io.write(string.format("BENCH_RESULT %d %d %d %d %d %d %d %.0f %.0f\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


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


# --- Measurements ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def http_get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes, float]:
    """(status, body, seconds) of one GET on a fresh connection (gunicorn sync workers
    close the connection after each response)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, body, time.perf_counter() - started


def capture(paths: list[str], port: int) -> tuple[list[list[str]], list[str]]:
    """The SQL statements the API runs for each path, captured in this process (Django
    test client on the bench settings and database), and the errors met."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=f"{HOST}:{port}", raise_request_exception=False)
    statements, errors = [], []
    for path in paths:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            errors.append(f"{response.status_code} {path}: {response.content[:300]!r}")
        statements.append([query["sql"] for query in ctx.captured_queries])
    return statements, errors


def classify(sql: str) -> str:
    if re.match(r"\s*SELECT COUNT\(\*\)", sql, re.I):
        return "count"
    if "directory_listing" in sql and re.search(r"\bLIMIT\b", sql):
        return "page"
    return "other"


def sql_once(cursor, group: list[str]) -> dict[str, float]:
    """Run one request's statements directly: seconds in all and per class."""
    spent = {"all": 0.0}
    for sql in group:
        started = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchall()
        seconds = time.perf_counter() - started
        spent["all"] += seconds
        kind = classify(sql)
        spent[kind] = spent.get(kind, 0.0) + seconds
    return spent


def explain(conn, sql: str) -> dict:
    with conn.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        return cursor.fetchone()[0][0]


def plan_nodes(node: dict, out: list[dict]) -> list[dict]:
    out.append(node)
    for child in node.get("Plans", []):
        plan_nodes(child, out)
    return out


def summarize_plan(result: dict) -> tuple[str, list[str]]:
    """One line naming the scans (index used, rows) and sorts of a plan; and the relations
    read by a Seq Scan."""
    parts, seq = [], []
    for node in plan_nodes(result["Plan"], []):
        kind = node["Node Type"]
        rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
        loops = node.get("Actual Loops", 1)
        if "Scan" in kind:
            target = node.get("Index Name") or ""
            relation = node.get("Relation Name") or ""
            text = kind
            if relation:
                text += f" on {relation}"
            if target:
                text += f" using {target}"
            text += f" ({rows:,.0f} rows" + (f", {loops:,} loops)" if loops > 1 else ")")
            parts.append(text)
            if kind == "Seq Scan":
                seq.append(relation)
        elif kind in ("Sort", "Incremental Sort"):
            method = node.get("Sort Method", "")
            parts.append(f"{kind} ({method}, {rows:,.0f} rows)")
    return "; ".join(parts) + f" — {result['Execution Time']:.1f} ms", seq


# --- Load (wrk) --------------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing wrk (apt-get install wrk)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, **quiet).returncode:
            subprocess.run(["apt-get", "update", "-q"], env=env, **quiet)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, **quiet)
        return shutil.which("wrk")
    say(
        "wrk is missing and this is not root: install it (sudo apt-get install wrk) for the "
        "req/s figures; they are skipped"
    )
    return None


@dataclass
class Load:
    rps: float
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float


def run_wrk(
    wrk: str,
    workdir: Path,
    port: int,
    paths: list[str],
    name: str,
    duration: int,
    connections: int,
    offset: int = 0,
) -> Load:
    path_file = workdir / f"{name}.paths"
    path_file.write_text("\n".join(paths) + "\n")
    script = workdir / "cycle.lua"
    if not script.exists():
        script.write_text(WRK_LUA)
    command = [
        wrk,
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://{HOST}:{port}",
        "--",
        str(path_file),
        str(offset),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=duration + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    match = re.search(r"BENCH_RESULT (.+)", out)
    if not match:
        raise RuntimeError(f"wrk failed: {out[-500:]} {err[-500:]}")
    requests, duration_us, *errors, p50, p95 = (float(x) for x in match.group(1).split())
    return Load(
        requests / (duration_us / 1e6), int(requests), int(sum(errors)), p50 / 1000, p95 / 1000
    )


def combine(loads: list[Load]) -> Load:
    requests = sum(load.requests for load in loads)
    seconds = sum(load.requests / load.rps for load in loads if load.rps)
    return Load(
        requests / seconds if seconds else 0.0,
        requests,
        sum(load.errors for load in loads),
        statistics.mean(load.p50_ms for load in loads),
        max(load.p95_ms for load in loads),
    )


# --- Other processes' CPU (the machine may be shared) ---------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int]]:
    """{pid: (parent pid, CPU ticks used)} of every process on the machine."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def _descendants(roots: set[int], table: dict[int, tuple[int, int]]) -> set[int]:
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, (parent, _ticks) in table.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


class CpuMonitor:
    """CPU used by processes other than the benchmark's own (this process and its children
    such as wrk, gunicorn and its workers, the PostgreSQL server and all its processes):
    how much the figures may be disturbed.

    Other processes are counted directly, from /proc at both ends of the interval, so a
    database connection or parallel worker of ours that ends meanwhile is not mistaken for
    other work (each gunicorn worker reconnects every DB_CONN_MAX_AGE seconds)."""

    def __init__(self, server, sql_conn):
        self.server = server
        with sql_conn.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (backend,) = cursor.fetchone()
        self.postmaster = _processes().get(backend, (0, 0))[0]

    def _roots(self) -> set[int]:
        roots = {os.getpid(), self.postmaster}
        if self.server.proc is not None:
            roots.add(self.server.proc.pid)
        return roots

    def snapshot(self) -> tuple[float, dict[int, tuple[int, int]]]:
        return time.monotonic(), _processes()

    def others_cores(self, start: tuple, end: tuple | None = None) -> float:
        """Average number of cores busy with other work between two snapshots."""
        end = end or self.snapshot()
        elapsed = end[0] - start[0]
        if elapsed <= 0:
            return 0.0
        before, after = start[1], end[1]
        ours = _descendants(self._roots(), before) | _descendants(self._roots(), after)
        ticks = sum(
            used - before.get(pid, (0, 0))[1]
            for pid, (_parent, used) in after.items()
            if pid not in ours
        )
        return max(0.0, ticks / TICKS / elapsed)

    def wait_quiet(self, limit: float, max_wait: float) -> float:
        """Wait (at most max_wait s) until other work uses under `limit` cores over 2 s."""
        deadline = time.monotonic() + max_wait
        while True:
            start = self.snapshot()
            time.sleep(2)
            busy = self.others_cores(start)
            if busy < limit or time.monotonic() >= deadline:
                return busy


# --- gunicorn -----------------------------------------------------------------------------------


class Server:
    def __init__(self, port: int, workers: int, log: Path):
        self.port, self.workers, self.log = port, workers, log
        self.proc: subprocess.Popen | None = None
        self.failed = False

    def start(self) -> None:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, self.port)) == 0:
                raise SystemExit(
                    f"something already listens on {HOST}:{self.port}; stop it or use --port"
                )
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "tejido.wsgi",
            "-c",
            str(ROOT / "bench" / "gunicorn_conf.py"),
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
        ]
        env = {**os.environ, "DJANGO_ENV": "bench", "WEB_CONCURRENCY": str(self.workers)}
        self.logfile = self.log.open("w")
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.failed = True
                raise SystemExit(
                    f"gunicorn exited ({self.proc.returncode}); log: {self.log}\n"
                    + self.log.read_text()[-2000:]
                )
            try:
                status, _, _ = http_get(self.port, "/api/v1/categories/", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.failed = True
        raise SystemExit(f"gunicorn did not answer within 60 s; log: {self.log}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.logfile.close()


# --- Report ---------------------------------------------------------------------------------------


@dataclass
class Result:
    shape: Shape
    api_p50: float | None = None
    api_p95: float | None = None
    sql: dict[str, list[float]] = field(default_factory=dict)
    api_load: Load | None = None
    bare_load: Load | None = None
    queries: tuple[int, int] | None = None
    api_bytes: float | None = None
    bare_bytes: float | None = None
    plans: list[tuple[str, str]] = field(default_factory=list)
    seq_listing: bool = False
    other_seq: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counts_match: bool | None = None
    others: float | None = None


def check(value, op: str, limit) -> str:
    if value is None:
        return ""
    ok = value <= limit if op == "<=" else value >= limit
    sign = "≤" if op == "<=" else "≥"
    return f" [{sign}{limit:g} {'PASS' if ok else 'FAIL'}]"


def ms(value) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def budgets(r: Result) -> dict[str, tuple[str, float]]:
    """Budgets of DESIGN.md §7 that apply to a shape: {column: (op, limit)}."""
    kind = r.shape.kind
    out: dict[str, tuple[str, float]] = {}
    if kind == "point":
        out.update(
            api_p95=("<=", 15), ratio_sql=("<=", 8), api_rps=(">=", 400), ratio_bare=(">=", 0.7)
        )
    elif kind == "list":
        out.update(ratio_bare=(">=", 0.7))
    elif kind == "search":
        out.update(api_p95=("<=", 50), ratio_bare=(">=", 0.7))
    elif kind == "layer":
        out.update(api_p95=("<=", 60), ratio_sql=("<=", 3), ratio_bare=(">=", 0.7))
    elif kind == "stats":
        out.update(api_p95=("<=", 20))
    elif kind == "page":
        out.update(ratio_bare=(">=", round(1 / 1.5, 2)))
    return out


def render(results: list[Result]) -> str:
    header = [
        "shape",
        "API p50 ms",
        "API p95 ms",
        "SQL p50 ms",
        "SQL p95 ms",
        "API-SQL p50",
        "API/SQL p95",
        "API req/s",
        "bare req/s",
        "API/bare",
        "queries",
        "Seq Scan listing",
        "others' CPU",
    ]
    rows, verdicts = [], []
    for r in results:
        b = budgets(r)
        sql_p50 = percentile(r.sql["all"], 50) * 1000 if r.sql.get("all") else None
        sql_p95 = percentile(r.sql["all"], 95) * 1000 if r.sql.get("all") else None
        ratio_sql = r.api_p95 / sql_p95 if r.api_p95 is not None and sql_p95 else None
        api_rps = r.api_load.rps if r.api_load else None
        bare_rps = r.bare_load.rps if r.bare_load else None
        ratio_bare = api_rps / bare_rps if api_rps and bare_rps else None

        def cell(value, text, key, b=b):
            mark = check(value, *b[key]) if key in b and value is not None else ""
            if key in b and value is not None:
                verdicts.append("PASS" in mark)
            return text + mark

        queries = "n/a"
        if r.queries:
            low, high = r.queries
            queries = f"{low}" if low == high else f"{low}-{high}"
            if r.shape.kind != "layer" or r.shape.api_available:
                queries += check(high, "<=", 10)
                verdicts.append(high <= 10)
        seq = "n/a" if not r.plans else ("FOUND [FAIL]" if r.seq_listing else "none [PASS]")
        if r.plans:
            verdicts.append(not r.seq_listing)
        rows.append(
            [
                r.shape.label + ("" if r.shape.api_available else " *"),
                ms(r.api_p50),
                cell(r.api_p95, ms(r.api_p95), "api_p95"),
                ms(sql_p50),
                ms(sql_p95),
                "n/a" if r.api_p50 is None or sql_p50 is None else f"{r.api_p50 - sql_p50:.1f}",
                cell(ratio_sql, "n/a" if ratio_sql is None else f"{ratio_sql:.1f}x", "ratio_sql"),
                cell(api_rps, "n/a" if api_rps is None else f"{api_rps:.0f}", "api_rps"),
                "n/a" if bare_rps is None else f"{bare_rps:.0f}",
                cell(
                    ratio_bare, "n/a" if ratio_bare is None else f"{ratio_bare:.2f}", "ratio_bare"
                ),
                queries,
                seq,
                "n/a" if r.others is None else f"{r.others:.2f}",
            ]
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(  # noqa: E731
        str(c).ljust(w) if i == 0 else str(c).rjust(w)
        for i, (c, w) in enumerate(zip(row, widths, strict=True))
    )
    out = [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]
    failed = verdicts.count(False)
    out.append(f"budgets: {verdicts.count(True)} PASS, {failed} FAIL")
    return "\n".join(out)


# --- Main -------------------------------------------------------------------------------------------


#: Tables read by the measured requests; each is loaded with its indexes into PostgreSQL's
#: buffers before measuring (pg_prewarm), so the figures are of a warm server, as in
#: production, and not of whichever pages earlier shapes happened to read.
PREWARM_TABLES = (
    "directory_listing",
    "directory_listing_categories",
    "directory_listing_regions",
    "directory_category",
    "directory_need",
    "directory_openingperiod",
    "directory_region",
)


def prewarm() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            """SELECT count(*), coalesce(sum(pg_prewarm(c.oid)), 0)
                 FROM pg_class c
                WHERE c.oid = ANY(%s::regclass[])
                   OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY(%s::regclass[]))""",
            [list(PREWARM_TABLES), list(PREWARM_TABLES)],
        )
        relations, blocks = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (shared_buffers,) = cursor.fetchone()
    return (
        f"prewarmed {relations} tables and indexes ({blocks * 8 / 1024:,.0f} MB; "
        f"shared_buffers {shared_buffers})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=300, help="sequential requests per shape (>= 300)"
    )
    parser.add_argument("--duration", type=int, default=12, help="seconds of each wrk load (10-15)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--quiet-wait",
        type=int,
        default=15,
        help="before each shape, wait up to this many seconds for other work to "
        "use under a quarter of a core (the machine may be shared)",
    )
    parser.add_argument(
        "--shapes",
        help="comma-separated subset (near,radius,bbox20,bbox100,"
        "bbox500,bbox100geo,search,search_region,layer,stats_state,stats_country,"
        "page_near,page_search,page_needs)",
    )
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    clock = Clock()
    setup_django()
    import psycopg
    from django.db import connection

    from bench.common import pg_params

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'published') FROM directory_listing"
        )
        listings, published = cursor.fetchone()
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT postgis_lib_version()")
        postgis = cursor.fetchone()[0]
    if not listings:
        raise SystemExit("no listings: run bench/generate.py first (make bench does)")

    only = set(args.shapes.split(",")) if args.shapes else None
    shapes = build_shapes(args.requests, args.seed, only)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    say(
        f"Tejido benchmark — {listings:,} listings ({published:,} published) in "
        f"{connection.settings_dict['NAME']}; {pg_version}, PostGIS {postgis}"
    )
    say(
        f"machine: {os.cpu_count()} CPUs ({cpu}); gunicorn {args.workers} sync workers on "
        f"{HOST}:{args.port}; {args.requests} sequential requests per shape after {WARMUP} warm-up; "
        f"wrk {args.connections} connections x {args.duration} s"
    )

    say(f"{clock()}  {prewarm()}")
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="tejido-bench-"))
    server = Server(args.port, args.workers, workdir / "gunicorn.log")
    sql_conn = psycopg.connect(**pg_params(), autocommit=True, cursor_factory=psycopg.ClientCursor)
    results: list[Result] = []
    try:
        server.start()
        say(f"{clock()}  gunicorn up (log {server.log})")
        monitor = CpuMonitor(server, sql_conn)
        for shape in shapes:
            busy = monitor.wait_quiet(0.25, args.quiet_wait)
            if busy >= 0.25:
                say(f"{clock()}  note: other processes use {busy:.2f} cores; measuring anyway")
            start = monitor.snapshot()
            result = measure(shape, args, server, sql_conn, wrk, workdir, clock)
            result.others = monitor.others_cores(start)
            results.append(result)
    except KeyboardInterrupt:
        say("\ninterrupted: stopping gunicorn")
    finally:
        server.stop()
        sql_conn.close()
        if not server.failed:  # keep gunicorn's log when it failed
            shutil.rmtree(workdir, ignore_errors=True)
    if not results:
        return
    say("")
    say(render(results))
    for r in results:
        if r.shape.note:
            say(f"* {r.shape.label}: {r.shape.note}")
    say(
        "others' CPU: average cores used by other processes on the machine while the shape was "
        f"measured (of {os.cpu_count()}); above ~0.3 the figures of that shape are disturbed"
    )
    say("")
    say("SQL per request (median): count(*) vs page query, and response sizes")
    for r in results:
        parts = []
        if r.sql.get("count"):
            parts.append(
                f"count(*) {percentile(r.sql['count'], 50) * 1000:.1f} ms "
                f"(p95 {percentile(r.sql['count'], 95) * 1000:.1f})"
            )
        if r.sql.get("page"):
            parts.append(
                f"page {percentile(r.sql['page'], 50) * 1000:.1f} ms "
                f"(p95 {percentile(r.sql['page'], 95) * 1000:.1f})"
            )
        if r.sql.get("count") and r.sql.get("all"):
            share = statistics.median(r.sql["count"]) / statistics.median(r.sql["all"])
            parts.append(f"count(*) = {share:.0%} of the SQL time")
        if r.api_bytes:
            parts.append(f"API {r.api_bytes / 1024:.1f} KB")
        if r.bare_bytes:
            parts.append(f"bare {r.bare_bytes / 1024:.1f} KB")
        if r.counts_match is not None:
            parts.append("same count as bare: " + ("yes" if r.counts_match else "NO"))
        say(f"  {r.shape.label}: " + "; ".join(parts))
    say("")
    say(
        "EXPLAIN (ANALYZE) of the statements of the request at the SQL p95 (scans, index used, rows):"
    )
    for r in results:
        for name, summary in r.plans:
            say(f"  {r.shape.label} / {name}: {summary}")
        if r.other_seq:
            say(f"  {r.shape.label}: note: Seq Scan on {', '.join(sorted(set(r.other_seq)))}")
    problems = [(r.shape.label, e) for r in results for e in r.errors]
    if problems:
        say("")
        say("ERRORS:")
        for label, error in problems[:30]:
            say(f"  {label}: {error}")
    say(f"\n{clock()}  done")


def measure(shape: Shape, args, server: Server, sql_conn, wrk, workdir: Path, clock) -> Result:
    r = Result(shape)
    n = args.requests
    warm_api, api_paths = shape.api[:WARMUP], shape.api[WARMUP : WARMUP + n]
    warm_bare, bare_paths = shape.bare[:WARMUP], shape.bare[WARMUP : WARMUP + n]
    say(
        f"{clock()}  {shape.label}: {len(api_paths)} requests, e.g. "
        f"{api_paths[0] if shape.api_available else bare_paths[0]}"
    )

    # 1. Warm up; capture the SQL the API runs for each request (in process), or for a shape
    #    without API endpoint the bare view's SQL.
    if shape.api_available:
        for path in warm_api:
            http_get(server.port, path)
        statements, errors = capture(api_paths, server.port)
        r.errors.extend(f"in process: {e}" for e in errors)
    else:
        from urllib.parse import parse_qsl

        from bench import bare

        statements = []
        for path in bare_paths:
            sql, params = bare.sql_for("layer", dict(parse_qsl(path.split("?", 1)[1])))
            statements.append([sql_conn.cursor().mogrify(sql, params)])
    bare_sizes = []
    for path in warm_bare:
        status, body, _ = http_get(server.port, path)
        bare_sizes.append(len(body))
        if status != 200:
            r.errors.append(f"bare {status} {path}: {body[:300]!r}")
    r.bare_bytes = statistics.mean(bare_sizes) if bare_sizes else None
    counts = [len(group) for group in statements]
    r.queries = (min(counts), max(counts))

    # 2. One client, sequential: API request i and its SQL replayed with psycopg, in turn
    #    (alternately first), so that other work on the machine and cache state weigh alike.
    api_times, sizes = [], []
    r.sql = {"all": [], "count": [], "page": []}
    with sql_conn.cursor() as cursor:
        for i, group in enumerate(statements):
            order = ("api", "sql") if i % 2 == 0 else ("sql", "api")
            for step in order:
                if step == "sql":
                    for kind, seconds in sql_once(cursor, group).items():
                        if kind in r.sql:
                            r.sql[kind].append(seconds)
                elif shape.api_available:
                    status, body, seconds = http_get(server.port, api_paths[i])
                    if status != 200:
                        r.errors.append(f"API {status} {api_paths[i]}: {body[:300]!r}")
                    api_times.append(seconds * 1000)
                    sizes.append(len(body))
    if api_times:
        r.api_p50, r.api_p95 = percentile(api_times, 50), percentile(api_times, 95)
        r.api_bytes = statistics.mean(sizes)

    # 3. EXPLAIN (ANALYZE) of the statements of the request at the SQL p95.
    rank = sorted(range(len(r.sql["all"])), key=lambda i: r.sql["all"][i])
    at_p95 = rank[min(len(rank) - 1, int(len(rank) * 0.95))]
    for sql in statements[at_p95]:
        result = explain(sql_conn, sql)
        name = classify(sql) if shape.api_available else "bare SQL"
        if name == "other":
            name = "lookup"
        summary, seq = summarize_plan(result)
        r.plans.append((name, summary))
        if "directory_listing" in seq:
            r.seq_listing = True
        r.other_seq.extend(rel for rel in seq if rel != "directory_listing")

    # 4. The bare view answers the same: same count as the API.
    if shape.api_available and shape.kind in ("point", "list", "search"):
        status_a, body_a, _ = http_get(server.port, api_paths[0])
        status_b, body_b, _ = http_get(server.port, bare_paths[0])
        if status_a == status_b == 200:
            r.counts_match = json.loads(body_a)["count"] == json.loads(body_b)["count"]

    # 5. Throughput at 4 connections, the same requests: API and bare view in turn, two halves
    #    of `duration` each (API, bare, API, bare), so that both meet the same machine.
    if wrk:
        half = max(1, round(args.duration / 2))
        api_loads, bare_loads = [], []
        for k in range(2):
            offset = k * len(api_paths) // 2
            if shape.api_available:
                api_loads.append(
                    run_wrk(
                        wrk,
                        workdir,
                        server.port,
                        api_paths,
                        f"{shape.key}-api",
                        half,
                        args.connections,
                        offset,
                    )
                )
            bare_loads.append(
                run_wrk(
                    wrk,
                    workdir,
                    server.port,
                    bare_paths,
                    f"{shape.key}-bare",
                    half,
                    args.connections,
                    offset,
                )
            )
        if api_loads:
            r.api_load = combine(api_loads)
            if r.api_load.errors:
                r.errors.append(
                    f"wrk API: {r.api_load.errors} errors / non-2xx of {r.api_load.requests}"
                )
        r.bare_load = combine(bare_loads)
        if r.bare_load.errors:
            r.errors.append(
                f"wrk bare: {r.bare_load.errors} errors / non-2xx of {r.bare_load.requests}"
            )
    say(
        f"{clock()}    API p50 {ms(r.api_p50)} p95 {ms(r.api_p95)} ms; SQL p95 "
        f"{percentile(r.sql['all'], 95) * 1000:.1f} ms; "
        f"API {r.api_load.rps if r.api_load else float('nan'):.0f} req/s, "
        f"bare {r.bare_load.rps if r.bare_load else float('nan'):.0f} req/s"
    )
    return r


if __name__ == "__main__":
    main()
