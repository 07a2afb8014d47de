"""One scenario of suspected duplicates shared by the tests of the rule, the pages and the
browser: a community kitchen in Boyle Heights (Los Angeles) and points around it.

`existing_kitchen()` makes the published listing; `AT_200_M`, `AT_2_KM` are points east
of it; `NEAR_NAME` is the name a second lead types for the same project."""

from django.contrib.gis.geos import Point

from directory.choices import ListingKind, ListingStatus, LocationPrecision
from tests.factories import ListingFactory, MembershipFactory, UserFactory

NAME = "Cocina Comunitaria Boyle Heights"
NEAR_NAME = "Cocina Comunitaria de Boyle Heights"
KIND = ListingKind.MUTUAL_AID
LAT, LNG = 34.03330, -118.20560
#: Degrees of longitude per metre at this latitude (1° = 92.2 km).
_LNG_PER_M = 1 / 92_200
AT_200_M = Point(LNG + 200 * _LNG_PER_M, LAT, srid=4326)
AT_2_KM = Point(LNG + 2000 * _LNG_PER_M, LAT, srid=4326)


def existing_kitchen(*, lead=None, **overrides):
    """The published listing a second lead may list again; its lead (made unless given)."""
    values = {
        "name": NAME,
        "slug": "cocina-comunitaria-boyle-heights",
        "kind": KIND,
        "location": Point(LNG, LAT, srid=4326),
        "location_precision": LocationPrecision.EXACT,
        "street_address": "2130 E 1st St",
        "locality": "Los Angeles",
        "admin1": "California",
        "postal_code": "90033",
        "country": "US",
        "status": ListingStatus.PUBLISHED,
        **overrides,
    }
    listing = ListingFactory(**values)
    lead = lead or UserFactory(username="lead-cocina", email="lead.cocina@example.org")
    MembershipFactory(listing=listing, user=lead, role="lead")
    return listing


def form_point(point: Point) -> dict:
    """The point as the dashboard form's latitude and longitude."""
    return {"latitude": f"{point.y:.6f}", "longitude": f"{point.x:.6f}"}
