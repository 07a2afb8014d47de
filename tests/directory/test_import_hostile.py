"""Hostile files, as a property: whatever the rows of a file hold (over-long values in every
column, NUL bytes, lone surrogates, formula prefixes, coordinates written as text, NaN and
infinities, quoted newlines) and however the file is written (UTF-8 with or without BOM,
Windows-1252, Latin-1, CRLF or lone CR line ends, `;` or tab separators, duplicate or missing
header columns, empty lines, a separator at the end of each line), for every preset and for
GeoPackage and FlatGeobuf files:

- no run raises (a file that cannot be read at all is refused as a whole, ReadFailed);
- the dry run and the commit report the same outcome, row by row;
- the commit writes exactly the rows reported `created` or `updated`;
- a second run reports every row it wrote `unchanged`, and the rejected rows rejected again.

Seeded and bounded (`derandomize`, a few dozen examples per format) so that `make test` runs
the same examples every time.
"""

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.choices import AccessFact, ListingKind
from directory.importing.presets import PRESETS
from directory.importing.readers import ReadFailed
from directory.importing.run import ImportResult, run_import
from directory.models import Listing, ListingSource

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_boundaries")]

EXAMPLES = 25
PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# --- Values -------------------------------------------------------------------------------

#: Text as files carry it, surrogates aside (they only come from JSON: see `json_text`).
plain_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
over_long = st.builds(
    lambda char, n: char * n,
    st.characters(exclude_categories=["Cs", "Cc"]),
    st.sampled_from([21, 65, 101, 121, 151, 201, 301, 501, 2001, 10_001]),
)
nasty = st.one_of(
    st.builds(lambda a, b: f"{a}\x00{b}", plain_text, plain_text),
    st.builds(lambda p, t: p + t, st.sampled_from(["=", "+", "-", "@", "=HYPERLINK("]), plain_text),
    st.builds(
        lambda a, b, nl: f"{a}{nl}{b}",
        plain_text,
        plain_text,
        st.sampled_from(["\n", "\r", "\r\n"]),
    ),
    st.sampled_from(["", " ", '"', '""', "'", ";", "\t", ",", "\ufeff", "\u00e1\u00f1", "\u202e"]),
)
hostile = st.one_of(plain_text, over_long, nasty)
#: Lone surrogates: JSON can write them ("\ud800"), no UTF-8 file can.
json_text = st.one_of(hostile, st.builds(lambda t: t + "\ud800", plain_text))


# Points around Saint Paul, Minnesota, inside the loaded US and Minnesota outlines.
BAD_COORDINATES = ["44,95", "-93,09", "NaN", "nan", "inf", "-Infinity", "1e400", "95", "190"]
BAD_COORDINATES += ["44.9.5", "1,234.5", "—93", "x", "-93.09", "44.95"]
names = st.sampled_from(["Cocina Comunitaria", "Cocina Comunitaria de Saint Paul", "Red de Apoyo"])
names = names.flatmap(lambda base: st.integers(0, 3).map(lambda n: f"{base} {n}" if n else base))
#: A good value for every column.
VALID = {
    "source_id": st.integers(1, 12).map(str),
    "name": names,
    "kind": st.sampled_from(ListingKind.values),
    "lat": st.floats(44.90, 45.00).map(lambda v: f"{v:.5f}"),
    "lng": st.floats(-93.20, -93.00).map(lambda v: f"{v:.5f}"),
    "street_address": st.sampled_from(["123 Main St", ""]),
    "locality": st.sampled_from(["Saint Paul", "Minneapolis", ""]),
    "admin1": st.sampled_from(["MN", "Minnesota", ""]),
    "postal_code": st.sampled_from(["55101", "55102", ""]),
    "country": st.sampled_from(["US", "USA", "United States", ""]),
    "website": st.sampled_from(["https://red.example.org", "red.example.org", ""]),
    "email": st.sampled_from(["red@example.org", ""]),
    "phone": st.sampled_from(["+1 651 555 0100", "651-555-0100", ""]),
    "summary": plain_text,
    "description": plain_text,
    "language": st.sampled_from(["en", "es", "pt", "fr", "EN", ""]),
    "categories": st.sampled_from(["food-banks", "housing;food-coops", ""]),
    "access": st.sampled_from([*AccessFact.values, "free;walk_in", ""]),
    "opening_hours": st.sampled_from(["Mo-Fr 09:00-17:00", "24/7", "Su off", "Mo 9-5", ""]),
    "languages": st.sampled_from(["es", "es en", "nah", ""]),
    "location_precision": st.sampled_from(["exact", "area", "region", "hidden", ""]),
}
#: A bad value for a column: hostile text, or what real files get wrong there.
BAD = {
    "lat": st.one_of(hostile, st.sampled_from(BAD_COORDINATES)),
    "lng": st.one_of(hostile, st.sampled_from(BAD_COORDINATES)),
    "country": st.one_of(hostile, st.sampled_from(["Mexico", "Canadá", "XX", "U.S."])),
    "admin1": st.one_of(hostile, st.sampled_from(["WI", "Texas", "Ontario"])),
    "website": st.one_of(hostile, st.just("https://example.org/track?u=" + "a" * 300)),
    "email": st.one_of(hostile, st.sampled_from(["red@", "a@" + "b" * 300 + ".org"])),
    "phone": st.one_of(hostile, st.sampled_from(["12", "+1" + "5" * 40])),
    "languages": st.one_of(hostile, st.sampled_from(["123", "en-x-abcdefgh-abc", "EN"])),
    "categories": st.one_of(hostile, st.sampled_from(["nope", "https://example.org/x"])),
    "access": st.one_of(hostile, st.sampled_from(["always", "free;free"])),
}


