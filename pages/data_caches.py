"""The two reads a page keeps in its process, because each would otherwise cost a query on
every page: the taxonomy (category names, for the cards and the search filters) and the
volunteer board's region menu (countries and states with open needs). No markup is kept:
templates render what these hold on every request.

How each is kept and forgotten (the one place that says so):

- **Taxonomy** (`taxonomy()`): read once per process and kept for TAXONOMY_SECONDS (60 s),
  labelled once per language. Saving or deleting a category forgets it at once in that
  process, and again when the transaction commits (signals in `pages/apps.py`); other
  processes see the change within TAXONOMY_SECONDS. Filter choices are validated against
  the database, so a category deleted elsewhere gives a message, never a wrong result.
- **Region menu** (`regions_with_needs()`): read from the region statistics
  (`directory_region_stats`, decision 0004) once per process and language, kept for
  REGIONS_SECONDS (60 s), and forgotten when the statistics are refreshed in that process
  (`directory.stats.refreshed`, connected in `pages/apps.py`). It is as current as the
  statistics: at once with REGION_STATS_REFRESH=on_commit, within a minute or two with
  `scheduled`.

With a shared cache (CACHE_URL=redis://..., docs/decisions/0017-operations.md) forgetting
also writes a new version under a key of that cache, and each process compares the version
it read with it before using what it kept: a category saved through one gunicorn worker, or
statistics refreshed by cron, are seen by every other process on its next page. Without a
shared cache (or while it is away) each process follows its own changes at once and
others' within the bounds above.

Tests forget both before each test (tests/conftest.py).
"""

import os
import threading
import time

from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from directory import selectors
from directory.content import localized

#: How long a process keeps the taxonomy it read (seconds).
TAXONOMY_SECONDS = 60
_TAXONOMY: dict = {"generation": 0}
_TAXONOMY_LOCK = threading.Lock()

# The taxonomy as plain SQL: through the ORM, building the statement cost more than running
# it (tests/pages/test_search.py checks it against the model).
CATEGORIES_SQL = (
    'SELECT "slug", "path", "depth", "name_es", "name_pt", "name_fr", "name_en" '
    'FROM "directory_category" ORDER BY "path"'
)


#: Keys of the shared cache whose value changes whenever a process forgets what it kept.
TAXONOMY_VERSION_KEY = "tejido:data-caches:taxonomy"
REGIONS_VERSION_KEY = "tejido:data-caches:regions"


def _new_version(key: str) -> None:
    """Tell every process sharing the cache (one write: no read-modify-write race)."""
    cache.set(key, f"{time.time_ns()}-{os.getpid()}", None)


def taxonomy() -> tuple[list[tuple], dict]:
    """(rows of CATEGORIES_SQL, {language: labelled categories}) of this process; the
    caller fills the second with what it labels (`pages.cards.CategoryNames`)."""
    version = cache.get(TAXONOMY_VERSION_KEY)
    with _TAXONOMY_LOCK:
        kept, generation = _TAXONOMY.get("kept"), _TAXONOMY["generation"]
        if (
            kept is not None
            and time.monotonic() - kept[0] < TAXONOMY_SECONDS
            and kept[3] == version
        ):
            return kept[1], kept[2]
    with connection.cursor() as cursor:
        cursor.execute(CATEGORIES_SQL)
        rows = cursor.fetchall()
    labels: dict = {}
    with _TAXONOMY_LOCK:
        if _TAXONOMY["generation"] == generation:  # not forgotten while it was read
            _TAXONOMY["kept"] = (time.monotonic(), rows, labels, version)
    return rows, labels


def forget_taxonomy(**_kwargs) -> None:
    """Read the taxonomy again on the next page (a category was saved or deleted), here and
    in every process sharing the cache."""
    with _TAXONOMY_LOCK:
        _TAXONOMY.pop("kept", None)
        _TAXONOMY["generation"] += 1
    _new_version(TAXONOMY_VERSION_KEY)


#: How long a process keeps the board's region menu (seconds): the regions with needs come
#: from the region statistics, refreshed at most once a minute in production.
REGIONS_SECONDS = 60
_REGIONS: dict = {}
_REGIONS_LOCK = threading.Lock()


def regions_with_needs() -> list[tuple[str, str, str]]:
    """[(slug, level, name in the reader's language)] of the regions with open needs."""
    language = get_language()
    version = cache.get(REGIONS_VERSION_KEY)
    with _REGIONS_LOCK:
        kept = _REGIONS.get(language)
    if kept is not None and time.monotonic() - kept[0] < REGIONS_SECONDS and kept[2] == version:
        return kept[1]
    regions = [
        (region.slug, region.level, localized(region, "name")[0] or region.slug)
        for region in selectors.regions_with_public_needs()
    ]
    with _REGIONS_LOCK:
        _REGIONS[language] = (time.monotonic(), regions, version)
    return regions


def forget_regions(**_kwargs) -> None:
    """Read the regions with needs again on the next page (the statistics were refreshed),
    here and in every process sharing the cache."""
    with _REGIONS_LOCK:
        _REGIONS.clear()
    _new_version(REGIONS_VERSION_KEY)
