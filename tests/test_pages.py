"""The home page and the admin, in every language, within a query budget."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from directory.models import Listing
from tests.factories import CategoryFactory, NeedFactory, RegionFactory, UserFactory, with_totp

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("es", "Cooperativas, ayuda mutua y proyectos comunitarios cerca de ti"),
        ("pt", "Cooperativas, ajuda mútua e projetos comunitários perto de você"),
        ("fr", "Coopératives, entraide et projets communautaires près de chez vous"),
        ("en", "Co-operatives, mutual aid and community projects near you"),
    ],
)
def test_home_page_speaks_each_language(client, language, heading):
    NeedFactory()
    response = client.get(f"/{language}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    assert heading in body


def test_language_switcher_keeps_the_page_and_its_query(client):
    response = client.get("/es/listings/?q=comida&kind=cooperative&page=2")
    body = response.content.decode()
    for code in ("pt", "fr", "en"):
        link = (
            f'href="/{code}/listings/?q=comida&amp;kind=cooperative&amp;page=2" hreflang="{code}"'
        )
        assert link in body, code
    assert 'aria-current="true" lang="es">Español' in body


def test_home_page_redirects_to_the_browsers_language(client):
    response = client.get("/", headers={"accept-language": "pt-BR,pt;q=0.9"})
    assert response.status_code == 302 and response["Location"] == "/pt/"


def test_home_page_escapes_content_and_keeps_a_query_budget(client, django_assert_max_num_queries):
    for n in range(15):
        NeedFactory(listing__name=f"<script>alert({n})</script>", listing__slug=f"x{n}")
    # session-less page: counts (1) + needs count (1) + recent listings (1)
    with django_assert_max_num_queries(3):
        response = client.get("/en/")
    body = response.content.decode()
    assert "<script>alert(" not in body and "&lt;script&gt;alert(" in body


ADMIN_MODELS = [
    "directory/listing",
    "directory/need",
    "directory/category",
    "directory/region",
    "directory/place",
    "directory/report",
    "directory/auditevent",
    "directory/locationaccessgrant",
    "accounts/user",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_lists_every_entity_for_staff(client, model):
    admin = with_totp(UserFactory(username="root", is_staff=True, is_superuser=True))
    NeedFactory()
    CategoryFactory()
    RegionFactory()
    client.force_login(admin)
    assert client.get(f"/admin/{model}/").status_code == 200
    if model != "directory/auditevent":
        assert client.get(f"/admin/{model}/add/").status_code == 200


def test_admin_edits_a_listing_with_its_map_widget(client):
    admin = with_totp(UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = NeedFactory().listing
    client.force_login(admin)
    response = client.get(reverse("admin:directory_listing_change", args=[listing.pk]))
    assert response.status_code == 200
    assert b"id_location" in response.content
    assert Listing.objects.count() == 1


# Only what finds the libraries (GDAL, GEOS) is passed on: nothing of the test settings.
_LOADER_ENV = {
    name: os.environ[name]
    for name in ("PATH", "LD_LIBRARY_PATH", "GDAL_LIBRARY_PATH", "GEOS_LIBRARY_PATH")
    if name in os.environ
}


def test_production_settings_pass_the_deployment_checks(tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 64 + "production-check-secret-key",
        "DJANGO_ALLOWED_HOSTS": "tejido.example.org",
        **_LOADER_ENV,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret():
    env = {"DJANGO_ENV": "production", "DJANGO_ALLOWED_HOSTS": "x", **_LOADER_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr
