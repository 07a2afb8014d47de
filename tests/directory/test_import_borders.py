"""The importer's border checks where the generalised outlines are coarse: islands, coasts and
a land border. Natural Earth's 50m countries leave the Chesapeake Bay's islands out of the
United States and put downtown El Paso inside Mexico; the Census states are finer. A row that
declares a state has its state checked in every case, the country's tolerance or not."""

import csv

import pytest
from django.core.management import call_command

from directory.models import Listing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_boundaries")]

HEADER = (
    "source_id,name,kind,lat,lng,street_address,locality,admin1,postal_code,country,"
    "website,email,phone,summary,description,language,categories,access,opening_hours"
)
#: (lat, lng) of real places, with where the loaded outlines put them (checked in PostGIS:
#: ST_Intersects and ST_Distance on the fixtures' boundaries).
EL_PASO = (31.7619, -106.4850)  # in Texas; inside Mexico's outline, 0.9 km from the US one
SMITH_ISLAND = (37.9990, -76.0260)  # in Maryland; 15.7 km from the US outline
TANGIER_ISLAND = (37.8260, -75.9930)  # in Virginia; 19.1 km from the US outline
JUAREZ = (31.6904, -106.4245)  # in Mexico: 4.6 km from the US, 14.3 km from New Mexico
KEY_WEST = (24.5550, -81.7800)  # inside both the US and Florida outlines
SAN_JUAN = (18.4394, -66.0021)  # in the Census state Puerto Rico; Natural Earth's own country


def import_rows(tmp_path, rows: list[tuple]) -> dict[str, dict]:
    path = tmp_path / "borders.csv"
    lines = [HEADER]
    for source_id, (lat, lng), admin1, country in rows:
        lines.append(
            f"{source_id},Cooperativa {source_id},cooperative,{lat},{lng},,,{admin1},,{country}"
            ",,,,,,en,,,"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "report.csv"
    call_command("import_listings", str(path), "--commit", "--report", str(report))
    with open(report, newline="", encoding="utf-8") as handle:
        return {row["source_id"]: row for row in csv.DictReader(handle)}


def test_a_point_beside_a_generalised_border_is_still_checked_against_its_state(tmp_path):
    report = import_rows(
        tmp_path,
        [
            ("el-paso-as-md", EL_PASO, "MD", "US"),
            ("island-as-ny", SMITH_ISLAND, "NY", "US"),
            ("juarez-as-nm", JUAREZ, "New Mexico", "US"),
        ],
    )

    assert "outside Maryland, the state or province" in report["el-paso-as-md"]["reason"]
    assert "outside New York, the state or province" in report["island-as-ny"]["reason"]
    assert "outside New Mexico, the state or province" in report["juarez-as-nm"]["reason"]
    assert {row["outcome"] for row in report.values()} == {"rejected"}
    assert not Listing.objects.exists()


def test_a_point_in_the_right_country_and_a_far_state_is_rejected(tmp_path):
    report = import_rows(tmp_path, [("key-west-as-md", KEY_WEST, "Maryland", "US")])

    assert report["key-west-as-md"]["outcome"] == "rejected"
    assert "outside Maryland, the state or province" in report["key-west-as-md"]["reason"]


def test_islands_and_border_towns_in_their_own_state_are_accepted(tmp_path):
    report = import_rows(
        tmp_path,
        [
            ("el-paso", EL_PASO, "TX", "US"),
            ("smith-island", SMITH_ISLAND, "Maryland", "US"),
            ("tangier-island", TANGIER_ISLAND, "VA", "US"),
            # Within 25 km of the United States, no state declared: a border town.
            ("juarez-us", JUAREZ, "", "US"),
            # Inside the state it declares: in that state's country, whatever the outline.
            ("san-juan", SAN_JUAN, "Puerto Rico", "US"),
        ],
    )

    assert {key: row["outcome"] for key, row in report.items()} == {
        "el-paso": "created",
        "smith-island": "created",
        "tangier-island": "created",
        "juarez-us": "created",
        "san-juan": "created",
    }
    el_paso = Listing.objects.get(sources__source_id="el-paso")
    assert "us-texas" in el_paso.regions.values_list("slug", flat=True)


def test_a_point_outside_both_its_country_and_its_state_gives_the_countrys_reason(tmp_path):
    # Mexico City declared in Texas: far from both; the country is named first.
    report = import_rows(tmp_path, [("cdmx-as-tx", (19.4326, -99.1332), "TX", "US")])

    assert "outside US, the country the row gives" in report["cdmx-as-tx"]["reason"]
