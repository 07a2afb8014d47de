"""Measuring one shape: sequential requests against the API and replays of their SQL,
EXPLAIN summaries, then the load of wrk against the API and the bare view."""

import json
import re
import statistics
import time
from pathlib import Path

from bench.common import say
from bench.machine import HOST, Server, combine, http_get, run_wrk
from bench.report import Result, ms, percentile
from bench.shapes import WARMUP, Shape

# --- Measurements ------------------------------------------------------------------------------


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
