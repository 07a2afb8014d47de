"""Logs keep no searched text, coordinates or tile x/y: gunicorn's access log and Django's
request warnings."""

import logging
from datetime import timedelta
from types import SimpleNamespace

from django.test import Client
from gunicorn.config import Config

from tejido.private_logs import PrivateAccessLogger, PrivateRecords, scrub_path

SECRET_QUERY = "q=abogado+inmigraci%C3%B3n&near=33.7489%2C-117.8543&lat=33.7489&lng=-117.8543"


def test_paths_lose_their_query_and_the_tiles_their_place():
    assert scrub_path(f"/es/listings/?{SECRET_QUERY}") == "/es/listings/"
    assert scrub_path("/api/v1/tiles/14/2830/6541.pbf") == "/api/v1/tiles/14/x/y.pbf"
    assert (
        scrub_path("/api/v1/tiles/v42/9/86/203.pbf?kind=cooperative")
        == "/api/v1/tiles/v42/9/x/y.pbf"
    )
    assert scrub_path("/en/listings/casa-de-la-raza/") == "/en/listings/casa-de-la-raza/"


def test_the_access_log_keeps_no_query_referer_query_nor_tile_place():
    logger = PrivateAccessLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/es/listings/?{SECRET_QUERY}",
        "PATH_INFO": "/es/listings/",
        "QUERY_STRING": SECRET_QUERY,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://tejido.example.org/es/?{SECRET_QUERY}",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))

    line = " ".join(str(value) for value in atoms.values())
    for secret in ("abogado", "33.7489", "117.8543", "near="):
        assert secret not in line
    assert atoms["r"] == "GET /es/listings/ HTTP/1.1"


def test_djangos_request_warnings_keep_no_tile_place(caplog):
    caplog.handler.addFilter(PrivateRecords())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        Client().get("/api/v1/tiles/99/123456/654321.pbf")

    assert caplog.records, "the bad tile is logged"
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "123456" not in text and "654321" not in text
