"""Write serializers: what a client may send. Fields not listed are refused (no mass
assignment): status, owners, verification and moderation are never written here."""

from django.conf import settings
from django.contrib.gis.geos import GEOSException, Point
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from directory.choices import (
    AccessFact,
    ContactKind,
    ContentLanguage,
    ListingKind,
    LocationPrecision,
    NeedKind,
    NeedStatus,
    OwnershipModel,
    ReportReason,
    Urgency,
    Visibility,
)
from directory.geo import SRID, area_from_geojson
from directory.models import Category, Listing, Need
from directory.validators import validate_link_count

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, naming them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            read_only = {
                name for name in data if name in self.fields and self.fields[name].read_only
            }
            if unknown or read_only:
                raise serializers.ValidationError(
                    {
                        **{name: [_("Unknown field.")] for name in sorted(unknown)},
                        **{
                            name: [_("This field cannot be written.")] for name in sorted(read_only)
                        },
                    }
                )
        return super().to_internal_value(data)


class TranslationsField(serializers.DictField):
    """Text in one or more content languages: `{"es": "...", "en": "..."}`."""

    def __init__(self, *, max_length: int, **kwargs):
        kwargs.setdefault(
            "child",
            serializers.CharField(
                max_length=max_length, allow_blank=True, validators=[validate_link_count]
            ),
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = set(value) - set(LANGUAGE_CODES)
        if unknown:
            raise serializers.ValidationError(
                _("Languages must be among %(languages)s, not %(unknown)s.")
                % {"languages": ", ".join(LANGUAGE_CODES), "unknown": ", ".join(sorted(unknown))}
            )
        return value


POINT_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
    },
    "required": ["type", "coordinates"],
}
AREA_SCHEMA = {
    "type": "object",
    "description": "GeoJSON Polygon or MultiPolygon (WGS84).",
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array", "items": {"type": "array"}},
    },
    "required": ["type", "coordinates"],
}


@extend_schema_field(POINT_SCHEMA)
class PointField(GeometryField):
    """A GeoJSON Point in WGS84 (longitude, latitude)."""

    def to_internal_value(self, value):
        if isinstance(value, dict):
            coordinates = value.get("coordinates")
            if (
                value.get("type") != "Point"
                or not isinstance(coordinates, list)
                or len(coordinates) != 2
            ):
                raise serializers.ValidationError(
                    _('Give a GeoJSON Point: {"type": "Point", "coordinates": [lng, lat]}.')
                )
            if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates):
                raise serializers.ValidationError(_("Coordinates must be numbers."))
            return Point(float(coordinates[0]), float(coordinates[1]), srid=SRID)
        raise serializers.ValidationError(
            _('Give a GeoJSON Point: {"type": "Point", "coordinates": [lng, lat]}.')
        )


@extend_schema_field(AREA_SCHEMA)
class AreaField(GeometryField):
    """A GeoJSON Polygon or MultiPolygon in WGS84, stored as a MultiPolygon."""

    def to_internal_value(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Give a GeoJSON Polygon or MultiPolygon."))
        try:
            return area_from_geojson(value)
        except (ValueError, TypeError, GEOSException) as error:
            raise serializers.ValidationError(
                _("This is not a valid GeoJSON Polygon or MultiPolygon: %(error)s.")
                % {"error": error}
            ) from error


class AddressSerializer(StrictSerializer):
    street = serializers.CharField(max_length=200, required=False, allow_blank=True)
    locality = serializers.CharField(max_length=120, required=False, allow_blank=True)
    admin1 = serializers.CharField(max_length=120, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(min_length=2, max_length=2)


class ContactSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    value = serializers.CharField(max_length=300)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)


class OpeningPeriodSerializer(StrictSerializer):
    weekday = serializers.IntegerField(min_value=1, max_value=7)
    opens = serializers.TimeField(format="%H:%M")
    closes = serializers.TimeField(format="%H:%M")

    def validate(self, attrs):
        if attrs["opens"] == attrs["closes"]:
            raise serializers.ValidationError({"closes": [_("Closing time equals opening time.")]})
        return attrs


class ListingWriteSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=ListingKind.choices)
    name = serializers.CharField(max_length=200)
    original_language = serializers.ChoiceField(choices=ContentLanguage.choices)
    summary = TranslationsField(max_length=300, required=False)
    description = TranslationsField(max_length=10_000, required=False)
    eligibility_notes = TranslationsField(max_length=2000, required=False)
    opening_hours_notes = TranslationsField(max_length=500, required=False)
    categories = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), many=True, required=False
    )
    location = PointField(required=False, allow_null=True)
    location_precision = serializers.ChoiceField(choices=LocationPrecision.choices)
    address = AddressSerializer()
    service_area = AreaField(required=False, allow_null=True)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=16), max_length=20, required=False
    )
    access = serializers.ListField(
        child=serializers.ChoiceField(choices=AccessFact.choices), max_length=20, required=False
    )
    contacts = ContactSerializer(many=True, required=False, max_length=20)
    opening_hours = OpeningPeriodSerializer(many=True, required=False, max_length=50)
    ownership_model = serializers.ChoiceField(
        choices=OwnershipModel.choices, required=False, allow_blank=True
    )
    legal_form = serializers.CharField(max_length=150, required=False, allow_blank=True)
    member_count = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True
    )
    founded_year = serializers.IntegerField(
        min_value=1800, max_value=2100, required=False, allow_null=True
    )
    different_project = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text=(
            "Save although listings of the same kind with a similar name exist within 1 km "
            "(answered 409 with `similar_listings` otherwise, when the listing is new or its "
            "name, kind or location changes)."
        ),
    )


class NeedWriteSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=NeedKind.choices)
    title = TranslationsField(max_length=200)
    description = TranslationsField(max_length=5000, required=False)
    original_language = serializers.ChoiceField(choices=ContentLanguage.choices)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=20, required=False
    )
    quantity = serializers.IntegerField(
        min_value=0, max_value=1_000_000_000, required=False, allow_null=True
    )
    unit = serializers.CharField(max_length=50, required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=NeedStatus.choices, required=False)

    def validate(self, attrs):
        title = attrs.get("title")
        if title is not None and not any(text.strip() for text in title.values()):
            raise serializers.ValidationError(
                {"title": [_("Give a title in at least one language.")]}
            )
        return attrs


class ReportSerializer(StrictSerializer):
    listing = serializers.SlugRelatedField(slug_field="slug", queryset=Listing.objects.public())
    need = serializers.PrimaryKeyRelatedField(
        queryset=Need.objects.all(), required=False, allow_null=True
    )
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    message = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, validators=[validate_link_count]
    )

    def validate(self, attrs):
        need = attrs.get("need")
        if need is not None and need.listing_id != attrs["listing"].pk:
            raise serializers.ValidationError(
                {"need": [_("This need belongs to another listing.")]}
            )
        return attrs


class EmergencyHideSerializer(StrictSerializer):
    """`hidden: true` takes the listing off every public surface at once; `false` shows it
    again. The reason is for moderators only."""

    hidden = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
