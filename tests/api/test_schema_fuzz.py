"""schemathesis fuzzes the API against its own OpenAPI document (DESIGN.md §8): no input
gives a 5xx, and every response matches the document. Bounded: a few dozen examples per
operation, anonymous and signed in."""

import pytest
import schemathesis
from django.contrib.gis.geos import Point
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tejido.wsgi import application
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    MembershipFactory,
    NeedFactory,
    RegionFactory,
)

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def seeded(db):
    """A little of everything, so that generated requests meet real rows. Requests go
    straight to the WSGI app, so, as Django's test client does, keep the test's connection
    open across them."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield _seed()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _seed() -> str:
    listing = ListingFactory(
        slug="olla", location=Point(-99.13, 19.43, srid=4326), location_precision="area"
    )
    ListingFactory(slug="oculta", location_precision="hidden")
    NeedFactory(listing=listing)
    CategoryFactory(slug="food")
    RegionFactory(slug="mx-cdmx")
    lead = MembershipFactory(listing=listing).user
    return Token.objects.create(user=lead).key


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_breaks_the_api_anonymously(case, seeded):
    case.call_and_validate(checks=CHECKS)


@schema.include(method=["POST", "PATCH", "PUT", "DELETE"]).parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_breaks_the_api_signed_in(case, seeded):
    case.call_and_validate(headers={"Authorization": f"Token {seeded}"}, checks=CHECKS)
