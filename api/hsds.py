"""Open Referral HSDS 3.0 services (what 211 lines and referral tools read): one `service`
per public listing, with its `organization`, its location (the public point, the address
parts its precision shows; none for a hidden listing), weekly `schedules`, `languages`,
`service_areas`, and the phones and e-mails visible to everyone (DESIGN.md §6).

HSDS identifiers are UUIDs: version 5 UUIDs of the listing's slug (and of each part), so a
consumer sees the same identifiers on every read."""

import json
import uuid

from django.conf.locale import LANG_INFO
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from directory import filters, selectors
from directory.choices import AccessFact, ContactKind, LocationPrecision
from directory.filters import ListingFilterSet

from .pagination import LimitOffset
from .parameters import filter_parameters, only_format, page_parameters
from .records import PublicRecord, page_url, public_record, public_records
from .renderers import JSONRenderer
from .schema import COUNT_HELP, ERRORS
from .views import validated_filters

#: The namespace of Tejido's HSDS identifiers (uuid5 of "tejido.listing").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "tejido.listing")
BYDAY = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}


def hsds_id(slug: str, *parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join([slug, *map(str, parts)])))


def _iso(value) -> str:
    """A date or time as ISO 8601 (page rows carry them as text already)."""
    return value if isinstance(value, str) else value.isoformat()


def _language(code: str, service_id: str, slug: str) -> dict:
    language = {"id": hsds_id(slug, "language", code), "service_id": service_id, "code": code}
    name = LANG_INFO.get(code, {}).get("name")
    if name:
        language["name"] = name
    return language


def _location(record: PublicRecord, slug: str) -> dict | None:
    """The public location: the cell centre or exact point, the address parts shown."""
    if record.coordinates is None:
        return None
    item, address = record.item, record.item["address"]
    location_id = hsds_id(slug, "location")
    lng, lat = record.coordinates
    location = {
        "id": location_id,
        "location_type": "physical",
        "name": item["name"],
        "latitude": lat,
        "longitude": lng,
    }
    if item["location_precision"] != LocationPrecision.EXACT:
        location["description"] = (
            "Approximate: the centre of the area holding the location, not the address."
        )
    if address.get("locality") or address.get("street"):
        location["addresses"] = [
            {
                "id": hsds_id(slug, "address"),
                "location_id": location_id,
                "address_1": address.get("street", ""),
                "city": address.get("locality", ""),
                "state_province": address.get("admin1", ""),
                "postal_code": address.get("postal_code", ""),
                "country": address.get("country", ""),
                "address_type": "physical",
            }
        ]
    return location


def _schedules(record: PublicRecord, service_id: str, slug: str) -> list[dict]:
    zone = f" ({record.timezone})" if record.timezone else ""
    return [
        {
            "id": hsds_id(slug, "schedule", weekday, f"{opens:%H:%M}"),
            "service_id": service_id,
            "freq": "WEEKLY",
            "wkst": "MO",
            "byday": BYDAY[weekday],
            "opens_at": f"{opens:%H:%M}",
            "closes_at": f"{closes:%H:%M}",
            "description": f"Local time{zone}"
            + ("; closes the next day." if closes < opens else "."),
        }
        for weekday, opens, closes in record.periods
    ]


