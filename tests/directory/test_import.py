"""`manage.py import_listings`: real open data files, idempotent re-imports, checked rows
and all-or-nothing writes. Expected figures are computed from the files here, not taken
from the importer."""

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from directory.choices import ListingStatus, LocationPrecision
from directory.models import Listing, ListingSource
from tests.factories import ListingFactory, PlaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_boundaries")]

SHARED = Path("/work/shared/data")
COOPSUK = SHARED / "coops" / "coopsuk_open_data_Q2-2023_postcodes.csv"
SSEDAS = SHARED / "solidarity" / "transformap_ssedas_susy.geojson"
ESSGLOBAL = "https://dev.lod.coop/essglobal/2.1/standard/activities-ica/"
HEADER = (
    "source_id,name,kind,lat,lng,street_address,locality,admin1,postal_code,country,"
    "website,email,phone,summary,description,language,categories,access,opening_hours"
)


def shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is missing (the shared open data sets are not on this machine)")
    return path


def run(path, *args, report=None):
    """Run the command; return the report's rows."""
    options = ["--report", str(report)] if report else []
    call_command("import_listings", str(path), *args, *options)
    if report is None:
        return []
    with open(report, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def tejido_csv(tmp_path, *lines, name="listings.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


# --- Co-operatives UK ------------------------------------------------------------------------


def test_coopsuk_import_keeps_every_coop_and_a_second_import_changes_nothing(tmp_path):
    path = shared(COOPSUK)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        source_rows = list(csv.DictReader(handle))
    unplaced = {
        r["Identifier"]
        for r in source_rows
        if not r["Geo Container Latitude"] and not r["Latitude"]
    }
    housing = {
        r["Identifier"] for r in source_rows if r["Primary Activity"] == ESSGLOBAL + "ICA210"
    }
    workers = {
        r["Identifier"]
        for r in source_rows
        if r["Ownership Classification"] in ("Workers", "Employee Trust")
    }

    report = run(path, "--preset", "coopsuk", "--commit", report=tmp_path / "r.csv")

    assert len(report) == len(source_rows)
    outcomes = Counter(row["outcome"] for row in report)
    rejected = {row["source_id"]: row["reason"] for row in report if row["outcome"] == "rejected"}
    assert outcomes["created"] + outcomes["rejected"] == len(source_rows)
    assert all(rejected.values())
    # A rejection is a point outside its country (coordinates are all in range).
    assert all("outside" in reason for reason in rejected.values())
    assert len(rejected) < len(source_rows) / 100
    listings = Listing.objects.filter(sources__source="coopsuk")
    assert listings.count() == outcomes["created"]
    hidden = set(
        listings.filter(location_precision=LocationPrecision.HIDDEN).values_list(
            "sources__source_id", flat=True
        )
    )
    assert hidden == unplaced - set(rejected)
    with_postcode = {r["Identifier"] for r in source_rows if r["Postcode"]} & hidden
    reasons = {row["source_id"]: row["reason"] for row in report}
    assert with_postcode
    for source_id in with_postcode:
        assert re.search(r"no postcode gazetteer for (GB|JE) to place postcode", reasons[source_id])
        assert "kept hidden" in reasons[source_id]
    assert set(
        listings.filter(categories__slug="housing").values_list("sources__source_id", flat=True)
    ) == housing - set(rejected)
    assert listings.filter(ownership_model="workers").count() == len(workers - set(rejected))
    assert set(listings.values_list("status", flat=True)) == {ListingStatus.PENDING}
    assert set(listings.values_list("original_language", flat=True)) == {"en"}
    assert listings.filter(location_precision=LocationPrecision.AREA).count() == (
        outcomes["created"] - len(hidden)
    )

    # Importing the same file again: every row unchanged (or rejected again), nothing written.
    updated_at = dict(Listing.objects.values_list("id", "updated_at"))
    again = run(path, "--preset", "coopsuk", "--commit", report=tmp_path / "again.csv")
    assert Counter(row["outcome"] for row in again) == {
        "unchanged": outcomes["created"],
        "rejected": outcomes["rejected"],
    }
    assert dict(Listing.objects.values_list("id", "updated_at")) == updated_at
    assert ListingSource.objects.count() == outcomes["created"]


# --- TransforMap SSEDAS (OSM-style GeoJSON) ----------------------------------------------------


def test_osm_import_reads_languages_hours_and_messy_keys(tmp_path):
    path = shared(SSEDAS)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    props = {f["properties"]["_id"]: f["properties"] for f in features}

    report = run(path, "--preset", "osm", "--commit", report=tmp_path / "r.csv")

    assert len(report) == len(features)
    rejected = {row["source_id"] for row in report if row["outcome"] == "rejected"}
    assert all(row["reason"] for row in report if row["outcome"] == "rejected")
    listings = Listing.objects.filter(sources__source="osm")
    assert listings.count() == len(features) - len(rejected)
    kept = {key: p for key, p in props.items() if key not in rejected}
    for code in ("es", "fr"):
        with_text = {k for k, p in kept.items() if (p.get(f"description:{code}") or "").strip()}
        assert (
            set(
                listings.exclude(**{f"description_{code}": ""}).values_list(
                    "sources__source_id", flat=True
                )
            )
            == with_text
        )
    german = {k for k, p in kept.items() if p.get("description:de")}
    warned = {row["source_id"] for row in report if "description in de" in row["reason"]}
    assert warned == german
    # The one rule in OSM syntax becomes weekly periods; the free-text ones become notes.
    (osm_hours,) = [k for k, p in kept.items() if p.get("opening_hours") == "Mo-Fr 09:00-17:00"]
    listing = listings.get(sources__source_id=osm_hours)
    assert [(p.weekday, str(p.opens), str(p.closes)) for p in listing.opening_periods.all()] == [
        (day, "09:00:00", "17:00:00") for day in range(1, 6)
    ]
    noted = {k for k, p in kept.items() if p.get("opening_hours") == "siehe Homepage"}
    assert (
        set(
            listings.filter(opening_hours_notes_en="siehe Homepage").values_list(
                "sources__source_id", flat=True
            )
        )
        == noted
    )
    # Mixed spellings of one country end up as its code.
    austria = {
        k
        for k, p in kept.items()
        if (p.get("addr:country") or "").lower() in ("österreich", "austria", "at")
    }
    assert austria
    assert (
        set(listings.filter(country="AT").values_list("sources__source_id", flat=True)) >= austria
    )
    assert set(listings.values_list("status", flat=True)) == {ListingStatus.PENDING}


# --- The tejido-csv format and the checks ----------------------------------------------------


def test_admin1_as_name_iso_code_or_postal_code_is_one_state(tmp_path):
    path = tejido_csv(
        tmp_path,
        "a,Comedor Uno,mutual_aid,44.95,-93.09,,Saint Paul,MN,,US,,,,,,es,,,",
        "b,Comedor Dos,mutual_aid,44.98,-93.27,,Minneapolis,US-MN,,US,,,,,,es,,,",
        "c,Comedor Tres,mutual_aid,46.78,-92.10,,Duluth,Minnesota,,US,,,,,,es,,,",
    )
    report = run(path, "--commit", report=tmp_path / "r.csv")
    assert [row["outcome"] for row in report] == ["created"] * 3
    listings = Listing.objects.order_by("name")
    assert {listing.admin1 for listing in listings} == {"MN"}
    for listing in listings:
        assert "us-minnesota" in listing.regions.values_list("slug", flat=True)


def test_a_point_outside_its_declared_state_or_country_is_rejected(tmp_path):
    path = tejido_csv(
        tmp_path,
        # Madison, Wisconsin, declared in Minnesota.
        "wi,Cooperativa Madison,cooperative,43.07,-89.40,,Madison,MN,,US,,,,,,en,,,",
        # Saint Paul with lat and lng swapped.
        "sw,Cooperativa Volteada,cooperative,-93.09,44.95,,Saint Paul,MN,,US,,,,,,en,,,",
        # Mexico City declared in the US.
        "mx,Cooperativa Lejana,cooperative,19.43,-99.13,,Ciudad de México,,,US,,,,,,es,,,",
        "out,Fuera del Mapa,cooperative,95,-93,,,,,US,,,,,,en,,,",
        # London with lat and lng swapped: both in range, the swapped point is in GB.
        "ldn,London Co-op,cooperative,-0.1276,51.5072,,London,,,GB,,,,,,en,,,",
    )
    report = {row["source_id"]: row for row in run(path, "--commit", report=tmp_path / "r.csv")}
    assert {row["outcome"] for row in report.values()} == {"rejected"}
    assert "outside Minnesota, the state or province the row gives" in report["wi"]["reason"]
    assert "swapped" in report["sw"]["reason"]
    assert "Lat and lng look swapped" in report["ldn"]["reason"]
    assert "outside US, the country the row gives" in report["mx"]["reason"]
    assert "-90..90 / -180..180" in report["out"]["reason"]
    assert not Listing.objects.exists()


def test_unknown_kind_category_and_access_are_rejected_bad_contacts_dropped(tmp_path):
    path = tejido_csv(
        tmp_path,
        "k,Algo,cooperativa_x,44.95,-93.09,,,MN,,US,,,,,,en,,,",
        "c,Otra,cooperative,44.95,-93.09,,,MN,,US,,,,,,en,no-such-category,,",
        "a,Una Más,cooperative,44.95,-93.09,,,MN,,US,,,,,,en,,always_open,",
        "e,Con Correo Malo,cooperative,44.96,-93.10,,,MN,,US,notaurl,bad@,12,,,en,,,",
    )
    report = {row["source_id"]: row for row in run(path, "--commit", report=tmp_path / "r.csv")}
    assert "The kind “cooperativa_x” is unknown" in report["k"]["reason"]
    assert "Unknown categories: no-such-category." in report["c"]["reason"]
    assert "Unknown access facts: always_open." in report["a"]["reason"]
    assert report["e"]["outcome"] == "created"
    for kind in ("website", "email", "phone"):
        assert f"{kind} " in report["e"]["reason"]
    assert not Listing.objects.get().contacts.exists()


def test_dry_run_writes_nothing_and_reports_what_it_would_do(tmp_path):
    path = tejido_csv(
        tmp_path, "a,Comedor Uno,mutual_aid,44.95,-93.09,,Saint Paul,MN,,US,,,,,,es,,,"
    )
    report = run(path, report=tmp_path / "r.csv")
    assert [row["outcome"] for row in report] == ["created"]
    assert not Listing.objects.exists()
    assert not ListingSource.objects.exists()


def test_publish_publishes_otherwise_pending(tmp_path):
    row = "a,Comedor Uno,mutual_aid,44.95,-93.09,,Saint Paul,MN,,US,,,,,,es,food-banks,free,"
    run(tejido_csv(tmp_path, row), "--commit", "--source", "one")
    run(tejido_csv(tmp_path, row, name="b.csv"), "--commit", "--publish", "--source", "two")
    statuses = dict(Listing.objects.values_list("sources__source", "status"))
    assert statuses == {"one": ListingStatus.PENDING, "two": ListingStatus.PUBLISHED}


def test_a_changed_row_updates_its_listing(tmp_path):
    first = "a,Comedor Uno,mutual_aid,44.95,-93.09,,Saint Paul,MN,,US,,,,Sopa.,,es,,,"
    run(tejido_csv(tmp_path, first), "--commit")
    changed = "a,Comedor Uno,mutual_aid,44.95,-93.09,,Saint Paul,MN,,US,,,,Sopa y pan.,,es,,,"
    report = run(tejido_csv(tmp_path, changed), "--commit", report=tmp_path / "r.csv")
    assert [row["outcome"] for row in report] == ["updated"]
    listing = Listing.objects.get()
    assert listing.summary_es == "Sopa y pan."
    assert [h.history_type for h in listing.history.order_by("history_id")] == ["+", "~"]


def test_a_row_without_coordinates_is_placed_by_its_zip_code(tmp_path):
    PlaceFactory(
        kind="postal_code",
        name="Minneapolis",
        ascii_name="minneapolis",
        admin1="MN",
        postal_code="55401",
        point=Point(-93.2683, 44.9854, srid=4326),
    )
    path = tejido_csv(
        tmp_path,
        "z,Despensa,mutual_aid,,,,Minneapolis,Minnesota,55401,US,,,,,,es,,,",
        "n,Sin Lugar,mutual_aid,,,,,,,US,,,,,,es,,,",
    )
    report = {row["source_id"]: row for row in run(path, "--commit", report=tmp_path / "r.csv")}
    assert "ZIP code 55401" in report["z"]["reason"]
    assert report["n"]["outcome"] == "rejected"
    listing = Listing.objects.get()
    assert listing.location_precision == LocationPrecision.AREA
    assert listing.location.coords == (-93.2683, 44.9854)


def test_a_similar_name_within_a_kilometre_is_reported_as_a_possible_duplicate(tmp_path):
    ListingFactory(
        name="Comedor Popular Uno",
        kind="mutual_aid",
        slug="comedor-popular-uno",
        country="US",
        location=Point(-93.0900, 44.9500, srid=4326),
    )
    path = tejido_csv(
        tmp_path,
        "a,Comedor Popular Uno,mutual_aid,44.952,-93.091,,Saint Paul,MN,,US,,,,,,es,,,",
        "b,Comedor Popular Uno.,mutual_aid,44.953,-93.092,,Saint Paul,MN,,US,,,,,,es,,,",
    )
    report = run(path, "--commit", report=tmp_path / "r.csv")
    assert "a duplicate of the listing comedor-popular-uno" in report[0]["reason"]
    assert "a duplicate of line 2." in report[1]["reason"]
    assert [row["outcome"] for row in report] == ["created", "created"]


# --- The language of the reasons ----------------------------------------------------------


def test_the_command_writes_the_reasons_in_the_language_it_is_given(tmp_path):
    path = tmp_path / "languages.csv"
    path.write_text(
        f"{HEADER},location_precision,languages\n"
        "a,Comedor Uno,mutual_aid,44.95,-93.09,,Saint Paul,MN,,US,,,,,,es,,,,,123\n",
        encoding="utf-8",
    )
    english = run(path, report=tmp_path / "en.csv")
    spanish = run(path, "--language", "es", report=tmp_path / "es.csv")
    assert [(row["outcome"], row["reason"]) for row in english] == [
        ("rejected", "“123” is not a language code (use ISO 639, e.g. es, pt, nah).")
    ]
    assert [(row["outcome"], row["reason"]) for row in spanish] == [
        ("rejected", "“123” no es un código de idioma (usa ISO 639, p. ej. es, pt, nah).")
    ]


def test_a_rows_reason_is_translated_when_the_row_is_checked(monkeypatch):
    from directory.choices import ListingKind
    from directory.importing import rows
    from directory.importing.presets import tejido_csv as tejido_csv_mapping
    from directory.importing.readers import Record

    # A catalog that shows which language was active when the reason was made.
    monkeypatch.setattr(rows, "_", lambda message: f"[{translation.get_language()}] {message}")
    record = Record(line=2, values={"name": "Algo", "kind": "cooperativa_x"})
    with translation.override("es"):
        row = rows.build_row(record, tejido_csv_mapping(), rows.Vocabulary())
    kinds = ", ".join(ListingKind.values)
    assert row.error == f"[es] The kind “cooperativa_x” is unknown (use {kinds})."


# --- Broken files and other formats --------------------------------------------------------


def test_a_csv_cut_off_halfway_writes_nothing(tmp_path):
    path = tmp_path / "cut.csv"
    good = "a,Comedor Uno,mutual_aid,44.95,-93.09,,Saint Paul,MN,,US,,,,,,es,,,"
    path.write_text(f'{HEADER}\n{good}\nb,"Comedor Do', encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was written"):
        run(path, "--commit")
    assert not Listing.objects.exists()


def test_invalid_json_halfway_writes_nothing(tmp_path):
    path = tmp_path / "broken.geojson"
    text = shared(SSEDAS).read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(CommandError, match=r"not valid JSON.*Nothing was written"):
        run(path, "--preset", "osm", "--commit")
    assert not Listing.objects.exists()


def test_old_geojson_crs_is_reprojected_and_an_area_keeps_its_shape(tmp_path):
    # A square around Saint Paul in Web Mercator (EPSG:3857), with the 2008 `crs` member.
    square = Point(-93.09, 44.95, srid=4326).transform(3857, clone=True).buffer(2000)
    data = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Red de Ayuda", "addr:country": "US", "_id": "x1"},
                "geometry": json.loads(square.json),
            }
        ],
    }
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = run(path, "--preset", "osm", "--commit", report=tmp_path / "r.csv")
    assert [row["outcome"] for row in report] == ["created"]
    listing = Listing.objects.get()
    assert listing.service_area.contains(listing.location)
    assert abs(listing.location.x + 93.09) < 0.03 and abs(listing.location.y - 44.95) < 0.03


