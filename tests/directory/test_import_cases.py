"""One file whose rows hit every case the importer meets in real files: each bad row is
reported with its reason in the reader's language, the good rows are imported, and the
commit after the dry run writes exactly what the dry run said."""

import csv

import pytest
from django.core.management import call_command

from directory.importing.mapping import FIELDS
from directory.models import Listing, ListingSource

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_boundaries")]

COLUMNS = list(FIELDS)  # the tejido-csv columns
GOOD = {
    "name": "Comedor",
    "kind": "mutual_aid",
    "lat": "44.95",
    "lng": "-93.09",
    "locality": "Saint Paul",
    "admin1": "MN",
    "country": "US",
    "language": "es",
}
#: source id -> what the row changes, and whether it is still imported.
CASES = {
    "good": ({}, True),
    "long-link": ({"website": "https://example.org/t?u=" + "a" * 300}, True),
    "long-summary": ({"summary": "S" * 400}, True),
    "bad-email": ({"email": "red@"}, True),
    "formula": ({"name": "=HYPERLINK(1)"}, True),
    "decimal-comma": ({"lat": "44,96", "lng": "-93,10"}, True),
    "quoted-newline": ({"description": "una\nlínea\r\nmás"}, True),
    "nul": ({"description": "a\x00b"}, False),
    "nan": ({"lat": "NaN"}, False),
    "infinite": ({"lng": "-inf"}, False),
    "not-a-number": ({"lat": "cuarenta"}, False),
    "swapped": ({"lat": "-93.09", "lng": "44.95"}, False),
    "far-state": ({"admin1": "TX"}, False),
    "long-street": ({"street_address": "C" * 250}, False),
    "long-id" + "x" * 200: ({}, False),
    "no-name": ({"name": ""}, False),
    "kind": ({"kind": "cooperativa"}, False),
    "category": ({"categories": "no-such-category"}, False),
    "access": ({"access": "always_open"}, False),
}

#: Rows whose values look hostile but are what the project wrote: kept as they are.
CLEAN = {"good", "formula", "decimal-comma", "quoted-newline"}


def write_file(path):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for source_id, (changes, _kept) in CASES.items():
            writer.writerow(
                {**GOOD, "name": f"Comedor {source_id[:20]}", **changes, "source_id": source_id}
            )
    return path


def report(path, *args) -> dict[str, dict]:
    out = path.with_name(f"report-{'-'.join(args) or 'dry'}.csv")
    call_command("import_listings", str(path), "--source", "cases", "--report", str(out), *args)
    with open(out, newline="", encoding="utf-8") as handle:
        return {row["source_id"]: row for row in csv.DictReader(handle)}


def test_every_bad_row_has_its_reason_in_the_readers_language_and_the_good_ones_are_kept(
    tmp_path,
):
    path = write_file(tmp_path / "cases.csv")
    english = report(path)
    others = {language: report(path, "--language", language) for language in ("es", "pt", "fr")}

    kept = {key for key, (_changes, is_kept) in CASES.items() if is_kept}
    assert {key for key, row in english.items() if row["outcome"] == "created"} == kept
    for key, row in english.items():
        if key in CLEAN:
            assert row["reason"] == "", key
            continue
        assert row["reason"], key  # every bad value is named: a rejection or a warning
        for language, rows in others.items():
            assert rows[key]["outcome"] == row["outcome"], (language, key)
            assert rows[key]["reason"] != row["reason"], (language, key, row["reason"])

    committed = report(path, "--commit")

    assert committed == english
    stored = set(ListingSource.objects.filter(source="cases").values_list("source_id", flat=True))
    assert stored == kept
    assert Listing.objects.get(sources__source_id="formula").name == "=HYPERLINK(1)"
    assert Listing.objects.get(sources__source_id="quoted-newline").description_es == (
        "una\nlínea\r\nmás"
    )