def service(request, record: PublicRecord) -> dict:
    """The HSDS 3.0 `service` of a listing (valid against schema/compiled/service.json)."""
    item = record.item
    slug = item["slug"]
    service_id, organization_id = hsds_id(slug, "service"), hsds_id(slug, "organization")
    description = record.text("description") or record.text("summary")
    website = record.first_contact(ContactKind.WEBSITE)
    email = record.first_contact(ContactKind.EMAIL)
    organization = {
        "id": organization_id,
        "name": item["name"],
        "description": record.text("summary") or description,
        "uri": page_url(request, slug),
    }
    data = {
        "id": service_id,
        "organization_id": organization_id,
        "name": item["name"],
        "description": description,
        "url": website if website.startswith(("http://", "https://")) else page_url(request, slug),
        "status": "active",
        "last_modified": _iso(item["updated_at"]),
        "organization": organization,
        "languages": [_language(code, service_id, slug) for code in item["languages"]],
        "schedules": _schedules(record, service_id, slug),
        "phones": [
            {
                "id": hsds_id(slug, "phone", value),
                "service_id": service_id,
                "number": value,
                "type": "voice",
                **({"description": label} if label else {}),
            }
            for kind, value, label in record.contacts
            if kind == ContactKind.PHONE
        ],
        "contacts": [
            {
                "id": hsds_id(slug, "contact", value),
                "service_id": service_id,
                "email": value,
                **({"name": label} if label else {}),
            }
            for kind, value, label in record.contacts
            if kind == ContactKind.EMAIL
        ],
    }
    if email:
        data["email"] = email
    if website:
        organization["website"] = data["url"]
    if record.founded_year:
        organization["year_incorporated"] = record.founded_year
    if record.legal_form:
        organization["legal_status"] = record.legal_form
    if item["verified_on"]:
        data["assured_date"] = _iso(item["verified_on"])
    eligibility = record.text("eligibility_notes")
    if eligibility:
        data["eligibility_description"] = eligibility
    if AccessFact.FREE in item["access"]:
        data["fees_description"] = str(AccessFact.FREE.label)
    if AccessFact.INTERPRETATION_AVAILABLE in item["access"]:
        data["interpretation_services"] = str(AccessFact.INTERPRETATION_AVAILABLE.label)
    if record.service_area is not None:
        data["service_areas"] = [
            {
                "id": hsds_id(slug, "service-area"),
                "service_id": service_id,
                "name": item["name"],
                "extent": json.dumps(json.loads(record.service_area.geojson)),
                "extent_type": "geojson",
            }
        ]
    location = _location(record, slug)
    if location is not None:
        data["service_at_locations"] = [
            {
                "id": hsds_id(slug, "service-at-location"),
                "service_id": service_id,
                "location_id": location["id"],
                "location": location,
            }
        ]
    return data


SERVICE_SCHEMA = {
    "type": "object",
    "description": "An HSDS 3.0 service (schema/compiled/service.json of Open Referral).",
    "required": ["id", "name", "status"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["active"]},
        "organization": {"type": "object"},
        "schedules": {"type": "array", "items": {"type": "object"}},
        "languages": {"type": "array", "items": {"type": "object"}},
        "service_areas": {"type": "array", "items": {"type": "object"}},
        "service_at_locations": {"type": "array", "items": {"type": "object"}},
        "phones": {"type": "array", "items": {"type": "object"}},
        "contacts": {"type": "array", "items": {"type": "object"}},
    },
}
SERVICE_PAGE_SCHEMA = {
    "type": "object",
    "required": ["count", "count_exact", "next", "previous", "results"],
    "properties": {
        "count": {"type": "integer", "description": COUNT_HELP},
        "count_exact": {"type": "boolean"},
        "next": {"type": "string", "format": "uri", "nullable": True},
        "previous": {"type": "string", "format": "uri", "nullable": True},
        "results": {"type": "array", "items": SERVICE_SCHEMA},
    },
}


@extend_schema(
    summary="A listing as an HSDS 3.0 service (Open Referral)",
    parameters=[only_format("json")],
    responses={
        200: OpenApiResponse(SERVICE_SCHEMA, description="An HSDS 3.0 service."),
        400: ERRORS[400],
        404: ERRORS[404],
        429: ERRORS[429],
    },
)
class ServiceView(APIView):
    renderer_classes = [JSONRenderer]

    def get(self, request, slug: str):
        return Response(service(request, public_record(request, slug)))


@extend_schema(
    summary="HSDS 3.0 services of the listings matching the filters",
    description="`kind=mutual_aid` gives the mutual-aid services.",
    parameters=[*filter_parameters(ListingFilterSet), only_format("json"), *page_parameters()],
    responses={
        200: OpenApiResponse(SERVICE_PAGE_SCHEMA, description="A page of HSDS services."),
        400: ERRORS[400],
        429: ERRORS[429],
    },
)
class ServiceListView(APIView):
    renderer_classes = [JSONRenderer]

    def get(self, request):
        query = filters.listing_query(validated_filters(request, ListingFilterSet))
        paginator = LimitOffset()
        limit, offset = paginator.window(request)
        count, rows = selectors.listing_page(
            query, offset=offset, limit=limit, cap=paginator.count_cap
        )
        paginator.set_count(count)
        records = public_records(request, rows)
        return Response(paginator.body([service(request, record) for record in records]))
