"""Health checks for load balancers and monitors (docs/decisions/0017-operations.md).

- ``GET /healthz``: the process answers (nothing else is touched, not even the database).
- ``GET /readyz``: the database answers and is migrated, the region statistics and the map's
  tile state are no older than their refresh setting, and the cache answers when one is
  configured (``CACHE_URL``); each read replica's state is reported (one that does not
  answer is not a failure: its reads go to the primary).

Both answer JSON ``{"status": "ok"|"fail", "checks": {name: {"ok": bool, "reason": str}}}``
with 200 or 503, outside the language prefix, without reading or setting a session, and
``Cache-Control: no-cache, no-store``. A poll every few seconds costs three small queries.
"""

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

Check = Callable[[], tuple[bool, str]]

#: Once the database was seen migrated, this process does not read the migration graph
#: again (a deploy with new migrations starts new processes).
_migrated: set[str] = set()


def _answer(checks: dict[str, tuple[bool, str]]) -> JsonResponse:
    ok = all(passed for passed, _ in checks.values())
    body = {
        "status": "ok" if ok else "fail",
        "checks": {
            name: {"ok": passed, "reason": reason} for name, (passed, reason) in checks.items()
        },
    }
    response = JsonResponse(body, status=200 if ok else 503)
    add_never_cache_headers(response)
    return response


@require_safe
def healthz(request) -> JsonResponse:
    """The process is up and answers requests."""
    return _answer({"process": (True, "answering")})


def check_database() -> tuple[bool, str]:
    connection = connections[DEFAULT_DB_ALIAS]
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        # A broken connection is not reused by the next check.
        connection.close_if_unusable_or_obsolete()
        text = str(error).strip()
        first_line = text.splitlines()[0] if text else type(error).__name__
        return False, f"unreachable: {first_line}"[:200]
    return True, f"answered in {(time.monotonic() - started) * 1000:.0f} ms"


def check_migrations() -> tuple[bool, str]:
    alias = DEFAULT_DB_ALIAS
    if alias not in _migrated:
        executor = MigrationExecutor(connections[alias])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return False, f"{len(plan)} migration(s) not applied"
        _migrated.add(alias)
    return True, "all applied"


def check_region_stats() -> tuple[bool, str]:
    """Changed counts wait at most REGION_STATS_MAX_AGE for their refresh."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT dirty, refreshed_at FROM directory_region_stats_state")
        dirty, refreshed_at = cursor.fetchone()
    if not dirty:
        return True, "current"
    bound = timedelta(seconds=settings.REGION_STATS_MAX_AGE)
    age = timezone.now() - refreshed_at if refreshed_at else None
    if age is None or age > bound:
        return False, f"changes waiting for a refresh longer than {bound.seconds} s"
    return True, f"a refresh is due within {bound.seconds} s"


def check_tiles() -> tuple[bool, str]:
    """The tiles' needs are those of today or yesterday (`manage.py tile_cells` daily)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT version, needs_on FROM mapping_tile_state")
        version, needs_on = cursor.fetchone()
    late = (timezone.localdate() - needs_on).days
    if late > 1:
        return False, f"needs expired last on {needs_on.isoformat()} (run manage.py tile_cells)"
    return True, f"version {version}, needs of {needs_on.isoformat()}"


def check_cache() -> tuple[bool, str]:
    key = "tejido:readyz"
    try:
        cache.set(key, 1, 30)
        ok = cache.get(key) == 1
    except Exception as error:  # every backend raises its own errors
        return False, f"unreachable: {type(error).__name__}"
    return (True, "answering") if ok else (False, "did not keep a value")


def check_replicas() -> tuple[bool, str]:
    """Each replica's state; one not answering is not a failure (reads go to the primary)."""
    from tejido.routers import answers, rest

    states = []
    for alias in settings.REPLICA_ALIASES:
        if answers(alias):
            states.append(f"{alias} answering")
        else:
            rest(alias)
            states.append(f"{alias} not answering (its reads go to the primary)")
    return True, "; ".join(states)


def cache_is_shared() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


@require_safe
def readyz(request) -> JsonResponse:
    """Ready for traffic: every check passes. A check after a failed database is skipped."""
    checks: dict[str, tuple[bool, str]] = {"database": check_database()}
    for name, check in (
        ("migrations", check_migrations),
        ("region_stats", check_region_stats),
        ("tiles", check_tiles),
    ):
        if not checks["database"][0]:
            checks[name] = (False, "database unreachable")
            continue
        try:
            checks[name] = check()
        except DatabaseError as error:
            checks[name] = (False, f"query failed: {type(error).__name__}")
    if settings.REPLICA_ALIASES:
        checks["replicas"] = check_replicas()
    if cache_is_shared():
        checks["cache"] = check_cache()
    return _answer(checks)
