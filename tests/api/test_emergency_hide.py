"""Emergency hide (DESIGN.md §9): a lead takes a listing off every public surface at once,
from the API or the dashboard; a moderator sees why; the lead can show it again."""

import pytest
from django.contrib.gis.geos import Point

from directory.choices import AuditAction
from directory.models import AuditEvent, Listing
from tests.factories import ListingFactory, MembershipFactory, NeedFactory

pytestmark = pytest.mark.django_db

PUBLIC_SURFACES = (
    "/api/v1/listings/",
    "/api/v1/listings/export.geojson",
    "/api/v1/listings/export.csv",
    "/api/v1/needs/",
    "/en/listings/",
    "/en/needs/",
)


@pytest.fixture
def refugio():
    listing = ListingFactory(
        slug="refugio", name="Refugio Solidario", location=Point(-99.13, 19.43, srid=4326)
    )
    NeedFactory(listing=listing, title_en="Blankets for the shelter")
    lead = MembershipFactory(listing=listing, role="lead").user
    return listing, lead


def shown_everywhere(client) -> list[bool]:
    shown = []
    for path in PUBLIC_SURFACES:
        response = client.get(path)
        assert response.status_code == 200, path
        shown.append(b"Refugio Solidario" in response.content or b"refugio" in response.content)
    return shown


def test_a_lead_hides_a_listing_from_every_public_surface_through_the_api(client, refugio):
    listing, lead = refugio
    assert all(shown_everywhere(client))
    client.force_login(lead)
    response = client.post(
        "/api/v1/listings/refugio/hide/",
        {"hidden": True, "reason": "Police at the door"},
        content_type="application/json",
    )
    assert response.status_code == 200
    client.logout()
    assert not any(shown_everywhere(client))
    assert client.get("/api/v1/listings/refugio/").status_code == 404
    assert client.get("/en/listings/refugio/").status_code == 404
    event = AuditEvent.objects.get(action=AuditAction.LISTING_HIDDEN)
    assert event.listing_id == listing.pk and event.data == {"reason": "Police at the door"}


def test_a_lead_shows_it_again(client, refugio):
    listing, lead = refugio
    client.force_login(lead)
    client.post("/api/v1/listings/refugio/hide/", {"hidden": True}, content_type="application/json")
    response = client.post(
        "/api/v1/listings/refugio/hide/", {"hidden": False}, content_type="application/json"
    )
    assert response.status_code == 200
    assert Listing.objects.get(pk=listing.pk).is_public
    assert AuditEvent.objects.filter(action=AuditAction.LISTING_UNHIDDEN).count() == 1


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("stranger", 403)])
def test_nobody_else_can_hide_it(api, refugio, people, who, status):
    if people[who] is not None:
        api.force_authenticate(people[who])
    response = api.post("/api/v1/listings/refugio/hide/", {"hidden": True}, format="json")
    assert response.status_code == status
    assert Listing.objects.get(slug="refugio").is_public


def test_a_bad_body_is_a_400_naming_the_field(client, refugio):
    client.force_login(refugio[1])
    response = client.post(
        "/api/v1/listings/refugio/hide/", {"hidden": "maybe"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["hidden"]


def test_the_dashboard_button_hides_it_and_the_moderators_see_why(client, refugio, people):
    client.force_login(refugio[1])
    response = client.post("/en/dashboard/listings/refugio/hide/", {"reason": "Threats"})
    assert response.status_code == 302
    assert not Listing.objects.get(slug="refugio").is_public
    client.force_login(people["moderator"])
    queue = client.get("/en/moderation/").content.decode()
    assert "Refugio Solidario: “Threats”" in queue
