"""Visitors read from a real streaming replica of the private cluster; writes, signed-in
people and clients that just wrote use the primary; a replica that goes away is skipped
without a 5xx (tejido/routers.py, docs/decisions/0017-operations.md)."""

import time

from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tejido import routers
from tests.factories import ListingFactory, UserFactory

from .conftest import script, wait_for

VISITOR_URLS = (
    "/api/v1/listings/?lat=19.43&lng=-99.13",
    "/api/v1/listings/replicated/",
    "/api/v1/tiles/10/229/455.pbf",
    "/en/listings/replicated/",
)


def on_replica(alias: str, slug: str) -> bool:
    """The listing has been replayed on the replica."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM directory_listing WHERE slug = %s", [slug])
        return cursor.fetchone() is not None


def served_by(client, urls, alias):
    """Status codes, and the number of queries run on the primary and on the replica."""
    primary = connections["default"]
    with (
        CaptureQueriesContext(primary) as on_primary,
        CaptureQueriesContext(connections[alias]) as on_replica_,
    ):
        statuses = [client.get(url).status_code for url in urls]
    return statuses, len(on_primary), len(on_replica_)


def test_a_visitor_reads_from_the_replica_what_the_primary_wrote(replica):
    with connections[replica].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)
    ListingFactory(slug="replicated")
    wait_for(lambda: on_replica(replica, "replicated"))

    statuses, primary_queries, replica_queries = served_by(Client(), VISITOR_URLS, replica)
    assert statuses == [200] * len(VISITOR_URLS)
    assert primary_queries == 0 and replica_queries > 0


def test_signed_in_people_and_clients_that_just_wrote_read_from_the_primary(replica):
    ListingFactory(slug="replicated")
    wait_for(lambda: on_replica(replica, "replicated"))
    signed_in = Client()
    signed_in.force_login(UserFactory(username="lead"))
    statuses, primary_queries, replica_queries = served_by(signed_in, VISITOR_URLS[:2], replica)
    assert statuses == [200, 200] and primary_queries > 0 and replica_queries == 0

    writer = Client()
    response = writer.post("/api/v1/reports/", {}, content_type="application/json")
    pin = response.cookies[routers.PIN_COOKIE]
    assert pin["max-age"] == 15 and pin["httponly"]
    statuses, primary_queries, replica_queries = served_by(writer, VISITOR_URLS[:2], replica)
    assert statuses == [200, 200] and primary_queries > 0 and replica_queries == 0


def test_migrations_run_only_on_the_primary():
    router = routers.ReadReplicaRouter()
    assert router.allow_migrate("default", "directory") is True
    assert router.allow_migrate("replica_1", "directory") is False
    assert router.db_for_write(None) == "default"


def test_a_replica_stopped_mid_run_gives_200s_from_the_primary_and_readyz_follows_it(replica):
    ListingFactory(slug="replicated")
    wait_for(lambda: on_replica(replica, "replicated"))
    visitor = Client()
    assert served_by(visitor, VISITOR_URLS[:1], replica)[2] > 0

    assert script("replica.sh", "stop").returncode == 0
    try:
        statuses, primary_queries, _ = served_by(visitor, VISITOR_URLS * 2, replica)
        assert statuses == [200] * len(VISITOR_URLS) * 2 and primary_queries > 0
        ready = visitor.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["replicas"] == {
            "ok": True,
            "reason": "replica_1 not answering (its reads go to the primary)",
        }

        # /readyz of a process whose database is that stopped server.
        primary_settings = dict(connections["default"].settings_dict)
        replica_settings = connections[replica].settings_dict
        routers._resting.clear()
        connections["default"].close()
        connections["default"].settings_dict.update(
            HOST=replica_settings["HOST"], PORT=replica_settings["PORT"]
        )
        try:
            response = visitor.get("/readyz")
            assert response.status_code == 503
            assert response.json()["checks"]["database"]["ok"] is False
            assert script("replica.sh", "start").returncode == 0
            back = time.monotonic()
            wait_for(lambda: visitor.get("/readyz").status_code == 200, timeout=10, every=0.25)
            assert time.monotonic() - back < 10
        finally:
            connections["default"].close()
            connections["default"].settings_dict.update(
                HOST=primary_settings["HOST"], PORT=primary_settings["PORT"]
            )
    finally:
        assert script("replica.sh", "start").returncode == 0

    # Back in service once its rest is over.
    routers._resting.clear()
    connections[replica].close()
    assert served_by(visitor, VISITOR_URLS[:1], replica)[2] > 0
    assert visitor.get("/readyz").json()["checks"]["replicas"]["reason"] == "replica_1 answering"
