"""While PostgreSQL is unreachable, pages answer 503 with a short page and the API 503 JSON,
both with Retry-After; when it is back, the next request is served (DESIGN.md §8)."""

import socket
from contextlib import contextmanager
from unittest import mock

import psycopg
import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import close_old_connections, connection, connections
from django.test import Client

from tests.factories import ListingFactory, UserFactory

PAGE_TITLE = "Tejido is unavailable for a moment"


@contextmanager
def cursors_fail(error=psycopg.OperationalError):
    """Every new cursor fails as it does when the server has gone away."""

    def refuse(*args, **kwargs):
        raise error("server closed the connection unexpectedly")

    with mock.patch.object(connection, "create_cursor", refuse):
        yield


@contextmanager
def database_at_a_closed_port():
    """The default connection points at a local port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert PAGE_TITLE in body and '<html lang="en">' in body
    assert "Traceback" not in body


def assert_unavailable_json(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "errors": {"detail": ["The database is unavailable; try again in a moment."]}
    }


@pytest.mark.django_db
@pytest.mark.parametrize("error", [psycopg.OperationalError, psycopg.InterfaceError])
def test_home_page_answers_503_with_a_short_page(client, error):
    with cursors_fail(error):
        response = client.get("/en/")
    assert_unavailable_page(response)


@pytest.mark.django_db
@pytest.mark.parametrize("error", [psycopg.OperationalError, psycopg.InterfaceError])
def test_api_answers_503_json(client, error):
    with cursors_fail(error):
        response = client.get("/api/v1/listings/")
    assert_unavailable_json(response)


@pytest.mark.django_db
def test_a_signed_in_visitor_gets_the_page_without_reading_the_session(client):
    client.force_login(UserFactory())
    with cursors_fail():
        response = client.get("/en/")
    assert_unavailable_page(response)


@pytest.mark.django_db
def test_a_database_error_outside_the_view_also_gives_the_page(client):
    def save_fails(self, request, response):
        connection.cursor()

    client = Client(raise_request_exception=False)
    with cursors_fail(), mock.patch.object(SessionMiddleware, "process_response", save_fails):
        response = client.get("/en/")
    assert_unavailable_page(response)


@pytest.mark.django_db(transaction=True)
def test_pages_and_api_answer_503_while_down_and_recover_when_it_is_back(client):
    ListingFactory(slug="panaderia")
    with database_at_a_closed_port():
        assert_unavailable_page(client.get("/en/"))
        assert_unavailable_json(client.get("/api/v1/listings/"))
    assert client.get("/en/").status_code == 200
    assert client.get("/api/v1/listings/").json()["count"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_pooled_connection_cut_by_a_restart_is_replaced(client):
    assert client.get("/en/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    close_old_connections()  # what the server does as each request starts
    assert client.get("/en/").status_code == 200
    assert client.get("/api/v1/listings/").status_code == 200
