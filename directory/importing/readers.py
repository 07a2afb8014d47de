"""Reading import files into records: CSV (any delimiter, UTF-8 or Latin-1), GeoJSON (with
or without an old-style `crs`), JSON shapes of directories (Murmurations, Karte von morgen)
and GeoPackage, shapefile (also zipped) and FlatGeobuf through GDAL, with those drivers only.

A record is one input row: its line (or feature number), its values as read, and its
geometry in WGS84 if the format carries one. A file that cannot be read to its end raises
`ReadFailed`: the import then writes nothing.
"""

import csv
import io
import json
from ctypes import c_char_p
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.gdal import DataSource, Driver, GDALException
from django.contrib.gis.gdal.prototypes import ds as ds_api
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..geo import SRID

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
GDAL_SUFFIXES = {".gpkg", ".shp", ".fgb", ".zip"}
#: The only GDAL drivers that may open a file (GDAL picks a driver by content, not by name:
#: without this list a ".gpkg" holding a VRT could make GDAL read any local file or URL, and
#: GML fetches remote schemas). None of these reads another file or the network.
GDAL_DRIVERS = (b"GPKG", b"ESRI Shapefile", b"FlatGeobuf")
SNIFF_BYTES = 64 * 1024


class ReadFailed(Exception):
    """The file is broken (invalid JSON, a truncated CSV...): nothing may be imported.
    `code` says what is wrong for pages that explain it (empty, encoding, csv, json,
    shape, crs, gis, kind); `line` where, when known."""

    def __init__(self, message: str, *, code: str = "broken", line: int | None = None):
        super().__init__(message)
        self.code = code
        self.line = line


@dataclass
class Record:
    line: int
    values: dict
    geometry: GEOSGeometry | None = None
    #: Reading problems of this record (a geometry that could not be read...).
    warnings: list[str] = field(default_factory=list)
    #: Why the record cannot be imported at all, found while reading.
    error: str = ""


