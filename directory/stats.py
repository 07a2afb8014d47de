"""Region statistics from the materialized view `directory_region_stats` (migration 0005)."""

import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal

from .models import Region

#: The languages of region names (modeltranslation's `name_<code>` columns).
LANGUAGES = ("es", "pt", "fr", "en")

#: Sent after each refresh: other public aggregates (the map's tiles) refresh with these.
refreshed = Signal()


def refresh() -> None:
    """Recompute every region's counts (concurrently: reads go on meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY directory_region_stats")
        cursor.execute(
            "UPDATE directory_region_stats_state SET dirty = false, refreshed_at = now()"
        )
    refreshed.send(sender=refresh)


_batch = threading.local()


@contextmanager
def batch():
    """Many changes at once (imports, demo data): one refresh at the end, not one each."""
    _batch.depth = getattr(_batch, "depth", 0) + 1
    try:
        yield
    finally:
        _batch.depth -= 1
    if _batch.depth == 0:
        refresh()


def changed() -> None:
    """A public count may have changed: refresh after commit, or mark the view for the next
    `manage.py refresh_region_stats` (REGION_STATS_REFRESH = "on_commit" | "scheduled")."""
    if getattr(_batch, "depth", 0):
        return
    if settings.REGION_STATS_REFRESH == "on_commit":
        transaction.on_commit(refresh)
    else:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE directory_region_stats_state SET dirty = true WHERE NOT dirty")


def refresh_if_dirty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT dirty FROM directory_region_stats_state")
        (dirty,) = cursor.fetchone()
    if dirty:
        refresh()
    return dirty


def _counts_by_region(rows, ids) -> dict[int, dict]:
    """{region id: {dimension: {key: n}}}, in one pass over the rows."""
    by = {rid: {"kind": {}, "category": {}, "need_kind": {}} for rid in ids}
    for rid, dimension, key, n in rows:
        by[rid][dimension][key] = n
    return by


def region_stats(region: Region) -> dict:
    """Counts of a region and of each of its sub-regions (three small queries)."""
    # Plain values: a state has dozens of sub-regions, and model instances cost more here
    # than the counts.
    children = list(
        Region.objects.filter(parent=region)
        .order_by("slug")
        .values("id", "slug", *(f"name_{code}" for code in LANGUAGES))
    )
    ids = [region.pk, *(child["id"] for child in children)]
    with connection.cursor() as cursor:
        # Sub-regions show totals by kind and needs only: their categories are not read.
        cursor.execute(
            "SELECT region_id, dimension, key, n FROM directory_region_stats "
            "WHERE region_id = %s UNION ALL "
            "SELECT region_id, dimension, key, n FROM directory_region_stats "
            "WHERE region_id = ANY(%s) AND dimension IN ('kind', 'need_kind')",
            [region.pk, ids[1:]],
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT refreshed_at FROM directory_region_stats_state")
        (refreshed_at,) = cursor.fetchone()
    counts = _counts_by_region(rows, ids)
    own = counts[region.pk]
    return {
        "region": region.slug,
        "listings": {
            "total": sum(own["kind"].values()),
            "by_kind": own["kind"],
            "by_category": own["category"],
        },
        "open_needs": {"total": sum(own["need_kind"].values()), "by_kind": own["need_kind"]},
        "sub_regions": [_sub_region(child, counts[child["id"]]) for child in children],
        "refreshed_at": refreshed_at,
    }


def _sub_region(region: dict, counts: dict) -> dict:
    return {
        "slug": region["slug"],
        "name": {code: region[f"name_{code}"] for code in LANGUAGES if region[f"name_{code}"]},
        "listings": {"total": sum(counts["kind"].values()), "by_kind": counts["kind"]},
        "open_needs": {"total": sum(counts["need_kind"].values()), "by_kind": counts["need_kind"]},
    }
