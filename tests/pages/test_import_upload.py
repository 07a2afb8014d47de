"""The moderators' import page: who may use it, the dry run's report, a confirmation that
writes exactly what was shown (once), and files that cannot be imported."""

import re
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from directory.choices import AuditAction, ListingStatus
from directory.models import AuditEvent, Listing, ListingSource

pytestmark = pytest.mark.django_db

URL = "/en/moderation/imports/"
HEADER = (
    "source_id,name,kind,lat,lng,street_address,locality,admin1,postal_code,country,"
    "website,email,phone,summary,description,language,categories,access,opening_hours"
)


def line(source_id: str, name: str, summary: str = "", kind: str = "mutual_aid") -> str:
    return f"{source_id},{name},{kind},44.95,-93.09,,Saint Paul,MN,,US,,,,{summary},,es,,,"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def moderator_client(client, people):
    client.force_login(people["moderator"])
    return client


def stored(upload_dir) -> list:
    return list(upload_dir.iterdir()) if upload_dir.exists() else []


def post_file(client, data: bytes, name="listings.csv", **fields):
    payload = {"preset": "tejido-csv", "source": "red", **fields}
    payload["file"] = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(URL, payload)


def counts_on(body: str) -> dict[str, int]:
    pairs = re.findall(r'<strong data-outcome="(\w+)">(\d+)</strong>', body)
    return {outcome: int(n) for outcome, n in pairs}


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    """Post the confirmation, running what waits for the commit (as outside a test)."""

    def post(client, token):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"{URL}{token}/confirm/")

    return post


def token_of(response) -> str:
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def earlier_import(tmp_path):
    """Source `red` imported once: rows a and b."""
    path = tmp_path / "first.csv"
    path.write_bytes(csv_bytes(line("a", "Comedor Uno"), line("b", "Comedor Dos", "Sopa.")))
    call_command("import_listings", str(path), "--source", "red", "--commit")
    assert Listing.objects.count() == 2


#: Against `earlier_import`: a unchanged, b changed, c new, d with an unknown kind.
MIXED = csv_bytes(
    line("a", "Comedor Uno"),
    line("b", "Comedor Dos", "Sopa y pan."),
    line("c", "Comedor Tres"),
    line("d", "Comedor Cuatro", kind="cooperativa_x"),
)


# --- Who may use it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("stranger", 403), ("lead", 403), ("moderator", 200)]
)
def test_only_moderators_open_the_import_page(client, people, who, status):
    if people[who]:
        client.force_login(people[who])
    response = client.get(URL)
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"] == f"/en/accounts/login/?next={URL}"


@pytest.mark.parametrize("who", ["anonymous", "lead"])
def test_a_lead_or_anonymous_upload_runs_nothing_and_stores_nothing(
    client, people, upload_dir, who
):
    if people[who]:
        client.force_login(people[who])
    response = post_file(client, csv_bytes(line("a", "Comedor Uno")))
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert stored(upload_dir) == []


def test_a_lead_cannot_confirm_a_moderators_dry_run(client, people, moderator_client):
    token = token_of(post_file(moderator_client, csv_bytes(line("a", "Comedor Uno"))))
    lead = Client()
    lead.force_login(people["lead"])
    assert lead.post(f"{URL}{token}/confirm/").status_code == 403
    assert lead.get(f"{URL}{token}/").status_code == 403
    assert lead.get(f"{URL}{token}/report.csv").status_code == 403
    assert not Listing.objects.exists()


def test_the_moderation_page_links_to_the_import_page(moderator_client):
    body = moderator_client.get("/en/moderation/").content.decode()
    assert f'href="{URL}"' in body


def test_the_upload_form_needs_its_csrf_token(people, upload_dir):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["moderator"])
    assert client.get(URL).status_code == 200
    response = post_file(client, csv_bytes(line("a", "Comedor Uno")))
    assert response.status_code == 403
    assert stored(upload_dir) == []