@dataclass
class ReadResult:
    records: list[Record]
    #: Notes about the whole file (the encoding it was read with...).
    notes: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """Text of a file in UTF-8 (with or without BOM), else Windows-1252 (what spreadsheets
    save as "CSV" on Windows), else Latin-1; and the one used."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding.removesuffix("-sig")
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _looks_binary(sample: str) -> bool:
    """UTF-16 text or a binary file: NULs all through the sample (one NUL in a cell is a
    row's problem, not the file's)."""
    return sample.count("\x00") > max(8, len(sample) // 100)


def read_csv(path: Path) -> ReadResult:
    text, encoding = decode(path.read_bytes())
    if _looks_binary(text[:SNIFF_BYTES]):
        # Latin-1 decodes any bytes: NULs are what UTF-16 text or a binary file shows.
        raise ReadFailed(
            _(
                "%(file)s is not a text file in UTF-8 or Latin-1 (is it UTF-16, or a "
                "spreadsheet saved in its own format?)."
            )
            % {"file": path.name},
            code="encoding",
        )
    notes = {
        "utf-8": [],
        "cp1252": [_("The file was read as Windows-1252 (Latin-1): it is not UTF-8.")],
        "latin-1": [_("The file was read as Latin-1: it is not UTF-8.")],
    }[encoding]
    try:
        dialect = csv.Sniffer().sniff(text[:SNIFF_BYTES], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        # The sample is too irregular for the sniffer: the commonest candidate of line 1.
        first = text.split("\n", 1)[0]
        delimiter = max(",;\t|", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration as error:
        raise ReadFailed(_("%(file)s is empty.") % {"file": path.name}, code="empty") from error
    except csv.Error as error:
        raise ReadFailed(
            # Translators: %(error)s is the CSV reader's own explanation, in English.
            _("The header of %(file)s cannot be read (%(error)s).")
            % {"file": path.name, "error": error},
            code="csv",
            line=1,
        ) from error
    columns = _columns(header, notes)
    records: list[Record] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            while len(row) > len(header) and not row[-1].strip():
                row.pop()  # a separator at the end of the line: no value
            record = Record(line=reader.line_num, values=_values(columns, row))
            if len(row) != len(header):
                record.error = ngettext(
                    "The row has %(count)s field where the header has %(header)s.",
                    "The row has %(count)s fields where the header has %(header)s.",
                    len(row),
                ) % {"count": len(row), "header": len(header)}
            records.append(record)
    except csv.Error as error:
        raise ReadFailed(
            # Translators: %(error)s is the CSV reader's own explanation, in English.
            _("%(file)s cannot be read on line %(line)s (%(error)s).")
            % {"file": path.name, "line": reader.line_num, "error": error},
            code="csv",
            line=reader.line_num,
        ) from error
    if records and records[-1].error and not text.endswith(("\n", "\r")):
        # A short last row without its line end: the file was cut off.
        raise ReadFailed(
            _("%(file)s ends in the middle of line %(line)s: the file was cut off.")
            % {"file": path.name, "line": records[-1].line},
            code="csv",
            line=records[-1].line,
        )
    return ReadResult(records, notes)


def _columns(header: list[str], notes: list[str]) -> list[tuple[int, str]]:
    """(position, name) of the columns a row's values are read from: the first of columns
    of the same name (each repeated name noted), none without a name."""
    seen: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            continue
        if name in seen:
            notes.append(
                _("The column “%(column)s” appears more than once: only the first is read.")
                % {"column": name}
            )
            continue
        seen[name] = position
    return sorted((position, name) for name, position in seen.items())


def _values(columns: list[tuple[int, str]], row: list[str]) -> dict:
    return {name: row[position] for position, name in columns if position < len(row)}


def _crs_srid(data: dict) -> int:
    """SRID of an old GeoJSON (2008) `crs` member; RFC 7946 files are WGS84."""
    name = str(((data.get("crs") or {}).get("properties") or {}).get("name", ""))
    if not name or name.upper().endswith(("CRS84", "CRS:84")):
        return SRID
    code = name.rsplit(":", 1)[-1]
    if not code.isdigit():
        raise ReadFailed(
            _("The coordinate reference system “%(crs)s” is unknown.") % {"crs": name},
            code="crs",
        )
    return int(code)


def geometry_from_geojson(geometry: dict | None, srid: int) -> GEOSGeometry | None:
    if not geometry:
        return None
    geom = GEOSGeometry(json.dumps(geometry))
    geom.srid = srid
    if srid != SRID:
        geom.transform(SRID)
    return geom


def load_json(path: Path):
    text, _encoding = decode(path.read_bytes())
    if not text.strip():
        raise ReadFailed(_("%(file)s is empty.") % {"file": path.name}, code="empty")
    try:
        return json.loads(text)
    except RecursionError as error:
        raise ReadFailed(
            _("%(file)s nests its JSON too deeply to be read.") % {"file": path.name},
            code="json",
        ) from error
    except json.JSONDecodeError as error:
        raise ReadFailed(
            # Translators: %(error)s is the JSON reader's own explanation, in English.
            _("%(file)s is not valid JSON: the first error is on line %(line)s (%(error)s).")
            % {"file": path.name, "line": error.lineno, "error": error.msg},
            code="json",
            line=error.lineno,
        ) from error


def read_geojson(path: Path, data: dict) -> ReadResult:
    srid = _crs_srid(data)
    features = data.get("features")
    if not isinstance(features, list):
        raise ReadFailed(
            _("%(file)s is a FeatureCollection without a list of features.") % {"file": path.name},
            code="shape",
        )
    records = []
    for index, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise ReadFailed(
                _("Feature %(number)s of %(file)s is not a GeoJSON feature.")
                % {"number": index, "file": path.name},
                code="shape",
                line=index,
            )
        properties = feature.get("properties") or {}
        record = Record(line=index, values=properties if isinstance(properties, dict) else {})
        if not isinstance(properties, dict):
            record.error = _("The properties of feature %(number)s are not an object.") % {
                "number": index
            }
        if feature.get("id") is not None:
            record.values.setdefault("id", feature["id"])
        try:
            record.geometry = geometry_from_geojson(feature.get("geometry"), srid)
        except (GEOSException, GDALException, ValueError, TypeError) as error:
            record.warnings.append(geometry_unreadable(error))
        records.append(record)
    return ReadResult(records)


def geometry_unreadable(error: Exception) -> str:
    # Translators: %(error)s is the geometry library's own explanation, in English.
    return _("The geometry cannot be read (%(error)s).") % {"error": error}


def json_entries(data) -> list | None:
    """The entries of Murmurations (a list or {"data": [...]}) and Karte von morgen
    ({"visible": [...], "invisible": [...]}) JSON, or None for another shape."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return data["data"]
    if isinstance(data, dict) and ("visible" in data or "invisible" in data):
        return [*(data.get("visible") or []), *(data.get("invisible") or [])]
    return None


