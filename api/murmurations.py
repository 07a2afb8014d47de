"""Murmurations profiles (the organizations schema, `organizations_schema-v1.0.0`): one per
public listing, and the list of profile URLs an index node harvests. Public data only: the
public point (none for hidden listings), the address parts its precision shows, contacts
visible to everyone (DESIGN.md §6)."""

from datetime import UTC, datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from directory.choices import ContactKind, LocationPrecision
from directory.models import Listing

from .pagination import LimitOffset
from .parameters import only_format, page_parameters
from .records import PublicRecord, page_url, public_record
from .renderers import JSONRenderer
from .schema import ERRORS, page_of

SCHEMA = "organizations_schema-v1.0.0"
PAGE_PARAMETERS = {"limit", "offset", "format"}
_URL_PREFIXES = ("http://", "https://")


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _web(value: str) -> bool:
    return value.startswith(_URL_PREFIXES)


def profile(request, record: PublicRecord) -> dict:
    """The Murmurations profile of a listing (valid against SCHEMA)."""
    item = record.item
    address = item["address"]
    website = record.first_contact(ContactKind.WEBSITE)
    primary_url = website if _web(website) else page_url(request, item["slug"])
    data = {
        "linked_schemas": [SCHEMA],
        "name": item["name"][:200],
        "primary_url": primary_url,
        "tags": list(dict.fromkeys([item["kind"], *item["categories"], *item["access"]])),
        "urls": [{"name": "Tejido", "url": page_url(request, item["slug"])}]
        + [
            {"name": label or kind, "url": value}
            for kind, value, label in record.contacts
            if kind in (ContactKind.WEBSITE, ContactKind.SOCIAL) and _web(value)
        ],
        "status": "active",
        "unique_id": item["slug"],
        "geographic_scope": "local",
    }
    description, summary = record.text("description"), record.text("summary")
    if description or summary:
        data["description"] = description or summary
    if description and summary:
        data["mission"] = summary
    if record.coordinates is not None:
        lng, lat = record.coordinates
        data["geolocation"] = {"lat": lat, "lon": lng}
    if address.get("locality"):
        data["locality"] = address["locality"][:100]
    if address.get("admin1"):
        data["region"] = address["admin1"][:100]
    if address.get("country"):
        data["country_iso_3166"] = address["country"]
    if item["location_precision"] == LocationPrecision.EXACT and address.get("street"):
        parts = ("street", "locality", "admin1", "postal_code", "country")
        data["full_address"] = ", ".join(address[part] for part in parts if address.get(part))
    email = record.first_contact(ContactKind.EMAIL)
    if email:
        data["contact_details"] = {"email": email}
    phone = record.first_contact(ContactKind.PHONE)
    if phone:
        data["telephone"] = phone
    if record.founded_year:
        data["starts_at"] = _unix(datetime(record.founded_year, 1, 1, tzinfo=UTC))
    return data


class ProfileSerializer(serializers.Serializer):
    """The shape of a profile; the organizations schema of Murmurations is the contract."""

    linked_schemas = serializers.ListField(child=serializers.CharField())
    name = serializers.CharField()
    primary_url = serializers.URLField()
    tags = serializers.ListField(child=serializers.CharField())
    urls = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    status = serializers.CharField()
    unique_id = serializers.CharField()
    geographic_scope = serializers.CharField()
    description = serializers.CharField(required=False)
    mission = serializers.CharField(required=False)
    geolocation = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text="{lat, lon} of the public point; absent for hidden listings.",
    )
    locality = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    country_iso_3166 = serializers.CharField(required=False)
    full_address = serializers.CharField(required=False, help_text="Exact locations only.")
    contact_details = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="Public contacts only."
    )
    telephone = serializers.CharField(required=False)
    starts_at = serializers.IntegerField(required=False, help_text="Founded (Unix time).")


class ProfileLinkSerializer(serializers.Serializer):
    profile_url = serializers.URLField()
    last_updated = serializers.IntegerField(help_text="Unix time of the listing's last change.")


@extend_schema(
    summary="The Murmurations profile of a listing (organizations schema)",
    parameters=[only_format("json")],
    responses={200: ProfileSerializer, 400: ERRORS[400], 404: ERRORS[404], 429: ERRORS[429]},
)
class ProfileView(APIView):
    renderer_classes = [JSONRenderer]

    def get(self, request, slug: str):
        return Response(profile(request, public_record(request, slug)))


@extend_schema(
    summary="Profile URLs of the public listings, for a Murmurations index",
    parameters=[*page_parameters(), only_format("json")],
    responses={
        200: page_of("MurmurationsProfile", ProfileLinkSerializer),
        400: ERRORS[400],
        429: ERRORS[429],
    },
)
class ProfileIndexView(APIView):
    """Newest changes first, so that an index node sees what changed at the top."""

    renderer_classes = [JSONRenderer]

    def get(self, request):
        unknown = sorted(set(request.query_params) - PAGE_PARAMETERS)
        if unknown:
            raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
        paginator = LimitOffset()
        rows = (
            Listing.objects.public().order_by("-updated_at", "id").values_list("slug", "updated_at")
        )
        page = paginator.paginate_queryset(rows, request)
        return Response(
            paginator.body(
                [
                    {
                        "profile_url": request.build_absolute_uri(
                            reverse("api:listing-murmurations", kwargs={"slug": slug})
                        ),
                        "last_updated": _unix(updated_at),
                    }
                    for slug, updated_at in page
                ]
            )
        )