def test_the_template_and_the_sample_mapping_download(client):
    response = client.get(f"{URL}examples/tejido-template.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="tejido-template.csv"'
    assert b"".join(response.streaming_content).decode().splitlines()[0] == HEADER
    assert client.get(f"{URL}examples/sample-mapping.toml").status_code == 200
    assert client.get(f"{URL}examples/settings.py").status_code == 404


# --- Dry run and confirmation -------------------------------------------------------------------


def test_the_dry_run_reports_exact_counts_and_rows_and_writes_nothing(
    moderator_client, earlier_import
):
    before = set(Listing.objects.values_list("id", "updated_at"))
    response = post_file(moderator_client, MIXED)
    assert response.status_code == 302
    page = moderator_client.get(response["Location"])
    body = page.content.decode()
    assert counts_on(body) == {"created": 1, "updated": 1, "unchanged": 1, "rejected": 1}
    assert "The kind “cooperativa_x” is unknown" in body
    rows = re.findall(r'<tr class="outcome--(\w+)"><td>(\d+)</td><td>(\w+)</td>', body)
    assert rows == [
        ("unchanged", "2", "a"),
        ("updated", "3", "b"),
        ("created", "4", "c"),
        ("rejected", "5", "d"),
    ]
    assert "Confirm import: write 2 listings" in body
    assert set(Listing.objects.values_list("id", "updated_at")) == before
    assert not AuditEvent.objects.exists()
    report = moderator_client.get(f"{response['Location']}report.csv")
    lines = b"".join(report.streaming_content).decode().splitlines()
    assert lines[0] == "line,source_id,name,outcome,reason"
    outcomes = [row.split(",")[3] for row in lines[1:]]
    assert outcomes == ["unchanged", "updated", "created", "rejected"]


def test_confirming_writes_exactly_the_dry_run_once_and_audits_it(
    moderator_client, people, earlier_import, confirm
):
    first = Listing.objects.get(sources__source_id="a")
    token = token_of(post_file(moderator_client, MIXED))

    response = confirm(moderator_client, token)

    assert response.status_code == 302
    assert set(ListingSource.objects.values_list("source_id", flat=True)) == {"a", "b", "c"}
    assert Listing.objects.get(sources__source_id="b").summary_es == "Sopa y pan."
    created = Listing.objects.get(sources__source_id="c")
    assert created.status == ListingStatus.PENDING
    assert Listing.objects.get(pk=first.pk).updated_at == first.updated_at
    event = AuditEvent.objects.get()
    assert event.action == AuditAction.LISTINGS_IMPORTED
    assert event.actor == people["moderator"]
    assert event.data["counts"] == {"created": 1, "updated": 1, "unchanged": 1, "rejected": 1}
    assert event.data["source"] == "red"
    body = moderator_client.get(response["Location"]).content.decode()
    assert "2 listings were written." in body
    assert "Confirm import" not in body

    # Confirming again (a second click, the back button) writes nothing more.
    again = confirm(moderator_client, token)
    assert again.status_code == 302
    assert Listing.objects.count() == 3
    assert AuditEvent.objects.count() == 1

    # The same file uploaded again: nothing left to write.
    body = moderator_client.get(post_file(moderator_client, MIXED)["Location"]).content.decode()
    assert counts_on(body) == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 1}
    assert "There is nothing to write" in body


def test_publish_publishes_the_new_listings(moderator_client):
    token = token_of(post_file(moderator_client, csv_bytes(line("a", "Comedor Uno")), publish="on"))
    moderator_client.post(f"{URL}{token}/confirm/")
    assert Listing.objects.get().status == ListingStatus.PUBLISHED
    assert AuditEvent.objects.get().data["published"] is True


def test_a_dry_run_made_stale_by_another_import_is_shown_again_not_written(
    moderator_client, earlier_import, tmp_path
):
    token = token_of(post_file(moderator_client, MIXED))
    # Meanwhile row c arrives through another import of the same data set.
    other = tmp_path / "other.csv"
    other.write_bytes(csv_bytes(line("c", "Comedor Tres")))
    call_command("import_listings", str(other), "--source", "red", "--commit")
    written = set(Listing.objects.values_list("id", "updated_at"))

    response = moderator_client.post(f"{URL}{token}/confirm/")

    assert response.status_code == 409
    body = response.content.decode()
    assert "The directory changed since the dry run" in body
    assert counts_on(body) == {"created": 0, "updated": 1, "unchanged": 2, "rejected": 1}
    assert set(Listing.objects.values_list("id", "updated_at")) == written
    assert not AuditEvent.objects.exists()
    # Confirming the new dry run writes it.
    assert moderator_client.post(f"{URL}{token}/confirm/").status_code == 302
    assert Listing.objects.get(sources__source_id="b").summary_es == "Sopa y pan."


