"""Exports with the listing filters (DESIGN.md §3): a GeoJSON map layer built by PostGIS
in one query, and CSV (defusedcsv: no formula injection). Both carry public data only."""

import io

from defusedcsv import csv
from django.db import connection
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from directory import selectors
from directory.filters import ListingFilterSet, listing_query
from directory.geo import X, Y

from .parameters import filter_parameters, only_format
from .records import public_records
from .renderers import GeoJSONRenderer
from .schema import ERRORS
from .tabular import TABULAR_COLUMNS, tabular_row
from .views import validated_filters

EXPORT_DEFAULT = 5_000
EXPORT_MAX = 10_000
LIMIT = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": EXPORT_MAX, "default": EXPORT_DEFAULT},
    description=(
        "Features at most (default 5,000, at most 10,000); `truncated` says if more matched."
    ),
)


def export_limit(request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return EXPORT_DEFAULT
    if not raw.isdigit() or not 1 <= int(raw) <= EXPORT_MAX:
        raise ValidationError(
            {"limit": [_("Give a whole number from 1 to %(max)d.") % {"max": EXPORT_MAX}]}
        )
    return int(raw)


class PassthroughGeoJSONRenderer(GeoJSONRenderer):
    """Sends JSON that PostGIS already built as is."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes | str):
            return data.encode() if isinstance(data, str) else data
        return super().render(data, accepted_media_type, renderer_context)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes):
            return data
        # Errors reach a CSV client as JSON text; they are rare and must stay readable.
        return GeoJSONRenderer().render(data)


class ExportView(APIView):
    filterset_class = ListingFilterSet

    def matching(self, request):
        data = validated_filters(request, ListingFilterSet, extra={"limit", "format"})
        limit = export_limit(request)
        query = selectors.with_typos_if_none(listing_query(data))
        queryset = selectors.public_listings(query)
        if not query.ordering and query.point is None:
            # A map layer has no order: sorting every match by name to keep 5,000 is waste.
            queryset = queryset.order_by()
        return queryset, limit


@extend_schema(
    summary="A GeoJSON map layer of the listings matching the filters",
    parameters=[*filter_parameters(ListingFilterSet), LIMIT, only_format("geojson")],
    responses={
        (200, "application/geo+json"): OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="FeatureCollection with `truncated` as a foreign member; "
            "features have id, slug, name, kind and location_precision.",
        ),
        400: ERRORS[400],
        429: ERRORS[429],
    },
)
class GeoJSONExport(ExportView):
    renderer_classes = [PassthroughGeoJSONRenderer]

    def get(self, request):
        queryset, limit = self.matching(request)
        # One feature past the limit tells whether the layer is truncated, in the same scan.
        inner = (
            queryset.filter(public_point__isnull=False)
            .annotate(lng=X("public_point"), lat=Y("public_point"))
            .values("id", "slug", "name", "kind", "location_precision", "lng", "lat")[: limit + 1]
        )
        sql, params = inner.query.sql_with_params()
        with connection.cursor() as cursor:
            # The collection is written as text (every string through to_json, so escaped):
            # a third faster than json_build_object per feature for 5,000 features.
            cursor.execute(
                # Django-compiled SQL inside; values bound as parameters.
                'SELECT \'{"type":"FeatureCollection","truncated":\' '  # noqa: S608
                "|| (count(*) > %s)::text || ',\"features\":[' || COALESCE(string_agg(format("
                '\'{"type":"Feature","id":%%s,"geometry":{"type":"Point",'
                '"coordinates":[%%s,%%s]},"properties":{"slug":%%s,"name":%%s,'
                '"kind":%%s,"location_precision":%%s}}\', t.id, '
                "round(t.lng::numeric, 6)::float8, round(t.lat::numeric, 6)::float8, "
                "to_json(t.slug), to_json(t.name), to_json(t.kind), "
                "to_json(t.location_precision)), ',') FILTER (WHERE t.n <= %s), '') || ']}' "
                f"FROM (SELECT *, row_number() OVER () AS n FROM ({sql}) matches) t",
                [limit, limit, *params],
            )
            (body,) = cursor.fetchone()
        return Response(body)


#: Also the columns of the `tejido-csv` import preset: an export loads back as it is.
CSV_COLUMNS = TABULAR_COLUMNS


@extend_schema(
    summary="The listings matching the filters, as CSV",
    parameters=[*filter_parameters(ListingFilterSet), LIMIT, only_format("csv")],
    responses={(200, "text/csv"): OpenApiTypes.STR, 400: ERRORS[400], 429: ERRORS[429]},
)
class CSVExport(ExportView):
    renderer_classes = [CSVRenderer]

    def get(self, request):
        queryset, limit = self.matching(request)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        rows = selectors.public_listing_rows(queryset, with_distance=False)[:limit]
        for record in public_records(request, rows):
            row = tabular_row(record)
            writer.writerow(["" if row[name] is None else row[name] for name in CSV_COLUMNS])
        response = Response(out.getvalue().encode())
        response["Content-Disposition"] = 'attachment; filename="tejido-listings.csv"'
        return response