@st.composite
def hostile_rows(draw, text=hostile):
    """A good row with a few of its columns made bad (none, most often one or two)."""
    row = {name: draw(strategy) for name, strategy in VALID.items()}
    for name in draw(st.lists(st.sampled_from(sorted(VALID)), max_size=3, unique=True)):
        row[name] = draw(BAD.get(name, text))
    return row


rows = st.lists(hostile_rows(), min_size=1, max_size=8)

# --- Files --------------------------------------------------------------------------------

file_shape = st.fixed_dictionaries(
    {
        "encoding": st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]),
        "newline": st.sampled_from(["\n", "\r\n", "\r"]),
        "delimiter": st.sampled_from([",", ";", "\t"]),
        "duplicate": st.sampled_from([None, None, None, "name", "lat", "country"]),
        "missing": st.sampled_from([None, None, None, None, None, "kind", "website"]),
        "empty_lines": st.booleans(),
        "trailing": st.booleans(),
    }
)


def source_columns(preset: str) -> dict[str, str]:
    """The file's column for each Tejido field under `preset` (its first choice)."""
    mapping = PRESETS[preset]()
    columns = {}
    for name in VALID:
        field = "precision" if name == "location_precision" else name
        choices = mapping.columns.get(field, [name])
        columns[name] = next((c for c in choices if not any(p.isdigit() for p in c.split("."))), "")
    return {name: column for name, column in columns.items() if column}


def write_csv(path: Path, preset: str, items: list[dict], shape: dict) -> Path:
    columns = source_columns(preset)
    header = list(columns.values())
    if shape["missing"] in columns:
        header.remove(columns[shape["missing"]])  # the rows keep that field: one too many
    if shape["duplicate"] in columns:
        header.append(columns[shape["duplicate"]])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=shape["delimiter"], lineterminator=shape["newline"])
    writer.writerow(header + ([""] if shape["trailing"] else []))
    for item in items:
        cells = [item[name] for name in columns]
        if shape["duplicate"] in columns:
            cells.append(item[shape["duplicate"]])
        writer.writerow(cells + ([""] if shape["trailing"] else []))
        if shape["empty_lines"]:
            buffer.write(shape["newline"])
    path.write_bytes(buffer.getvalue().encode(shape["encoding"], errors="replace"))
    return path


def nested(columns: dict[str, str], item: dict) -> dict:
    """JSON members from dotted columns (`geolocation.lat` -> {"geolocation": {"lat": ...}})."""
    out: dict = {}
    for name, column in columns.items():
        target = out
        *parents, last = column.split(".")
        for part in parents:
            target = target.setdefault(part, {}) if isinstance(target.get(part, {}), dict) else {}
        target[last] = item[name]
    return out


