"""The GeoPackage export (OGC GeoPackage, what QGIS and ArcGIS open as a file): the listings
matching the filters, public points only, with the columns of the CSV export. GDAL writes
it: `ogr2ogr` (gdal-bin) converts a GeoJSON file of the rows in a temporary directory."""

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import orjson
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.renderers import BaseRenderer

from directory import selectors
from directory.filters import ListingFilterSet

from .exports import LIMIT, ExportView
from .parameters import filter_parameters, only_format
from .records import public_records
from .renderers import JSONRenderer
from .schema import ERRORS, ErrorSerializer
from .tabular import TABULAR_COLUMNS, tabular_row

logger = logging.getLogger(__name__)

GEOPACKAGE = "application/geopackage+sqlite3"
LAYER = "listings"
FILENAME = "tejido-listings.gpkg"
#: Seconds ogr2ogr may take (10,000 features take well under one).
OGR2OGR_TIMEOUT = 120
#: Values the GeoPackage stores as dates and times, null when absent.
_DATES = ("verified_on", "last_confirmed_at", "updated_at")


class GeoPackageUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The GeoPackage export is unavailable at the moment.")
    default_code = "geopackage_unavailable"


class GeoPackageRenderer(BaseRenderer):
    media_type = GEOPACKAGE
    format = "gpkg"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        # The file itself is a FileResponse; errors reach the client as JSON text.
        return JSONRenderer().render(data)


def geojson_features(request, queryset, limit: int) -> list[dict]:
    """RFC 7946 features of the public points, properties as the CSV columns."""
    rows = selectors.public_listing_rows(
        queryset.filter(public_point__isnull=False), with_distance=False
    )[:limit]
    features = []
    for record in public_records(request, rows):
        row = tabular_row(record)
        for name in _DATES:
            row[name] = row[name] or None
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": record.coordinates},
                "properties": {name: row[name] for name in TABULAR_COLUMNS},
            }
        )
    return features


def write_geopackage(features: list[dict], directory: Path) -> Path:
    """A GeoPackage of `features` (one point layer, EPSG:4326) written by ogr2ogr."""
    ogr2ogr = shutil.which("ogr2ogr")
    if ogr2ogr is None:
        raise GeoPackageUnavailable
    source, target = directory / "listings.geojson", directory / FILENAME
    source.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": features}))
    command = [ogr2ogr, "-f", "GPKG", "-nln", LAYER, "-nlt", "POINT", "-a_srs", "EPSG:4326"]
    try:
        subprocess.run(  # noqa: S603  (a fixed command; paths of our own temporary directory)
            [*command, str(target), str(source)],
            check=True,
            capture_output=True,
            timeout=OGR2OGR_TIMEOUT,
            env={**os.environ, "OGR_GEOJSON_MAX_OBJ_SIZE": "0"},
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        logger.error("ogr2ogr could not write the GeoPackage: %s", getattr(error, "stderr", ""))
        raise GeoPackageUnavailable from error
    return target


@extend_schema(
    summary="The listings matching the filters, as a GeoPackage (public points only)",
    parameters=[*filter_parameters(ListingFilterSet), LIMIT, only_format("gpkg")],
    responses={
        (200, GEOPACKAGE): OpenApiResponse(
            OpenApiTypes.BINARY,
            description=f"One point layer `{LAYER}` (EPSG:4326) with the CSV export's columns; "
            "listings without a public point are left out.",
        ),
        400: ERRORS[400],
        429: ERRORS[429],
        503: OpenApiResponse(ErrorSerializer, description="GDAL could not write the file."),
    },
)
class GeoPackageExport(ExportView):
    renderer_classes = [GeoPackageRenderer]

    def get(self, request):
        queryset, limit = self.matching(request)
        features = geojson_features(request, queryset, limit)
        with tempfile.TemporaryDirectory(prefix="tejido-gpkg-") as directory:
            # Opened before the directory goes: the open file outlives its name.
            handle = write_geopackage(features, Path(directory)).open("rb")
        return FileResponse(handle, as_attachment=True, filename=FILENAME, content_type=GEOPACKAGE)