def test_latin1_csv_is_read_and_the_report_says_so(tmp_path):
    path = tmp_path / "latin1.csv"
    row = "a;Cooperativa Ñandú;cooperative;44.95;-93.09;;Saint Paul;MN;;US;;;;;;es;;;"
    path.write_bytes(f"{HEADER.replace(',', ';')}\n{row}\n".encode("latin-1"))
    report = run(path, "--commit", report=tmp_path / "r.csv")
    assert "Latin-1" in report[0]["reason"]
    assert Listing.objects.get().name == "Cooperativa Ñandú"


def test_an_import_fills_the_texts_of_the_rows_language_only(tmp_path):
    # The moderators' page imports in its reader's language: that must not become a copy.
    path = tejido_csv(
        tmp_path, "a,Comedor Uno,mutual_aid,44.95,-93.09,,Saint Paul,MN,,US,,,,Sopa.,,es,,,"
    )
    with translation.override("en"):
        run(path, "--commit")
    listing = Listing.objects.get()
    assert (listing.summary_es, listing.summary_en) == ("Sopa.", "")


def test_tejido_csv_reads_what_the_csv_export_writes(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        f"{HEADER},location_precision,languages\n"
        # Space-separated lists, a phone neutralised by defusedcsv, no point: hidden.
        "h,Refugio,mutual_aid,,,,,MN,,US,,,'+16515550100,'- Cama y comida.,,es,"
        "food-banks shelters,free walk_in,Su 00:00-23:59,hidden,es nah\n",
        encoding="utf-8",
    )
    report = run(path, "--commit", report=tmp_path / "r.csv")
    assert [row["outcome"] for row in report] == ["created"]
    listing = Listing.objects.get()
    assert listing.location is None
    assert listing.location_precision == LocationPrecision.HIDDEN
    assert listing.summary_es == "- Cama y comida."
    assert set(listing.categories.values_list("slug", flat=True)) == {"food-banks", "shelters"}
    assert listing.access == ["free", "walk_in"]
    assert listing.languages == ["es", "nah"]
    assert list(listing.contacts.values_list("kind", "value")) == [("phone", "+16515550100")]