def number(text: str):
    """A coordinate as JSON may hold it: a number when it reads as one (NaN and infinities
    included: Python's JSON writes them), else the text."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


def write_json(path: Path, preset: str, items: list[dict]) -> Path:
    columns = source_columns(preset)
    if preset in ("tejido-geojson", "osm"):
        features = []
        for item in items:
            properties = nested({k: v for k, v in columns.items() if k not in ("lat", "lng")}, item)
            if preset == "osm":
                properties["type_of_initiative"] = item["categories"]
            point = [number(item["lng"]), number(item["lat"])]
            geometry = {"type": "Point", "coordinates": point}
            features.append({"type": "Feature", "properties": properties, "geometry": geometry})
        data = {"type": "FeatureCollection", "features": features}
    else:
        entries = []
        for item in items:
            entry = nested(
                columns, {**item, "lat": number(item["lat"]), "lng": number(item["lng"])}
            )
            if preset == "kvm":
                entry["tags"] = item["categories"].split(";")
            entries.append(entry)
        data = {"visible": entries} if preset == "kvm" else {"data": entries}
    # Lone surrogates travel as JSON escapes ("\ud800"), as other programs write them.
    path.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
    return path


def write_gis(path: Path, items: list[dict], driver: str) -> Path:
    """A GeoPackage or FlatGeobuf in the tejido-csv columns (what Tejido's GeoPackage export
    writes), made by GDAL's ogr2ogr from GeoJSON."""
    columns = source_columns("tejido-csv")
    features = [
        {
            "type": "Feature",
            "properties": {
                column: item[name] for name, column in columns.items() if name not in ("lat", "lng")
            },
            "geometry": {
                "type": "Point",
                "coordinates": [number(item["lng"]), number(item["lat"])],
            },
        }
        for item in items
    ]
    source = path.with_suffix(".geojson")
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    done = subprocess.run(
        ["ogr2ogr", "-f", driver, str(path), str(source)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        # GDAL refused the GeoJSON it was given (NaN coordinates): not a file to import.
        raise _NoFile
    return path


class _NoFile(Exception):
    pass


# --- The property -----------------------------------------------------------------------------


def outcomes(result: ImportResult) -> list[tuple[int, str, str]]:
    return [(row.line, row.source_id, row.outcome) for row in result.rows]


def check_import(path: Path, preset: str, source: str) -> None:
    mapping = PRESETS[preset]
    with transaction.atomic():
        try:
            dry = run_import(path, mapping(), source=source)
            print("READ", preset)
        except ReadFailed as e:
            print("READFAILED", preset, e)
            # A file refused as a whole is refused by the commit too, which writes nothing.
            with pytest.raises(ReadFailed):
                run_import(path, mapping(), source=source, commit=True)
            assert not ListingSource.objects.filter(source=source).exists()
            transaction.set_rollback(True)
            return
        assert not ListingSource.objects.filter(source=source).exists()

        committed = run_import(path, mapping(), source=source, commit=True)
        print(
            "OUTCOMES",
            preset,
            sorted(__import__("collections").Counter(r.outcome for r in committed.rows).items()),
            [r.error[:60] for r in committed.rows if r.error][:3],
        )

        assert outcomes(committed) == outcomes(dry)
        assert [row.error for row in committed.rows] == [row.error for row in dry.rows]
        written = {row.source_id for row in committed.rows if row.outcome in ("created", "updated")}
        stored = set(
            ListingSource.objects.filter(source=source).values_list("source_id", flat=True)
        )
        assert stored == written
        assert Listing.objects.filter(sources__source=source).count() == len(written)

        again = run_import(path, mapping(), source=source, commit=True)

        assert [row.outcome for row in again.rows] == [
            "unchanged" if row.outcome in ("created", "updated") else row.outcome
            for row in committed.rows
        ]
        transaction.set_rollback(True)


@PROPERTY
@given(items=rows, shape=file_shape)
def test_a_hostile_csv_imports_what_its_dry_run_said(tmp_path_factory, items, shape):
    path = write_csv(tmp_path_factory.mktemp("csv") / "hostile.csv", "tejido-csv", items, shape)
    check_import(path, "tejido-csv", "hostile-csv")


@PROPERTY
@given(items=rows, shape=file_shape)
def test_a_hostile_coopsuk_csv_imports_what_its_dry_run_said(tmp_path_factory, items, shape):
    path = write_csv(tmp_path_factory.mktemp("coopsuk") / "hostile.csv", "coopsuk", items, shape)
    check_import(path, "coopsuk", "hostile-coopsuk")


json_rows = st.lists(hostile_rows(text=json_text), min_size=1, max_size=8)


@pytest.mark.parametrize("preset", ["tejido-geojson", "osm", "murmurations", "kvm"])
@PROPERTY
@given(items=json_rows)
def test_a_hostile_json_file_imports_what_its_dry_run_said(tmp_path_factory, preset, items):
    suffix = ".geojson" if preset in ("tejido-geojson", "osm") else ".json"
    path = write_json(tmp_path_factory.mktemp("json") / f"hostile{suffix}", preset, items)
    check_import(path, preset, f"hostile-{preset}")


@pytest.mark.parametrize(("driver", "suffix"), [("GPKG", ".gpkg"), ("FlatGeobuf", ".fgb")])
@PROPERTY
@given(items=rows)
def test_a_hostile_gis_file_imports_what_its_dry_run_said(tmp_path_factory, driver, suffix, items):
    try:
        path = write_gis(tmp_path_factory.mktemp("gis") / f"hostile{suffix}", items, driver)
    except _NoFile:
        return
    check_import(path, "tejido-csv", f"hostile-{driver}")
