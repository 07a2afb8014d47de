"""The query parameters of every operation in the OpenAPI document, generated from the
FilterSets that validate the requests (`directory.filters`): names, types, bounds, enums,
repetition and defaults come from the same form fields, so the document and the views
cannot drift apart (tests/api/test_schema_contract.py checks both ways)."""

from django import forms
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from directory.fields import (
    BBoxField,
    CSVMultipleChoiceField,
    FiniteFloatField,
    StrictBooleanField,
    TagListField,
    WeekTimeField,
)
from directory.filters import COUNTRY_CODES, DEFAULT_RADIUS_KM, validate_country
from directory.validators import TAG_PATTERN

from .pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET

NUMBER = r"-?\d+(\.\d+)?"
#: Defaults of parameters whose absence means a value.
DEFAULTS = {"radius_km": DEFAULT_RADIUS_KM}


def _choices(field: forms.ChoiceField) -> list[str]:
    return [str(value) for value, _label in field.choices if value != ""]


def _bounds(field, schema: dict) -> dict:
    for attribute, key in (("min_value", "minimum"), ("max_value", "maximum")):
        value = getattr(field, attribute, None)
        if value is not None:
            schema[key] = value
    return schema


def _lengths(field, schema: dict) -> dict:
    if getattr(field, "min_length", None):
        schema["minLength"] = field.min_length
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def field_schema(field: forms.Field) -> tuple[dict, bool]:
    """(JSON Schema of the parameter's value, whether the parameter repeats)."""
    if isinstance(field, CSVMultipleChoiceField):
        return {"type": "array", "items": {"type": "string", "enum": _choices(field)}}, True
    if isinstance(field, TagListField):
        item = {"type": "string", "pattern": TAG_PATTERN, "maxLength": 50}
        return {"type": "array", "items": item}, True
    if isinstance(field, StrictBooleanField):
        return {"type": "boolean"}, False
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": _choices(field)}, False
    if isinstance(field, FiniteFloatField):
        return _bounds(field, {"type": "number", "format": "double"}), False
    if isinstance(field, forms.IntegerField):
        return _bounds(field, {"type": "integer"}), False
    if isinstance(field, IsoDateTimeField):
        return {"type": "string", "format": "date-time"}, False
    if isinstance(field, BBoxField):
        return {"type": "string", "pattern": f"^{NUMBER},{NUMBER},{NUMBER},{NUMBER}$"}, False
    if isinstance(field, WeekTimeField):
        return _lengths(field, {"type": "string"}), False
    if validate_country in field.validators:
        return {"type": "string", "enum": sorted(COUNTRY_CODES)}, False
    return _lengths(field, {"type": "string"}), False


def filter_parameters(filterset) -> list[OpenApiParameter]:
    """One query parameter per filter of `filterset`, described from its form field."""
    parameters = []
    for name, filter_ in filterset.base_filters.items():
        field = filter_.field
        schema, repeats = field_schema(field)
        if name in DEFAULTS:
            schema["default"] = DEFAULTS[name]
        parameters.append(
            OpenApiParameter(
                name,
                schema,
                location=OpenApiParameter.QUERY,
                required=bool(field.required),
                description=str(filter_.label or name),
                style="form",
                explode=True if repeats else None,
            )
        )
    return parameters


def page_parameters(max_limit: int = MAX_LIMIT, default: int = DEFAULT_LIMIT) -> list:
    default = min(default, max_limit)
    return [
        OpenApiParameter(
            "limit",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": max_limit,
                "default": min(default, max_limit),
            },
            description=f"Results per page (default {default}, at most {max_limit}).",
        ),
        OpenApiParameter(
            "offset",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
            description=f"Index of the first result (at most {MAX_OFFSET:,}).",
        ),
    ]


FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "geojson"],
    description=(
        "geojson: an RFC 7946 Feature or FeatureCollection (or Accept: application/geo+json)."
    ),
)


def only_format(name: str) -> OpenApiParameter:
    """`format` of an operation that answers in one format only."""
    return OpenApiParameter(
        "format", OpenApiTypes.STR, enum=[name], description=f"Always {name} here."
    )
