"""The few PostGIS expressions Tejido relies on, as named Django expressions, and the
validation every stored geometry goes through."""

import math

from django.contrib.gis.db import models as gis_models
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db.models import FloatField, Func
from django.utils.translation import gettext_lazy as _

SRID = 4326


class GridCellCentre(Func):
    """Centre of the fixed grid cell (1/`cells_per_degree` degrees wide) holding a point.

    The arithmetic mirrors `directory.privacy.grid_cell_centre` operation for operation, so
    Python and PostgreSQL agree to the last bit on IEEE doubles.
    """

    output_field = gis_models.PointField(srid=SRID)
    arity = 1

    def __init__(self, expression, *, cells_per_degree: int, **extra):
        k = int(cells_per_degree)
        template = (
            "ST_SetSRID(ST_MakePoint("
            f"(LEAST(floor(ST_X(%(expressions)s) * {k}), {180 * k - 1}) + 0.5) / {k}, "
            f"(LEAST(floor(ST_Y(%(expressions)s) * {k}), {90 * k - 1}) + 0.5) / {k}"
            f"), {SRID})"
        )
        super().__init__(expression, template=template, **extra)


def validate_point(point: Point | None) -> None:
    """Refuse a point that is not a finite WGS84 longitude/latitude pair."""
    if point is None:
        return
    if point.srid not in (None, SRID):
        raise ValidationError(_("Coordinates must be WGS84 (EPSG:4326)."), code="srid")
    lng, lat = point.x, point.y
    if not (math.isfinite(lng) and math.isfinite(lat)):
        raise ValidationError(_("Coordinates must be finite numbers."), code="not_finite")
    if not -180 <= lng <= 180:
        raise ValidationError(
            _("Longitude %(value)s is outside -180..180."), code="longitude", params={"value": lng}
        )
    if not -90 <= lat <= 90:
        raise ValidationError(
            _("Latitude %(value)s is outside -90..90."), code="latitude", params={"value": lat}
        )


def validate_area(geom: GEOSGeometry | None) -> None:
    """Refuse an area that is empty, invalid (self-intersecting...) or outside WGS84 bounds."""
    if geom is None:
        return
    if geom.srid not in (None, SRID):
        raise ValidationError(_("Geometry must be WGS84 (EPSG:4326)."), code="srid")
    if not isinstance(geom, Polygon | MultiPolygon):
        raise ValidationError(_("An area must be a polygon or multipolygon."), code="geom_type")
    if geom.empty:
        raise ValidationError(_("The area is empty."), code="empty")
    if not all(math.isfinite(c) for c in geom.extent):
        raise ValidationError(_("Coordinates must be finite numbers."), code="not_finite")
    min_x, min_y, max_x, max_y = geom.extent
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise ValidationError(_("The area reaches outside -180..180 / -90..90."), code="bounds")
    if not geom.valid:
        raise ValidationError(
            _("The area is not a valid polygon: %(reason)s."),
            code="invalid",
            params={"reason": geom.valid_reason},
        )


def as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    """Wrap a polygon as a multipolygon; leave a multipolygon as it is."""
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    return geom


class AsGeography(Func):
    """`geom::geography`: distances in metres on the sphere (`Listing.public_geog`)."""

    template = "(%(expressions)s)::geography"
    arity = 1

    def __init__(self, expression, **extra):
        extra.setdefault("output_field", gis_models.GeometryField(srid=SRID, geography=True))
        super().__init__(expression, **extra)


class X(Func):
    """Longitude of a point, as a float."""

    function = "ST_X"
    output_field = FloatField()


class Y(Func):
    """Latitude of a point, as a float."""

    function = "ST_Y"
    output_field = FloatField()


def area_from_geojson(value: dict) -> MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon built with GEOS (never parsed by GDAL); raises
    ValueError naming the problem when the structure is not a polygonal geometry."""
    kind, coordinates = value.get("type"), value.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        raise ValueError("a GeoJSON Polygon or MultiPolygon is needed")
    if not polygons or len(polygons) > 1000:
        raise ValueError("between 1 and 1000 polygons are needed")
    built = []
    for rings in polygons:
        if not isinstance(rings, list) or not rings:
            raise ValueError("a polygon is a list of rings")
        linear = []
        for ring in rings:
            if not isinstance(ring, list) or not 4 <= len(ring) <= 100_000:
                raise ValueError("a ring needs 4 or more positions")
            positions = []
            for position in ring:
                if (
                    not isinstance(position, list)
                    or len(position) not in (2, 3)
                    or not all(
                        isinstance(c, int | float) and not isinstance(c, bool) for c in position
                    )
                ):
                    raise ValueError("a position is [longitude, latitude]")
                positions.append((float(position[0]), float(position[1])))
            if positions[0] != positions[-1]:
                raise ValueError("a ring must end where it starts")
            linear.append(positions)
        built.append(Polygon(*linear, srid=SRID))
    return MultiPolygon(built, srid=SRID)
