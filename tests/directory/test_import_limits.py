"""What the write path stores is checked before the report (the dry run is the commit minus
the write): each column's limit comes from the model field, and a value that cannot be
stored rejects its row, is left out with a warning, or is cut with a warning, as
fixtures/import/README.md says per column. A database error all the same is one clear line."""

import csv

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.importing import storable
from directory.models import Contact, Listing, ListingSource

pytestmark = pytest.mark.django_db

HEADER = (
    "source_id,name,kind,lat,lng,street_address,locality,admin1,postal_code,country,"
    "website,email,phone,summary,description,language,categories,access,opening_hours,"
    "languages,legal_form"
)
COLUMNS = HEADER.split(",")
#: The tracking link of the real file that stopped a commit: 312 characters.
LONG_LINK = "https://example.us1.list-manage.com/track/click?u=" + "a1b2c3d4e5" * 26 + "&e"


def row(source_id: str, **values) -> dict:
    base = {
        "source_id": source_id,
        "name": f"Red {source_id}",
        "kind": "mutual_aid",
        "lat": "44.95",
        "lng": "-93.09",
        "locality": "Saint Paul",
        "admin1": "MN",
        "country": "US",
        "language": "en",
    }
    return {**base, **values}


def write_csv(path, rows: list[dict]):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(path, *args) -> dict[str, dict]:
    """The import's report by source id; the columns are the template's, plus `languages`
    and `legal_form` (a mapping file names them)."""
    mapping = path.with_name("mapping.toml")
    mapping.write_text('[columns]\nlegal_form = "legal_form"\nlanguages = "languages"\n')
    report = path.with_suffix(".report.csv")
    call_command(
        "import_listings", str(path), "--mapping", str(mapping), "--report", str(report), *args
    )
    with open(report, newline="", encoding="utf-8") as handle:
        return {item["source_id"]: item for item in csv.DictReader(handle)}


ROWS = [
    row("link", website=LONG_LINK, email="red@example.org"),
    row("id" + "x" * 248),
    row("street", street_address="C" * 240),
    row("summary", summary="S" * 400),
    row("state", admin1="M" * 130),
    row("legal", legal_form="L" * 240),
    row("tag", languages="en-x-abcdefgh-abcdefgh"),
    row("fine", website="https://red.example.org"),
]


def test_each_column_that_cannot_be_stored_rejects_drops_or_cuts_as_documented(tmp_path):
    report = run(write_csv(tmp_path / "limits.csv", ROWS), "--commit")

    assert report["link"]["outcome"] == "created"
    assert (
        f"website: {len(LONG_LINK)} characters, at most 300: it was not kept."
        in (report["link"]["reason"])
    )
    assert report["id" + "x" * 248]["reason"] == "source_id: 250 characters, at most 200"
    assert report["street"]["reason"] == "street_address: 240 characters, at most 200"
    assert report["summary"]["outcome"] == "created"
    assert (
        "summary (en): 400 characters, at most 300: it was cut to the limit."
        in (report["summary"]["reason"])
    )
    assert "admin1: 130 characters, at most 120: it was not kept." in report["state"]["reason"]
    assert "legal_form: 240 characters, at most 150: it was not kept." in report["legal"]["reason"]
    assert report["tag"]["reason"] == "languages: 22 characters, at most 16"
    assert report["fine"]["outcome"] == "created"
    assert {key for key, item in report.items() if item["outcome"] == "rejected"} == {
        "id" + "x" * 248,
        "street",
        "tag",
    }

    link = Listing.objects.get(sources__source_id="link")
    assert list(link.contacts.values_list("kind", "value")) == [("email", "red@example.org")]
    assert len(Listing.objects.get(sources__source_id="summary").summary) == 300
    assert Listing.objects.get(sources__source_id="state").admin1 == ""
    assert Listing.objects.get(sources__source_id="legal").legal_form == ""
    assert Listing.objects.count() == 5


