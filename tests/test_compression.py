"""What `make run` and production serve: static files under hashed names, precompressed
(gzip and brotli) with a long cache; visitors' pages compressed, signed-in pages not
(BREACH)."""

import gzip

import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

LEAFLET = settings.BASE_DIR / "node_modules" / "leaflet" / "dist"


def test_a_visitors_page_is_compressed_and_a_signed_in_page_is_not(client, people):
    visitor = client.get("/en/listings/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert visitor["Content-Encoding"] == "gzip"
    assert b"<html" in gzip.decompress(visitor.content)

    client.force_login(people["lead"])
    member = client.get("/en/dashboard/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert member.status_code == 200
    assert "Content-Encoding" not in member


def test_static_files_are_hashed_precompressed_and_cached_for_a_year(tmp_path):
    production_storage = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(
        STATIC_ROOT=tmp_path,
        STORAGES=production_storage,
        STATICFILES_DIRS=[("vendor/leaflet", LEAFLET)],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        url = static("vendor/leaflet/leaflet.js")
        assert url != "/static/vendor/leaflet/leaflet.js"  # a hashed name
        hashed = tmp_path / url.removeprefix("/static/")
        assert hashed.with_name(hashed.name + ".br").exists()
        assert hashed.with_name(hashed.name + ".gz").exists()

        response = Client().get(url, HTTP_ACCEPT_ENCODING="br, gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 3600 and "immutable" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert len(body) < (LEAFLET / "leaflet.js").stat().st_size / 3