def read_json(path: Path) -> ReadResult:
    data = load_json(path)
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return read_geojson(path, data)
    entries = json_entries(data)
    if entries is None:
        raise ReadFailed(
            _(
                "%(file)s is neither GeoJSON nor a list of entries "
                '(a list, {"data": [...]} or {"visible": [...]}).'
            )
            % {"file": path.name},
            code="shape",
        )
    records = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ReadFailed(
                _("Entry %(number)s of %(file)s is not an object.")
                % {"number": index, "file": path.name},
                code="shape",
                line=index,
            )
        records.append(Record(line=index, values=entry))
    return ReadResult(records)


def open_gdal(name: str) -> DataSource:
    """`name` opened read-only by one of GDAL_DRIVERS, or GDALException."""
    Driver.ensure_registered()
    allowed = (c_char_p * (len(GDAL_DRIVERS) + 1))(*GDAL_DRIVERS, None)
    try:
        handle = ds_api.open_ds(
            name.encode(), ds_api.GDAL_OF_READONLY | ds_api.GDAL_OF_VECTOR, allowed, None, None
        )
    except GDALException:
        raise GDALException(_("It is not a GeoPackage, shapefile or FlatGeobuf file.")) from None
    return DataSource(handle, ds_api.get_dataset_driver(handle))


def read_gdal(path: Path) -> ReadResult:
    # GDAL opens a zipped shapefile through its /vsizip/ file system.
    name = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        layer = open_gdal(name)[0]
    except (GDALException, IndexError) as error:
        raise _not_gis(path, error) from error
    srid = layer.srs.srid if layer.srs and layer.srs.srid else SRID
    try:
        return _gdal_records(layer, srid)
    except GDALException as error:
        raise _not_gis(path, error) from error


def _not_gis(path: Path, error: Exception) -> ReadFailed:
    # Translators: %(error)s is GDAL's own explanation, often in English.
    message = _("%(file)s is not a readable GIS file (%(error)s).")
    return ReadFailed(message % {"file": path.name, "error": error}, code="gis")


def _gdal_records(layer, srid: int) -> ReadResult:
    records = []
    for index, feature in enumerate(layer, start=1):
        record = Record(line=index, values={})
        for name in layer.fields:
            try:
                record.values[name] = feature.get(name)
            except (GDALException, ValueError, TypeError, OverflowError) as error:
                # A value GDAL cannot give (text in another encoding, an impossible date).
                record.values[name] = None
                record.error = record.error or _(
                    # Translators: %(error)s is the program's own explanation, in English.
                    "The column “%(column)s” cannot be read (%(error)s)."
                ) % {"column": name, "error": error}
        try:
            geom = feature.geom.geos if feature.geom is not None else None
        except (GDALException, GEOSException) as error:
            record.warnings.append(geometry_unreadable(error))
            geom = None
        if geom is not None and not geom.empty:
            geom.srid = srid
            if srid != SRID:
                geom.transform(SRID)
            record.geometry = geom
        records.append(record)
    return ReadResult(records)


def read_file(path: Path) -> ReadResult:
    """Read every record of `path`, choosing the reader from its suffix."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path)
    if suffix in (".json", ".geojson"):
        return read_json(path)
    if suffix in GDAL_SUFFIXES:
        return read_gdal(path)
    raise ReadFailed(
        _(
            "%(file)s is not a kind of file Tejido reads (CSV, GeoJSON, JSON, GeoPackage or "
            "shapefile)."
        )
        % {"file": path.name},
        code="kind",
    )