def test_the_dry_run_reports_what_the_commit_then_writes(tmp_path):
    path = write_csv(tmp_path / "limits.csv", ROWS)

    dry = run(path)
    assert not Listing.objects.exists()
    committed = run(path, "--commit")
    again = run(path, "--commit")

    assert dry == committed
    created = {key for key, item in committed.items() if item["outcome"] == "created"}
    assert set(ListingSource.objects.values_list("source_id", flat=True)) == created
    assert {key: item["outcome"] for key, item in again.items() if key in created} == dict.fromkeys(
        created, "unchanged"
    )


def test_the_limits_are_the_model_fields_own(monkeypatch, tmp_path):
    # A tighter limit on the model is the importer's limit at once: no second list.
    monkeypatch.setattr(Contact._meta.get_field("value"), "max_length", 20)
    report = run(
        write_csv(tmp_path / "tight.csv", [row("fine", website="https://red.example.org")])
    )

    assert "website: 23 characters, at most 20: it was not kept." in report["fine"]["reason"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "website: {n} caracteres, como máximo 300: no se guardó."),
        ("pt", "website: {n} caracteres, no máximo 300: não foi guardado."),
        ("fr", "website\u00a0: {n} caractères, au plus 300\u00a0: non conservé."),
    ],
)
def test_the_reasons_are_in_the_readers_language(tmp_path, language, expected):
    report = run(write_csv(tmp_path / "l.csv", [ROWS[0]]), "--language", language)

    assert expected.format(n=len(LONG_LINK)) in report["link"]["reason"]


def test_a_database_error_while_writing_is_one_line_naming_the_row_and_writes_nothing(
    monkeypatch, tmp_path
):
    # Without the check, the over-long link reaches PostgreSQL (the failure the real file hit).
    monkeypatch.setattr(storable.Rules, "check", lambda self, row: None)
    path = write_csv(tmp_path / "limits.csv", [row("fine"), ROWS[0]])

    with pytest.raises(CommandError) as raised:
        call_command("import_listings", str(path), "--commit")

    assert str(raised.value) == (
        "The database refused line 3 while writing (value too long for type character "
        "varying(300)). Nothing was written."
    )
    assert not Listing.objects.exists()
    assert not ListingSource.objects.exists()


def test_the_upload_page_says_a_database_error_and_writes_nothing(
    monkeypatch, client, people, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path / "uploads")
    monkeypatch.setattr(storable.Rules, "check", lambda self, row: None)
    client.force_login(people["moderator"])
    data = write_csv(tmp_path / "limits.csv", [row("fine"), ROWS[0]]).read_bytes()
    upload = SimpleUploadedFile("limits.csv", data, content_type="text/csv")
    response = client.post("/es/moderation/imports/", {"preset": "tejido-csv", "file": upload})
    assert response.status_code == 302
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/es/moderation/imports/{token}/confirm/")

    assert response.status_code == 422
    body = response.content.decode()
    assert "La base de datos rechazó la línea 3 al escribir" in body
    assert "Traceback" not in body
    assert not Listing.objects.exists()


def test_rows_sharing_a_name_and_town_get_distinct_slugs_beside_existing_ones(tmp_path):
    # What a real file of airports hit: three "Plymouth Municipal Airport" in a "Plymouth",
    # and the directory already holding the second slug of that name.
    from tests.factories import ListingFactory

    ListingFactory(slug="plymouth-municipal-airport-plymouth-2")
    same = {"name": "Plymouth Municipal Airport", "locality": "Plymouth"}
    path = write_csv(tmp_path / "same.csv", [row("a", **same), row("b", **same), row("c", **same)])

    report = run(path, "--commit")

    assert [item["outcome"] for item in report.values()] == ["created"] * 3
    slugs = Listing.objects.filter(sources__source="same").values_list("slug", flat=True)
    assert sorted(slugs) == [
        "plymouth-municipal-airport-plymouth",
        "plymouth-municipal-airport-plymouth-3",
        "plymouth-municipal-airport-plymouth-4",
    ]