def test_a_similar_name_near_a_hidden_or_area_listing_is_a_possible_duplicate(tmp_path):
    # Neither has its true point in public: the check still compares true points.
    ListingFactory(
        name="Refugio Nocturno Norte",
        kind="mutual_aid",
        slug="refugio-nocturno-norte",
        country="US",
        location=Point(-93.0900, 44.9500, srid=4326),
        location_precision=LocationPrecision.HIDDEN,
    )
    ListingFactory(
        name="Despensa del Barrio Este",
        kind="mutual_aid",
        slug="despensa-del-barrio-este",
        country="US",
        location=Point(-93.2000, 44.9800, srid=4326),
        location_precision=LocationPrecision.REGION,
    )
    path = tejido_csv(
        tmp_path,
        "a,Refugio Nocturno Norte,mutual_aid,44.951,-93.091,,Saint Paul,MN,,US,,,,,,es,,,",
        "b,Despensa del Barrio Este,mutual_aid,44.981,-93.201,,Saint Paul,MN,,US,,,,,,es,,,",
        "c,Despensa del Barrio Este,mutual_aid,45.10,-93.40,,Saint Paul,MN,,US,,,,,,es,,,",
    )
    report = run(path, report=tmp_path / "r.csv")
    assert "a duplicate of the listing refugio-nocturno-norte" in report[0]["reason"]
    assert "a duplicate of the listing despensa-del-barrio-este" in report[1]["reason"]
    assert "duplicate" not in report[2]["reason"]  # the same name 20 km away


