"""Visitors' reads from streaming replicas; everything else on the primary
(docs/decisions/0017-operations.md).

`ReplicaMiddleware` decides per request. A GET or HEAD from a visitor (no session cookie,
no `Authorization`, no pin cookie; not the admin) is served by a replica of
`DATABASE_REPLICA_URLS`: for that request the default connection of the thread *is* the
replica's, so that raw SQL (tiles, page statements, statistics) follows as well as the ORM.
Every other request (writes, signed-in people, API tokens) uses the primary. A response to
a write sets the pin cookie: for `REPLICA_PIN_SECONDS` that client reads from the primary
and sees what it wrote. A replica that fails (a 5xx while it served, and `SELECT 1` fails on
it) is left aside for `REPLICA_RETRY_SECONDS` and the request is served again by the
primary: no 5xx from a replica going away.

`ReadReplicaRouter` sends ORM reads to the request's database, writes to the primary, and
migrations only to the primary.
"""

import contextvars
import logging
import random
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

PIN_COOKIE = "tejido_primary"
SAFE_METHODS = ("GET", "HEAD")
#: Always on the primary: the admin, and the health checks (they check the primary and
#: report on each replica themselves).
PRIMARY_PATHS = ("/admin/", "/readyz", "/healthz")

_read_alias: contextvars.ContextVar[str] = contextvars.ContextVar(
    "tejido_read_alias", default=DEFAULT_DB_ALIAS
)
#: alias -> monotonic time until which this process leaves the replica aside.
_resting: dict[str, float] = {}


class ReadReplicaRouter:
    def db_for_read(self, model, **hints):
        return _read_alias.get()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def available_replicas() -> list[str]:
    now = time.monotonic()
    return [alias for alias in settings.REPLICA_ALIASES if _resting.get(alias, 0) <= now]


def rest(alias: str) -> None:
    _resting[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS


def answers(alias: str) -> bool:
    wrapper = connections[alias]
    try:
        wrapper.close()
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        wrapper.close()
        return False


def is_visitor_read(request) -> bool:
    return (
        request.method in SAFE_METHODS
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and PIN_COOKIE not in request.COOKIES
        and "authorization" not in request.headers
        and not request.path.startswith(PRIMARY_PATHS)
    )


@contextmanager
def reading_from(alias: str):
    """Within the block, this thread's default connection is the replica's."""
    handler = connections._connections
    primary = connections[DEFAULT_DB_ALIAS]
    replica = connections[alias]
    token = _read_alias.set(alias)
    setattr(handler, DEFAULT_DB_ALIAS, replica)
    try:
        yield replica
    finally:
        setattr(handler, DEFAULT_DB_ALIAS, primary)
        _read_alias.reset(token)


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        replicas = available_replicas() if settings.REPLICA_ALIASES else []
        if not replicas or not is_visitor_read(request):
            response = self.get_response(request)
        else:
            alias = random.choice(replicas)  # noqa: S311  (spreading load, not a secret)
            with reading_from(alias):
                response = self.get_response(request)
            if response.status_code >= 500 and not answers(alias):
                logger.warning("Replica %s is not answering; reading from the primary", alias)
                rest(alias)
                response = self.get_response(request)
        if request.method not in SAFE_METHODS and settings.REPLICA_ALIASES:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
