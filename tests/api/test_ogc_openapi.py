"""The OGC API's own OpenAPI document (`/ogc/api`, the landing page's service-desc): valid
OpenAPI 3.0, every path it lists answers as documented, and the items operations document
exactly the parameters the views accept (conformance class "OpenAPI 3.0")."""

import json
import re

import pytest
from django.contrib.gis.geos import Point
from openapi_spec_validator import validate

from directory.filters import ListingFilterSet, NeedFilterSet
from tests.factories import CategoryFactory, ListingFactory, NeedFactory, RegionFactory, box

pytestmark = pytest.mark.django_db

OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.0"
#: Every name some items operation accepts, and names none does.
UNIVERSE = {
    *ListingFilterSet.base_filters,
    *NeedFilterSet.base_filters,
    "level",
    "parent",
    "bbox",
    "datetime",
    "limit",
    "offset",
    "format",
    "not_a_parameter",
}
SAMPLES = {
    "bbox": "-100,19,-99,20",
    "datetime": "2026-01-01T00:00:00Z/..",
    "open_at": "sat 10:00",
    "q": "cocina",
    "near": "19.4,-99.1",
    "category": "food",
    "region": "mx-cdmx",
    "parent": "mx",
    "lat": "19.4",
    "lng": "-99.1",
}
#: What a parameter needs beside it to be valid (a point for distances).
POINT = {"lat": "19.4", "lng": "-99.1"}
COMPANIONS = {"lat": POINT, "lng": POINT, "radius_km": POINT, "ordering": POINT}


@pytest.fixture
def document(client):
    response = client.get("/ogc/api", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == OPENAPI_TYPE
    return response.json()


@pytest.fixture
def seeded():
    listing = ListingFactory(slug="olla", location=Point(-99.13, 19.43, srid=4326))
    listing.categories.add(CategoryFactory(slug="food"))
    need = NeedFactory(listing=listing)
    country = RegionFactory(slug="mx", level="country", country="MX", geom=box(-118, 14, -86, 33))
    RegionFactory(
        slug="mx-cdmx",
        level="admin1",
        country="MX",
        parent=country,
        geom=box(-99.4, 19.0, -98.9, 19.6),
    )
    return {"listings": listing.pk, "needs": need.pk, "regions": "mx-cdmx"}


def resolve(document: dict, item: dict) -> dict:
    if "$ref" not in item:
        return item
    _hash, _components, kind, name = item["$ref"].split("/")
    return document["components"][kind][name]


def query_parameters(document: dict, operation: dict) -> dict[str, dict]:
    found = (resolve(document, p) for p in operation.get("parameters", []))
    return {p["name"]: p for p in found if p["in"] == "query"}


def sample(name: str, schema: dict) -> str:
    """A valid value of a parameter from its name and schema."""
    if name in SAMPLES:
        return SAMPLES[name]
    if schema.get("type") == "array":
        item = schema["items"]
        return item["enum"][0] if "enum" in item else "cooking"
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("type") == "boolean":
        return "true"
    if schema.get("type") in ("number", "integer"):
        return str(schema.get("minimum", 1))
    if schema.get("format") == "date-time":
        return "2026-01-01T00:00:00Z"
    return "ab"


def items_operations(document: dict) -> list[tuple[str, dict]]:
    return [
        (path, item["get"]) for path, item in document["paths"].items() if path.endswith("/items")
    ]


def test_the_landing_page_describes_itself_with_this_document(client):
    links = client.get("/ogc/", HTTP_ACCEPT="application/json").json()["links"]
    by_rel = {item["rel"]: item for item in links}
    assert by_rel["service-desc"]["href"] == "http://testserver/ogc/api"
    assert by_rel["service-desc"]["type"] == OPENAPI_TYPE
    assert by_rel["service-doc"]["href"] == "http://testserver/ogc/api.html"
    conformance = client.get("/ogc/conformance", HTTP_ACCEPT="application/json").json()
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
        in (conformance["conformsTo"])
    )


def test_the_document_is_valid_openapi_3_with_a_path_per_collection(document):
    validate(document)
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": "http://testserver/ogc"}]
    assert {"/", "/api", "/conformance", "/collections"} <= set(document["paths"])
    for collection in ("listings", "needs", "regions"):
        for tail in ("", "/queryables", "/items", "/items/{featureId}"):
            assert f"/collections/{collection}{tail}" in document["paths"]


def test_every_path_answers_with_a_documented_type(client, document, seeded):
    for path, item in document["paths"].items():
        operation = item["get"]
        collection = path.split("/")[2] if path.startswith("/collections/") else ""
        url = "/ogc" + path.replace("{featureId}", str(seeded.get(collection, "")))
        response = client.get(url, HTTP_ACCEPT="application/geo+json, application/json")
        assert response.status_code == 200, url
        media_type = response["Content-Type"].split(";")[0]
        documented = operation["responses"]["200"]["content"]
        assert any(name.split(";")[0] == media_type for name in documented), (url, media_type)


def test_every_documented_items_parameter_is_accepted(client, document, seeded):
    refused = []
    for path, operation in items_operations(document):
        for name, parameter in query_parameters(document, operation).items():
            value = sample(name, parameter["schema"])
            query = {**COMPANIONS.get(name, {}), name: value}
            response = client.get("/ogc" + path, query, HTTP_ACCEPT="application/json")
            if response.status_code != 200:
                refused.append((path, name, value, response.content[:200]))
    assert refused == []


def test_every_accepted_items_parameter_is_documented(client, document, seeded):
    for path, operation in items_operations(document):
        documented = set(query_parameters(document, operation))
        for name in sorted(UNIVERSE - documented):
            response = client.get("/ogc" + path, {name: "x"}, HTTP_ACCEPT="application/json")
            assert response.status_code == 400, (path, name)
            assert name in json.loads(response.content)["errors"], (path, name)


def test_queryables_and_documented_filters_agree(client, document):
    for collection in ("listings", "needs", "regions"):
        operation = document["paths"][f"/collections/{collection}/items"]["get"]
        documented = set(query_parameters(document, operation))
        queryables = client.get(
            f"/ogc/collections/{collection}/queryables", HTTP_ACCEPT="application/json"
        ).json()
        assert set(queryables["properties"]) <= documented, collection


def test_a_browser_is_sent_to_the_interactive_documentation(client):
    response = client.get("/ogc/api", HTTP_ACCEPT="text/html")
    assert response.status_code == 302
    assert response["Location"] == "/ogc/api.html"
    page = client.get("/ogc/api.html")
    assert page.status_code == 200
    assert b"swagger-ui" in page.content
    assert not re.search(r'(src|href)="(https?:)?//', page.content.decode())