@pytest.mark.parametrize("name", ["listings.gpkg", "listings.fgb", "listings.zip"])
def test_a_gis_file_that_points_gdal_at_another_file_is_refused(tmp_path, name):
    """GDAL chooses a driver by content: a VRT named like a GeoPackage (or zipped as a
    shapefile) would read any file the server can. Only the GeoPackage, shapefile and
    FlatGeobuf drivers may open an upload."""
    import zipfile

    from directory.importing.readers import ReadFailed, read_file

    secret = tmp_path / "secret.csv"
    secret.write_text("name,kind,lat,lng\nSecret place,cooperative,19.4,-99.1\n")
    vrt = (
        f"<OGRVRTDataSource><OGRVRTLayer name='secret'><SrcDataSource>{secret}"
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    path = tmp_path / name
    if name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("listings.vrt", vrt)
    else:
        path.write_text(vrt)
    with pytest.raises(ReadFailed) as failed:
        read_file(path)
    assert "Secret place" not in str(failed.value)
    # The same file opened the way GDAL opens by default is read: the check is not vacuous.
    from django.contrib.gis.gdal import DataSource

    opened = DataSource(f"/vsizip/{path}" if name.endswith(".zip") else str(path))
    assert [feature.get("name") for feature in opened[0]] == ["Secret place"]
