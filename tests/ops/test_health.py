"""/healthz and /readyz: JSON with a reason per check, 200 or 503, no session, no language
redirect, never cached, a few small queries (docs/decisions/0017-operations.md)."""

import datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from ops import health
from tests.test_unavailable import database_at_a_closed_port


def assert_plain_health_answer(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert "Set-Cookie" not in response and not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_healthz_answers_without_the_database(client):
    # No django_db mark: any query would raise.
    response = client.get("/healthz", HTTP_ACCEPT_LANGUAGE="es")
    assert_plain_health_answer(response, 200)
    assert response.json() == {
        "status": "ok",
        "checks": {"process": {"ok": True, "reason": "answering"}},
    }


@pytest.mark.django_db
def test_readyz_is_ready_with_a_reason_per_check(client, django_assert_max_num_queries):
    client.get("/readyz")  # the migration graph is read once per process
    # database, region statistics' state, the tiles' state
    with django_assert_max_num_queries(3):
        response = client.get("/readyz", HTTP_ACCEPT_LANGUAGE="fr")
    assert_plain_health_answer(response, 200)
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "region_stats", "tiles"}
    assert all(check["ok"] and check["reason"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_sends_a_signed_in_visitor_no_cookie(client, people):
    client.force_login(people["lead"])
    response = client.get("/readyz")
    assert_plain_health_answer(response, 200)


@pytest.mark.django_db(transaction=True)
def test_readyz_fails_while_the_database_is_unreachable_and_recovers(client):
    with database_at_a_closed_port():
        response = client.get("/readyz")
    assert_plain_health_answer(response, 503)
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is False
    assert checks["database"]["reason"].startswith("unreachable")
    assert checks["tiles"] == {"ok": False, "reason": "database unreachable"}
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_fails_when_changed_counts_wait_past_their_bound(client):
    old = timezone.now() - datetime.timedelta(minutes=10)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE directory_region_stats_state SET dirty = true, refreshed_at = %s", [old]
        )
    with override_settings(REGION_STATS_MAX_AGE=300):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["region_stats"]["ok"] is False
    with override_settings(REGION_STATS_MAX_AGE=3600):
        assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_fails_when_ended_needs_were_not_expired_for_two_days(client):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mapping_tile_state SET needs_on = %s",
            [timezone.localdate() - datetime.timedelta(days=2)],
        )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "tile_cells" in response.json()["checks"]["tiles"]["reason"]


@pytest.mark.django_db
def test_readyz_reports_unapplied_migrations(client, monkeypatch):
    monkeypatch.setattr(health, "_migrated", set())
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("app", False)]
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {
        "ok": False,
        "reason": "1 migration(s) not applied",
    }


@pytest.mark.django_db
def test_readyz_checks_a_shared_cache(client, monkeypatch):
    monkeypatch.setattr(health, "cache_is_shared", lambda: True)
    assert client.get("/readyz").json()["checks"]["cache"] == {"ok": True, "reason": "answering"}

    class Gone:
        def set(self, *args, **kwargs):
            raise ConnectionError("gone")

    monkeypatch.setattr(health, "cache", Gone())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {
        "ok": False,
        "reason": "unreachable: ConnectionError",
    }


def test_health_checks_refuse_writes(client):
    assert client.post("/healthz").status_code == 405
