"""The OpenAPI description of the lean responses (drf-spectacular). These serializers only
describe shapes; responses are built by `api.rows` and `api.detail`, and the test suite
validates real responses against this document (and fuzzes it with schemathesis)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from directory.choices import (
    AccessFact,
    ContactKind,
    ContentLanguage,
    Freshness,
    ListingKind,
    ListingStatus,
    LocationPrecision,
    NeedKind,
    NeedStatus,
    Urgency,
    Visibility,
)
from directory.filters import ListingFilterSet, NeedFilterSet

from .pagination import COUNT_AHEAD
from .parameters import FORMAT, filter_parameters, page_parameters
from .serializers import EmergencyHideSerializer, ListingWriteSerializer, NeedWriteSerializer


class PageSchema(AutoSchema):
    """List responses here are whole pages (`{count, next, previous, results}` or a
    FeatureCollection) described by their own serializers: no extra array around them."""

    def _is_list_view(self, serializer=None) -> bool:
        return False

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        if getattr(self.view, "action", None) == "list" and operation_id.endswith("_retrieve"):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id


class ErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Messages by field, e.g. {"lat": ["Ensure this value is less than or '
        'equal to 90."]}; '
        "`detail` for errors of no field.",
    )


class SimilarListingSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    place = serializers.CharField(help_text="City, state and country, as far as they are public.")
    similarity = serializers.FloatField(help_text="Trigram similarity of the names, 0 to 1.")
    url = serializers.URLField()
    join_url = serializers.URLField(help_text="The page where one asks its leads to join it.")


class SimilarListingsErrorSerializer(ErrorSerializer):
    """409: similar listings exist; send `different_project: true` to save all the same."""

    similar_listings = SimilarListingSerializer(many=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()
    code = serializers.CharField(
        required=False,
        help_text="The six digits of the account's authenticator app: required from accounts "
        "with two-factor authentication (moderators and admins).",
    )


class PointSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)


class AddressSerializer(serializers.Serializer):
    street = serializers.CharField(required=False)
    locality = serializers.CharField(required=False)
    admin1 = serializers.CharField(required=False)
    postal_code = serializers.CharField(required=False)
    country = serializers.CharField(required=False)


class ListingPropertiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    url = serializers.URLField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ListingKind.choices)
    summary = serializers.DictField(child=serializers.CharField())
    original_language = serializers.ChoiceField(choices=ContentLanguage.choices)
    categories = serializers.ListField(child=serializers.CharField())
    location_precision = serializers.ChoiceField(choices=LocationPrecision.choices)
    address = AddressSerializer(help_text="Only the parts public at this precision.")
    languages = serializers.ListField(child=serializers.CharField())
    access = serializers.ListField(child=serializers.ChoiceField(choices=AccessFact.choices))
    open_now = serializers.BooleanField()
    need_kinds = serializers.ListField(child=serializers.ChoiceField(choices=NeedKind.choices))
    verified_on = serializers.DateField(allow_null=True)
    last_confirmed_at = serializers.DateTimeField()
    freshness = serializers.ChoiceField(choices=Freshness.choices)
    updated_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    distance_km = serializers.FloatField(
        required=False,
        help_text="From lat/lng to the public point; whole km unless the location is exact.",
    )


class ListingItemSerializer(ListingPropertiesSerializer):
    location = PointSerializer(allow_null=True, help_text="The public point (DESIGN §6).")


class ContactOutSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    value = serializers.CharField()
    label = serializers.CharField(allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices)


class OpeningPeriodOutSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=1, max_value=7)
    opens = serializers.CharField()
    closes = serializers.CharField()


class NeedListingSerializer(serializers.Serializer):
    slug = serializers.CharField()
    url = serializers.URLField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ListingKind.choices)
    location_precision = serializers.ChoiceField(choices=LocationPrecision.choices)
    address = AddressSerializer()


class NeedPropertiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    kind = serializers.ChoiceField(choices=NeedKind.choices)
    title = serializers.DictField(child=serializers.CharField())
    original_language = serializers.ChoiceField(choices=ContentLanguage.choices)
    skills = serializers.ListField(child=serializers.CharField())
    quantity = serializers.IntegerField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=NeedStatus.choices)
    last_confirmed_at = serializers.DateTimeField()
    freshness = serializers.ChoiceField(choices=Freshness.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    listing = NeedListingSerializer()
    distance_km = serializers.FloatField(required=False)


class NeedItemSerializer(NeedPropertiesSerializer):
    location = PointSerializer(allow_null=True)


class NeedDetailPropertiesSerializer(NeedPropertiesSerializer):
    description = serializers.DictField(child=serializers.CharField())


class NeedDetailSerializer(NeedDetailPropertiesSerializer):
    location = PointSerializer(allow_null=True)


class ListingDetailPropertiesSerializer(ListingPropertiesSerializer):
    description = serializers.DictField(child=serializers.CharField())
    eligibility_notes = serializers.DictField(child=serializers.CharField())
    opening_hours_notes = serializers.DictField(child=serializers.CharField())
    opening_hours = OpeningPeriodOutSerializer(many=True)
    timezone = serializers.CharField(allow_blank=True)
    contacts = ContactOutSerializer(many=True, help_text="Those the reader may see.")
    service_area = serializers.JSONField(allow_null=True, help_text="GeoJSON MultiPolygon.")
    ownership_model = serializers.CharField(allow_blank=True)
    legal_form = serializers.CharField(allow_blank=True)
    member_count = serializers.IntegerField(allow_null=True)
    founded_year = serializers.IntegerField(allow_null=True)
    accepts_messages = serializers.BooleanField(
        help_text="Whether POST /api/v1/listings/{slug}/contact/ reaches someone."
    )
    answers_within_days = serializers.IntegerField(
        allow_null=True,
        help_text="Usually answers offers within this many days: the median of the last 180 "
        "days' answered offers, from 3 of them up; null otherwise.",
    )
    needs = NeedItemSerializer(many=True)
    status = serializers.ChoiceField(
        choices=ListingStatus.choices, required=False, help_text="To its leads and moderators."
    )
    moderation_note = serializers.CharField(required=False, allow_blank=True)
    true_location = PointSerializer(
        required=False, help_text="To leads, moderators and organizers granted access (audited)."
    )


class ListingDetailSerializer(ListingDetailPropertiesSerializer):
    location = PointSerializer(allow_null=True)


COUNT_HELP = (
    f"Matches, counted exactly up to {COUNT_AHEAD} past this page; when `count_exact` is "
    "false there are more than `count`."
)


def feature_of(name: str, properties, id_field=None) -> type[serializers.Serializer]:
    return type(
        f"{name}Feature",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=["Feature"]),
            "id": id_field or serializers.IntegerField(),
            "geometry": PointSerializer(allow_null=True),
            "properties": properties(),
        },
    )


def page_of(name: str, item) -> type[serializers.Serializer]:
    return type(
        f"{name}Page",
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(help_text=COUNT_HELP),
            "count_exact": serializers.BooleanField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


def collection_of(name: str, feature) -> type[serializers.Serializer]:
    return type(
        f"{name}FeatureCollection",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=["FeatureCollection"]),
            "count": serializers.IntegerField(help_text=COUNT_HELP),
            "count_exact": serializers.BooleanField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "features": feature(many=True),
        },
    )


ListingFeature = feature_of("Listing", ListingPropertiesSerializer)
ListingDetailFeature = feature_of("ListingDetail", ListingDetailPropertiesSerializer)
NeedFeature = feature_of("Need", NeedPropertiesSerializer)
NeedDetailFeature = feature_of("NeedDetail", NeedDetailPropertiesSerializer)

ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in (
        (400, "Invalid input: the fields and what is wrong with them."),
        (401, "Sign in (session) or send a token."),
        (403, "Not allowed."),
        (404, "Not found."),
        (405, "Method not allowed."),
        (413, "Body too large."),
        (429, "Too many requests; see Retry-After."),
    )
}


def responses(json_shape, geojson_shape, status: int = 200, errors=(400, 404, 429)) -> dict:
    return {
        (status, "application/json"): json_shape,
        (status, "application/geo+json"): geojson_shape,
        **{code: ERRORS[code] for code in errors},
    }


WRITE_ERRORS = (400, 401, 403, 404, 413, 429)
SIMILAR = {
    409: OpenApiResponse(
        SimilarListingsErrorSerializer,
        description="Listings of the same kind with a similar name are within 1 km; nothing "
        "was saved. Ask to join one (`join_url`) or send `different_project: true`.",
    )
}
PAGE = page_parameters()
LISTING_FILTERS = filter_parameters(ListingFilterSet)
NEED_FILTERS = filter_parameters(NeedFilterSet)

listing_viewset = extend_schema_view(
    list=extend_schema(
        summary="Search listings",
        parameters=[*LISTING_FILTERS, FORMAT, *PAGE],
        responses=responses(
            page_of("Listing", ListingItemSerializer), collection_of("Listing", ListingFeature)
        ),
    ),
    retrieve=extend_schema(
        summary="One listing",
        parameters=[FORMAT],
        responses=responses(ListingDetailSerializer, ListingDetailFeature),
    ),
    create=extend_schema(
        summary="Propose a listing (it waits for a moderator)",
        parameters=[FORMAT],
        request=ListingWriteSerializer,
        responses=responses(ListingDetailSerializer, ListingDetailFeature, 201, WRITE_ERRORS)
        | SIMILAR,
    ),
    update=extend_schema(
        summary="Replace a listing",
        parameters=[FORMAT],
        request=ListingWriteSerializer,
        responses=responses(ListingDetailSerializer, ListingDetailFeature, 200, WRITE_ERRORS)
        | SIMILAR,
    ),
    partial_update=extend_schema(
        summary="Change a listing",
        parameters=[FORMAT],
        request=ListingWriteSerializer,
        responses=responses(ListingDetailSerializer, ListingDetailFeature, 200, WRITE_ERRORS)
        | SIMILAR,
    ),
    destroy=extend_schema(
        summary="Archive a listing",
        responses={204: None, **{code: ERRORS[code] for code in WRITE_ERRORS}},
    ),
    hide=extend_schema(
        summary="Hide a listing at once in an emergency, or show it again (its leads)",
        parameters=[FORMAT],
        request=EmergencyHideSerializer,
        responses=responses(ListingDetailSerializer, ListingDetailFeature, 200, WRITE_ERRORS),
    ),
    needs=extend_schema(
        summary="Needs of a listing (GET), or add one (POST)",
        parameters=[*NEED_FILTERS, FORMAT, *PAGE],
        request=NeedWriteSerializer,
        responses={
            (200, "application/json"): page_of("ListingNeed", NeedItemSerializer),
            (200, "application/geo+json"): collection_of("ListingNeed", NeedFeature),
            (201, "application/json"): NeedDetailSerializer,
            (201, "application/geo+json"): NeedDetailFeature,
            **{code: ERRORS[code] for code in WRITE_ERRORS},
        },
    ),
)

need_viewset = extend_schema_view(
    list=extend_schema(
        summary="Search open needs",
        parameters=[*NEED_FILTERS, FORMAT, *PAGE],
        responses=responses(
            page_of("Need", NeedItemSerializer), collection_of("Need", NeedFeature)
        ),
    ),
    retrieve=extend_schema(
        summary="One need",
        parameters=[FORMAT],
        responses=responses(NeedDetailSerializer, NeedDetailFeature),
    ),
    partial_update=extend_schema(
        summary="Change a need",
        parameters=[FORMAT],
        request=NeedWriteSerializer,
        responses=responses(NeedDetailSerializer, NeedDetailFeature, 200, WRITE_ERRORS),
    ),
    destroy=extend_schema(
        summary="Close a need",
        responses={204: None, **{code: ERRORS[code] for code in WRITE_ERRORS}},
    ),
)