def test_a_stored_file_that_changed_is_not_imported(moderator_client, upload_dir):
    token = token_of(post_file(moderator_client, csv_bytes(line("a", "Comedor Uno"))))
    (data,) = upload_dir.glob("*/data.csv")
    data.write_bytes(csv_bytes(line("a", "Otro Nombre")))
    response = moderator_client.post(f"{URL}{token}/confirm/")
    assert response.status_code == 409
    assert "The stored file changed since its dry run" in response.content.decode()
    assert not Listing.objects.exists()


def test_a_forged_token_is_refused(moderator_client):
    assert moderator_client.get(f"{URL}abc:def/").status_code == 404
    response = moderator_client.post(f"{URL}abc:def/confirm/")
    assert response.status_code == 400
    assert "expired or is unknown" in response.content.decode()


def test_the_page_shows_the_first_200_rows_and_the_csv_has_them_all(moderator_client):
    rows = [
        f"r{n},Comedor {n},mutual_aid,{40 + n / 1000:.3f},-93.09,,,,,US,,,,,,es,,,"
        for n in range(230)
    ]
    location = post_file(moderator_client, csv_bytes(*rows))["Location"]
    body = moderator_client.get(location).content.decode()
    assert body.count('<tr class="outcome--') == 200
    assert "The first 200 rows of 230 are shown here." in body
    report = moderator_client.get(f"{location}report.csv")
    assert len(b"".join(report.streaming_content).decode().splitlines()) == 231


def test_the_dry_run_and_the_report_page_make_a_bounded_number_of_queries(
    moderator_client, django_assert_max_num_queries
):
    rows = [
        f"r{n},Comedor {n},mutual_aid,{40 + n / 100:.2f},-93.09,,,,,US,,,,,,es,,,"
        for n in range(60)
    ]
    # Session and user (2), categories, sources, the region pieces (4 statements), the
    # boundaries, points against regions, duplicates, dropping the pieces.
    with django_assert_max_num_queries(14):
        location = post_file(moderator_client, csv_bytes(*rows))["Location"]
    # Session, user, groups and the moderator's authenticator app (accounts/mfa.py).
    with django_assert_max_num_queries(4):
        assert moderator_client.get(location).status_code == 200


def test_a_zipped_shapefile_is_read(moderator_client, tmp_path):
    geojson = tmp_path / "p.geojson"
    geojson.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"source_id":"s1","name":"Taller Uno","kind":"cooperative","country":"US"},'
        '"geometry":{"type":"Point","coordinates":[-93.09,44.95]}}]}'
    )
    shp = tmp_path / "shp"
    shp.mkdir()
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", str(shp / "p.shp"), str(geojson)], check=True
    )
    archive = shutil.make_archive(str(tmp_path / "talleres"), "zip", shp)
    with open(archive, "rb") as handle:
        location = post_file(moderator_client, handle.read(), name="talleres.zip")["Location"]
    body = moderator_client.get(location).content.decode()
    assert counts_on(body)["created"] == 1
    assert "Taller Uno" in body


