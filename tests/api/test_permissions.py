"""Who may do what, as a matrix of people (DESIGN.md §2, §6; directory/rules.py)."""

import pytest
from django.contrib.gis.geos import Point

from directory.models import AuditEvent, Listing, LocationAccessGrant, Need
from tests.factories import ContactFactory, ListingFactory, MembershipFactory, NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(people):
    listing = ListingFactory(
        slug="tenants", location=Point(-117.8678, 33.7456, srid=4326), location_precision="area"
    )
    MembershipFactory(listing=listing, user=people["lead"], role="lead")
    MembershipFactory(listing=listing, user=people["editor"], role="editor")
    LocationAccessGrant.objects.create(listing=listing, user=people["organizer"])
    return listing


def as_(api, people, who):
    if people[who] is not None:
        api.force_authenticate(people[who])
    return api


EDIT = {"name": "Unión de Inquilinos"}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("stranger", 403),
        ("organizer", 403),
        ("editor", 200),
        ("lead", 200),
        ("moderator", 200),
    ],
)
def test_changing_a_listing(api, people, listing, who, status):
    response = as_(api, people, who).patch("/api/v1/listings/tenants/", EDIT, format="json")
    assert response.status_code == status, response.content
    listing.refresh_from_db()
    assert (listing.name == EDIT["name"]) is (status == 200)


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("stranger", 403), ("editor", 403), ("lead", 204), ("moderator", 204)],
)
def test_deleting_a_listing_archives_it(api, people, listing, who, status):
    response = as_(api, people, who).delete("/api/v1/listings/tenants/")
    assert response.status_code == status
    listing.refresh_from_db()
    assert (listing.status == "archived") is (status == 204)
    assert Listing.objects.filter(pk=listing.pk).exists()


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("stranger", 201)])
def test_creating_a_listing_needs_an_account_and_makes_its_author_lead(api, people, who, status):
    body = {
        "kind": "mutual_aid",
        "name": "Red de Apoyo",
        "original_language": "es",
        "location_precision": "region",
        "location": {"type": "Point", "coordinates": [-99.1, 19.4]},
        "address": {"country": "MX"},
        "summary": {"es": "Despensas", "en": "Food boxes"},
    }
    response = as_(api, people, who).post("/api/v1/listings/", body, format="json")
    assert response.status_code == status
    if status == 201:
        created = Listing.objects.get(slug=response.json()["slug"])
        assert created.status == "pending" and created.summary_en == "Food boxes"
        assert created.memberships.get().user == people["stranger"]
        assert created.history.get().history_user == people["stranger"]
        # A pending listing is not public: a stranger's own listing shows to them, not to others.
        assert api.get(f"/api/v1/listings/{created.slug}/").status_code == 200
        api.force_authenticate(None)
        assert api.get(f"/api/v1/listings/{created.slug}/").status_code == 404


def test_nobody_can_write_status_or_verification_through_the_api(api, people, listing):
    api.force_authenticate(people["lead"])
    for field, value in (
        ("status", "published"),
        ("verified_on", "2026-01-01"),
        ("hidden_by_reports", False),
    ):
        response = api.patch("/api/v1/listings/tenants/", {field: value}, format="json")
        assert response.status_code == 400 and field in response.json()["errors"]


@pytest.mark.parametrize(
    ("who", "sees_true_point"),
    [
        ("anonymous", False),
        ("stranger", False),
        ("organizer", True),
        ("editor", True),
        ("lead", True),
        ("moderator", True),
    ],
)
def test_true_location_only_to_those_allowed_and_every_read_audited(
    api, people, listing, who, sees_true_point
):
    body = as_(api, people, who).get("/api/v1/listings/tenants/").json()
    assert ("true_location" in body) is sees_true_point
    if sees_true_point:
        assert body["true_location"]["coordinates"] == [-117.8678, 33.7456]
        event = AuditEvent.objects.get(action="exact_location_read")
        assert event.actor == people[who] and event.listing_id == listing.pk
    else:
        assert not AuditEvent.objects.filter(action="exact_location_read").exists()
    assert body["location"]["coordinates"] == [-117.865, 33.745]


def test_an_organizer_without_a_grant_sees_only_the_public_point(api, people, listing):
    LocationAccessGrant.objects.all().delete()
    api.force_authenticate(people["organizer"])
    assert "true_location" not in api.get("/api/v1/listings/tenants/").json()


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("anonymous", {"public"}),
        ("stranger", {"public", "signed_in"}),
        ("editor", {"public", "signed_in", "leads_only"}),
        ("moderator", {"public", "signed_in", "leads_only"}),
    ],
)
def test_contacts_by_visibility(api, people, listing, who, visible):
    for visibility in ("public", "signed_in", "leads_only"):
        ContactFactory(listing=listing, visibility=visibility, value=f"{visibility}@example.org")
    body = as_(api, people, who).get("/api/v1/listings/tenants/").json()
    assert {c["visibility"] for c in body["contacts"]} == visible


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("stranger", 403),
        ("organizer", 403),
        ("editor", 201),
        ("lead", 201),
        ("moderator", 201),
    ],
)
def test_adding_a_need(api, people, listing, who, status):
    body = {
        "kind": "volunteers",
        "original_language": "es",
        "title": {"es": "Voluntarias para el sábado"},
    }
    response = as_(api, people, who).post("/api/v1/listings/tenants/needs/", body, format="json")
    assert response.status_code == status, response.content
    assert Need.objects.filter(listing=listing).exists() is (status == 201)


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("stranger", 403), ("editor", 200), ("lead", 200), ("moderator", 200)],
)
def test_changing_and_closing_a_need(api, people, listing, who, status):
    need = NeedFactory(listing=listing)
    client = as_(api, people, who)
    response = client.patch(f"/api/v1/needs/{need.pk}/", {"urgency": "urgent"}, format="json")
    assert response.status_code == status
    response = client.delete(f"/api/v1/needs/{need.pk}/")
    assert response.status_code == (204 if status == 200 else status)
    need.refresh_from_db()
    assert (need.status == "closed") is (status == 200)


def test_a_need_of_another_listing_cannot_be_changed_by_this_lead(api, people, listing):
    other = NeedFactory()
    api.force_authenticate(people["lead"])
    assert (
        api.patch(f"/api/v1/needs/{other.pk}/", {"urgency": "low"}, format="json").status_code
        == 403
    )


def test_session_writes_need_a_csrf_token(people, listing):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["lead"])
    response = client.patch("/api/v1/listings/tenants/", EDIT, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["errors"]["detail"][0]


def test_token_authentication(api, people, listing):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=people["lead"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.patch("/api/v1/listings/tenants/", EDIT, format="json").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert api.patch("/api/v1/listings/tenants/", EDIT, format="json").status_code == 401
