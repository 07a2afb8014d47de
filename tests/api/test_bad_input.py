"""Bad input gets a 4xx naming the field, never a 500, and writes nothing (DESIGN.md §8)."""

import json

import pytest

from directory.models import Listing, Need, Report
from tests.factories import ListingFactory, MembershipFactory, NeedFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lat=nan&lng=10", "lat"),
        ("lat=10&lng=inf", "lng"),
        ("lat=-Infinity&lng=10", "lat"),
        ("lat=91&lng=10", "lat"),
        ("lat=10&lng=-180.5", "lng"),
        ("lat=10", "lng"),
        ("lng=10", "lat"),
        ("radius_km=5", "radius_km"),
        ("lat=1&lng=1&radius_km=501", "radius_km"),
        ("lat=1&lng=1&radius_km=0", "radius_km"),
        ("lat=1&lng=1&radius_km=abc", "radius_km"),
        ("bbox=10,10,5,20", "bbox"),
        ("bbox=-200,-10,10,10", "bbox"),
        ("bbox=-10,-95,10,10", "bbox"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=nan,1,2,3", "bbox"),
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("offset=-5", "offset"),
        ("offset=99999999", "offset"),
        ("kind=castle", "kind"),
        ("need=unicorns", "need"),
        ("access=teleport", "access"),
        ("country=XX", "country"),
        ("open_now=yes", "open_now"),
        ("verified=maybe", "verified"),
        ("ordering=price", "ordering"),
        ("ordering=distance", "ordering"),
        ("updated_since=2026-13-45", "updated_since"),
        ("confirmed_within_days=0", "confirmed_within_days"),
        ("language=not a language", "language"),
        ("q=caf%00e", "q"),
        ("q=" + "x" * 201, "q"),
        ("region=does-not-exist", "region"),
        ("colour=red", "colour"),
    ],
)
def test_bad_listing_parameters_are_named_in_a_400(api, query, field):
    response = api.get(f"/api/v1/listings/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("urgency=panic", "urgency"),
        ("skill=Bad,Tag", "skill"),
        ("ordering=name", "ordering"),
        ("kind=x", "kind"),
    ],
)
def test_bad_need_parameters_are_named_in_a_400(api, query, field):
    response = api.get(f"/api/v1/needs/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/places/",
        "/api/v1/places/?q=a",
        "/api/v1/places/?q=%00%00",
        "/api/v1/regions/?level=planet",
    ],
)
def test_bad_reference_parameters(api, path):
    assert api.get(path).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/listings/nope/",
        "/api/v1/needs/123456/",
        "/api/v1/needs/99999999999999999999/",
        "/api/v1/regions/nope/",
        "/api/v1/regions/nope/stats/",
    ],
)
def test_unknown_objects_are_404_in_the_error_shape(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()["errors"]


NESTED_40: list = [1]
for _level in range(40):
    NESTED_40 = [NESTED_40]

VALID = {
    "kind": "cooperative",
    "name": "Cooperativa Nueva",
    "original_language": "es",
    "location_precision": "area",
    "location": {"type": "Point", "coordinates": [-99.13, 19.43]},
    "address": {"country": "MX", "locality": "CDMX"},
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"location": {"type": "Point", "coordinates": [200, 19]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [10, -91]}}, "location"),
        ({"location": {"type": "Point", "coordinates": ["a", 1]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [1]}}, "location"),
        ({"location": {"type": "LineString", "coordinates": [[1, 1], [2, 2]]}}, "location"),
        ({"location": "POINT(1 1)"}, "location"),
        (
            {
                "service_area": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                }
            },
            "service_area",
        ),
        (
            {"service_area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}},
            "service_area",
        ),
        (
            {
                "service_area": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]],
                }
            },
            "service_area",
        ),
        ({"service_area": {"type": "Polygon", "coordinates": "x"}}, "service_area"),
        ({"kind": "castle"}, "kind"),
        ({"name": ""}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"summary": {"de": "Hallo"}}, "summary"),
        ({"summary": {"es": "x" * 301}}, "summary.es"),
        ({"languages": ["Klingon!"]}, "languages"),
        ({"access": ["teleport"]}, "access.0"),
        ({"founded_year": 1200}, "founded_year"),
        ({"contacts": [{"kind": "email", "value": "nope"}]}, "contacts.0.value"),
        ({"contacts": [{"kind": "phone", "value": "call me"}]}, "contacts.0.value"),
        (
            {"opening_hours": [{"weekday": 8, "opens": "09:00", "closes": "17:00"}]},
            "opening_hours.0.weekday",
        ),
        (
            {"opening_hours": [{"weekday": 1, "opens": "09:00", "closes": "09:00"}]},
            "opening_hours.0.closes",
        ),
        ({"categories": ["nope"]}, "categories"),
        ({"status": "published"}, "status"),
        ({"verified_on": "2026-01-01"}, "verified_on"),
        ({"members": [1]}, "members"),
        ({"location_precision": "hidden", "location": None, "address": {}}, "address.country"),
        ({"location_precision": "area", "location": None}, "detail"),
    ],
)
def test_bad_listing_writes_are_refused_and_write_nothing(api, change, field):
    user = MembershipFactory().user
    api.force_authenticate(user)
    before = Listing.objects.count()
    response = api.post("/api/v1/listings/", {**VALID, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Listing.objects.count() == before


def test_a_valid_listing_write_is_accepted_as_pending(api):
    user = MembershipFactory().user
    api.force_authenticate(user)
    response = api.post("/api/v1/listings/", VALID, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[" * 5000 + "]" * 5000, "application/json", 400),
        (json.dumps({"a": NESTED_40}), "application/json", 400),
        ("x" * (1024 * 1024 + 10), "application/json", 413),
        ("kind=cooperative", "application/x-www-form-urlencoded", 415),
        ('"just a string"', "application/json", 400),
    ],
)
def test_malformed_bodies_get_a_4xx(api, body, content_type, status):
    api.force_authenticate(MembershipFactory().user)
    before = Listing.objects.count()
    response = api.generic("POST", "/api/v1/listings/", body, content_type=content_type)
    assert response.status_code == status, response.content
    assert "errors" in response.json()
    assert Listing.objects.count() == before


def test_bad_need_writes_are_refused(api):
    membership = MembershipFactory()
    api.force_authenticate(membership.user)
    url = f"/api/v1/listings/{membership.listing.slug}/needs/"
    for body, field in [
        ({"kind": "food", "original_language": "es", "title": {}}, "title"),
        (
            {
                "kind": "food",
                "original_language": "es",
                "title": {"es": "x"},
                "skills": ["Bad Tag"],
            },
            "skills",
        ),
        (
            {
                "kind": "food",
                "original_language": "es",
                "title": {"es": "x"},
                "starts_on": "2026-05-02",
                "ends_on": "2026-05-01",
            },
            "detail",
        ),
        (
            {"kind": "food", "original_language": "es", "title": {"es": "x"}, "urgency": "panic"},
            "urgency",
        ),
        (
            {"kind": "food", "original_language": "es", "title": {"es": "x"}, "listing": 5},
            "listing",
        ),
    ]:
        response = api.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["errors"], response.json()
    assert not Need.objects.exists()


def test_reports_are_validated(api):
    listing = ListingFactory()
    other = NeedFactory()
    for body, field in [
        ({"listing": listing.slug, "reason": "boredom"}, "reason"),
        ({"listing": "nope", "reason": "spam"}, "listing"),
        ({"listing": listing.slug, "reason": "spam", "need": other.pk}, "need"),
        ({"listing": listing.slug, "reason": "spam", "message": "x" * 2001}, "message"),
    ]:
        response = api.post("/api/v1/reports/", body, format="json")
        assert response.status_code == 400 and field in response.json()["errors"]
    assert not Report.objects.exists()
    assert (
        api.post(
            "/api/v1/reports/", {"listing": listing.slug, "reason": "spam"}, format="json"
        ).status_code
        == 201
    )


def test_method_not_allowed_is_a_405_in_the_error_shape(api):
    response = api.put("/api/v1/categories/")
    assert response.status_code in (401, 403, 405)
    response = api.delete("/api/v1/reports/")
    assert response.status_code == 405 and "errors" in response.json()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es", "Indica lat y lng a la vez."),
        ("en", "Give lat and lng together."),
    ],
)
def test_errors_speak_the_language_of_the_request(api, language, message):
    response = api.get("/api/v1/listings/?lat=10", HTTP_ACCEPT_LANGUAGE=language)
    assert response.json()["errors"]["lng"] == [message]
    assert response["Content-Language"] == language