def test_the_reasons_are_written_in_the_readers_language(moderator_client):
    # A language code the listing's `languages` cannot hold: a reason Spanish already has.
    data = f"{HEADER},languages\n{line('a', 'Comedor Uno')},123\n".encode()
    payload = {"preset": "tejido-csv", "source": "red"}
    payload["file"] = SimpleUploadedFile("listings.csv", data)
    response = moderator_client.post("/es/moderation/imports/", payload)
    assert response.status_code == 302
    assert response["Location"].startswith("/es/moderation/imports/")

    body = moderator_client.get(response["Location"]).content.decode()

    assert '<html lang="es">' in body
    spanish = "“123” no es un código de idioma (usa ISO 639, p. ej. es, pt, nah)."
    # The reasons take the page's language: no lang of their own.
    assert f"<td>{spanish}</td></tr>" in body
    assert "is not a language code" not in body
    assert 'lang="en"' not in re.search(r"<tbody>.*</tbody>", body, re.S).group(0)
    # Read in English, the report still holds the Spanish of its dry run, marked as such.
    english_page = response["Location"].replace("/es/", "/en/", 1)
    body = moderator_client.get(english_page).content.decode()
    assert f'<td lang="es">{spanish}</td>' in body


# --- Files that cannot be imported ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "The file is empty."),
        ("empty.geojson", b"  \n", "The file is empty."),
        ("header.csv", csv_bytes(), "The file has no rows to import."),
        ("utf16.csv", csv_bytes(line("a", "Comedor Uno")).decode().encode("utf-16"), "UTF-8"),
        ("cut.csv", csv_bytes(line("a", "Uno")) + b'b,"Comedor Do', "past line 3"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
        ("list.geojson", b'{"type": "Feature"}', "neither GeoJSON features nor a list"),
        ("listings.xlsx", b"PK\x03\x04 a spreadsheet", "Choose a CSV, GeoJSON, GeoPackage"),
        ("broken.gpkg", b"SQLite format 3\x00 not really", "cannot be read as a GeoPackage"),
    ],
)
def test_a_file_that_cannot_be_imported_is_named_next_to_the_file_field(
    moderator_client, upload_dir, name, data, message
):
    response = post_file(moderator_client, data, name=name)
    assert response.status_code == 400
    body = response.content.decode()
    error = re.search(r'<p class="error-message" id="id_file-error">(.*?)</p>', body, re.S)
    assert error is not None and message in error.group(1)
    assert 'href="#id_file"' in body  # the error summary links to the field
    assert 'aria-describedby="id_file-error' in body
    assert not Listing.objects.exists()
    assert stored(upload_dir) == []


def test_a_file_over_the_limit_is_refused_next_to_the_field(moderator_client, settings, upload_dir):
    settings.IMPORT_UPLOAD_MAX_BYTES = 1000
    data = csv_bytes(*(line(f"r{n}", f"Comedor {n}") for n in range(30)))
    assert len(data) > 1000
    response = post_file(moderator_client, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(r'id="id_file-error">.*larger than 0.000953674 MB', body, re.S)
    # The other fields were still read: what was typed is kept.
    assert 'value="red"' in body
    assert stored(upload_dir) == []
    assert not Listing.objects.exists()


def test_a_mapping_that_cannot_be_used_is_named_next_to_its_field(moderator_client, upload_dir):
    mapping = SimpleUploadedFile("m.toml", b'wrong_key = "x"\n')
    response = moderator_client.post(
        URL,
        {
            "preset": "tejido-csv",
            "file": SimpleUploadedFile("l.csv", csv_bytes(line("a", "Uno"))),
            "mapping": mapping,
        },
    )
    assert response.status_code == 400
    error = re.search(r'id="id_mapping-error">(.*?)</p>', response.content.decode(), re.S)
    assert error is not None and "Unknown keys: wrong_key." in error.group(1)
    assert stored(upload_dir) == []


def test_a_mapping_file_replaces_the_preset(moderator_client):
    mapping = SimpleUploadedFile(
        "red.toml",
        b'source = "red-mx"\n[columns]\nsource_id = "ID"\nname = "Nombre"\nlat = "Lat"\n'
        b'lng = "Lng"\n[defaults]\nkind = "cooperative"\ncountry = "US"\n',
    )
    data = b"ID;Nombre;Lat;Lng\n1;Taller Uno;44.95;-93.09\n"
    response = moderator_client.post(
        URL,
        {"preset": "tejido-csv", "file": SimpleUploadedFile("red.csv", data), "mapping": mapping},
    )
    body = moderator_client.get(response["Location"]).content.decode()
    assert counts_on(body)["created"] == 1
    assert "red-mx" in body
