"""The benchmark's table: each figure beside its budget (DESIGN.md §7), PASS or FAIL."""

from dataclasses import dataclass, field

from bench.machine import Load
from bench.shapes import Shape


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


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
