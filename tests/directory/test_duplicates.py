"""Suspected duplicates (DESIGN.md §9): one rule (`directory.duplicates`) for the dashboard
form, the API, the moderation queue and the importer; what a submitter sees of a match
respects location privacy (§6)."""

import json
import random
import re

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from directory import duplicates
from directory.choices import ListingKind, ListingStatus, LocationPrecision
from directory.importing import checks
from directory.models import Listing
from tests.duplicates_scenario import (
    AT_2_KM,
    AT_200_M,
    KIND,
    LAT,
    LNG,
    NEAR_NAME,
    existing_kitchen,
    form_point,
)
from tests.factories import ListingFactory, UserFactory
from tests.pages.test_dashboard import listing_post

pytestmark = pytest.mark.django_db


def similar(name=NEAR_NAME, kind=KIND, point=AT_200_M, **options):
    found = duplicates.similar_listings(name=name, kind=kind, point=point, **options)
    return [item.slug for item in found]


# --- The rule --------------------------------------------------------------------------------


def test_a_similar_name_of_the_same_kind_200_m_away_is_a_suspected_duplicate():
    kitchen = existing_kitchen()
    (match,) = duplicates.similar_listings(name=NEAR_NAME, kind=KIND, point=AT_200_M)
    assert match.slug == kitchen.slug and match.name == kitchen.name
    assert match.place == "Los Angeles, California, United States of America"
    # Their distinctive words are the same: "de" is one of the words names share.
    assert match.similarity == 1.0


def test_two_km_away_another_kind_or_another_name_is_not():
    existing_kitchen()
    assert similar(point=AT_2_KM) == []
    assert similar(kind=ListingKind.COOPERATIVE) == []
    assert similar(name="Despensa Solidaria del Este") == []


def test_names_are_compared_by_their_distinctive_words():
    """Co-operatives UK's open data has pairs such as these, 1 km apart: whole names score
    0.6 and more from "Housing Co-operative Limited" alone."""
    existing_kitchen(name="Allnutt Mill Housing Co-operative Limited", slug="allnutt")
    assert similar(name="Miller Walk Housing Co-operative Limited") == []
    existing_kitchen(name="Reading Community Energy Society Limited", slug="reading")
    assert similar(name="RainePower Community Energy Society Limited") == []
    # The same project written with or without its legal form is still the same.
    assert similar(name="Reading Community Energy") == ["reading"]


@pytest.mark.parametrize(
    "name",
    [
        "Cocina Comunitária de Boyle Heights",
        "Miller Walk Housing Co-operative Limited",
        "Coopérative d'habitation Les Œillets",
        "Straße der Solidarität e.V.",
        "Cooperativa de Trabalho",
        "The Co-op",  # only shared words: the whole name is compared
        "  Taller   de la   Bici, S.A. de C.V. ",
        "Associação dos Moradores do Morro",
    ],
)
def test_the_core_of_a_name_is_the_same_in_python_and_postgresql(name):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT tejido_name_core(%s)", [name])
        (in_sql,) = cursor.fetchone()
    assert duplicates.name_core(name) == in_sql


def test_the_migration_holds_the_same_generic_words():
    from importlib import import_module

    frozen = import_module("directory.migrations.0018_duplicate_name_core")
    assert set(frozen.GENERIC_WORDS) == duplicates.GENERIC_WORDS


def test_accents_and_case_are_ignored():
    existing_kitchen(name="Cocina Comunitária de Boyle Heights", slug="acentos")
    assert similar(name="COCINA COMUNITARIA BOYLE HEIGHTS") == ["acentos"]


@pytest.mark.parametrize(
    "state",
    [
        {"status": ListingStatus.PENDING},
        {"status": ListingStatus.REJECTED},
        {"status": ListingStatus.ARCHIVED},
        {"status": ListingStatus.DRAFT},
        {"emergency_hidden_at": "2026-01-01T00:00:00Z"},
        {"hidden_by_reports": True},
        {"location_precision": LocationPrecision.HIDDEN},
    ],
)
def test_a_listing_the_public_cannot_see_is_never_offered_to_a_submitter(state):
    existing_kitchen(**state)
    assert similar() == []


def test_moderators_also_see_pending_and_hidden_precision_listings():
    existing_kitchen(status=ListingStatus.PENDING, slug="pending")
    existing_kitchen(location_precision=LocationPrecision.HIDDEN, slug="hidden", lead=UserFactory())
    existing_kitchen(status=ListingStatus.REJECTED, slug="rejected", lead=UserFactory())
    assert sorted(similar(for_moderator=True)) == ["hidden", "pending"]


def test_an_area_listing_is_matched_on_its_public_cell_not_its_true_point():
    # The true point is 1.3 km from the probe, but its public cell (0.01°) reaches within
    # 1 km of it: the submitter's warning cannot tell the true point from the cell.
    true = Point(-118.2095, 34.0395, srid=4326)  # cell 34.03-34.04, -118.21..-118.20
    existing_kitchen(location=true, location_precision=LocationPrecision.AREA)
    probe = Point(-118.2030, 34.0290, srid=4326)  # 1.3 km from the point, ~120 m from the cell
    assert similar(point=probe) == ["cocina-comunitaria-boyle-heights"]
    # Moderators compare true points: 1.3 km is too far.
    assert similar(point=probe, for_moderator=True) == []


def test_a_submitter_is_shown_the_city_never_the_street_nor_a_distance():
    existing_kitchen(location_precision=LocationPrecision.REGION)
    (match,) = duplicates.similar_listings(name=NEAR_NAME, kind=KIND, point=AT_200_M)
    assert match.place == "Los Angeles, California, United States of America"
    assert set(vars(match)) == {"slug", "name", "kind", "status", "place", "similarity"}


def test_the_listing_itself_is_left_out():
    kitchen = existing_kitchen()
    assert similar(name=kitchen.name, point=kitchen.location, exclude=kitchen.pk) == []


def test_the_importer_follows_the_same_rule():
    assert checks.DUPLICATE_SIMILARITY is duplicates.DUPLICATE_SIMILARITY
    assert checks.DUPLICATE_RADIUS_M is duplicates.DUPLICATE_RADIUS_M
    assert "similarity(tejido_name_core(l.name), t.core)" in checks.DUPLICATES_SQL
    assert "l.kind = t.kind" in checks.DUPLICATES_SQL


def test_the_importer_compares_rows_of_one_file_by_their_cores_too():
    near, far = (
        checks.trigrams(duplicates.name_core("Miller Walk Housing Co-operative Ltd")),
        (checks.trigrams(duplicates.name_core("Allnutt Mill Housing Co-operative Limited"))),
    )
    assert checks.similarity(near, far) < duplicates.DUPLICATE_SIMILARITY
    same = checks.trigrams(duplicates.name_core("Cocina Comunitária de Boyle Heights"))
    kitchen = checks.trigrams(duplicates.name_core("COCINA COMUNITARIA BOYLE HEIGHTS"))
    assert checks.similarity(same, kitchen) == 1.0


def test_many_listings_are_compared_in_one_query(django_assert_num_queries):
    existing_kitchen()
    probes = [duplicates.Probe(NEAR_NAME, KIND, AT_200_M)] * 30 + [
        duplicates.Probe("Otra cosa", KIND, AT_200_M)
    ]
    with django_assert_num_queries(1):
        found = duplicates.similar_to_many(probes, for_moderator=True)
    assert len(found) == 30 and 30 not in found


# --- The dashboard form ----------------------------------------------------------------------


def kitchen_post(name=NEAR_NAME, point=AT_200_M, **overrides) -> dict:
    values = {
        "name": name,
        "kind": KIND,
        "country": "US",
        "locality": "Los Angeles",
        "admin1": "California",
        "street": "2200 E 1st St",
        "postal_code": "90033",
        **form_point(point),
    }
    return listing_post(**{**values, **overrides})


@pytest.fixture
def second_lead(client):
    person = UserFactory(username="segunda", email="segunda@example.org")
    client.force_login(person)
    return person


def test_the_form_warns_of_a_near_duplicate_and_saves_nothing(client, second_lead):
    kitchen = existing_kitchen()
    response = client.post("/en/dashboard/listings/new/", kitchen_post())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Is it one of these? Ask to join it instead" in html
    assert f'href="/en/listings/{kitchen.slug}/"' in html
    assert f'href="/en/listings/{kitchen.slug}/join/"' in html
    assert "Los Angeles, California" in html
    # Nothing of the listing's private side: no street, no postal code, no distance.
    assert "2130 E 1st St" not in html and "90033" not in html.split('id="similar"')[1][:3000]
    assert Listing.objects.filter(name=NEAR_NAME).count() == 0
    # What was typed is kept.
    assert f'value="{NEAR_NAME}"' in html


def test_different_project_saves(client, second_lead):
    existing_kitchen()
    response = client.post("/en/dashboard/listings/new/", kitchen_post(different_project="on"))
    assert response.status_code == 302
    created = Listing.objects.get(name=NEAR_NAME)
    assert created.status == ListingStatus.PENDING
    assert created.memberships.get().user == second_lead


@pytest.mark.parametrize(
    "overrides",
    [
        {"point": AT_2_KM},
        {"name": "Despensa Solidaria del Este"},
        {"kind": ListingKind.COOPERATIVE},
    ],
)
def test_no_warning_far_away_for_another_name_or_kind(client, second_lead, overrides):
    existing_kitchen()
    response = client.post("/en/dashboard/listings/new/", kitchen_post(**overrides))
    assert response.status_code == 302
    assert Listing.objects.count() == 2


def test_a_hidden_listing_is_never_offered_in_the_form(client, second_lead):
    existing_kitchen(emergency_hidden_at="2026-01-01T00:00:00Z")
    response = client.post("/en/dashboard/listings/new/", kitchen_post())
    assert response.status_code == 302


def test_moving_a_listing_next_to_a_similar_one_warns(client, second_lead):
    kitchen = existing_kitchen()
    mine = ListingFactory(
        name=NEAR_NAME, kind=KIND, slug="mia", location=AT_2_KM, country="US", locality="LA"
    )
    mine.memberships.create(user=second_lead, role="lead")
    response = client.post("/en/dashboard/listings/mia/", kitchen_post(point=AT_200_M))
    assert response.status_code == 200
    assert f"/en/listings/{kitchen.slug}/join/" in response.content.decode()
    mine.refresh_from_db()
    assert mine.location.equals_exact(AT_2_KM, 1e-9)
    # Saving what is already stored (no move, no new name) does not warn.
    Listing.objects.filter(pk=mine.pk).update(location=AT_200_M)
    response = client.post("/en/dashboard/listings/mia/", kitchen_post(point=AT_200_M))
    assert response.status_code == 302


def test_the_warning_is_in_the_readers_language(client, second_lead):
    existing_kitchen()
    response = client.post("/pt/dashboard/listings/new/", kitchen_post())
    with translation.override("pt"):
        heading = translation.gettext("Is it one of these? Ask to join it instead")
        button = translation.gettext("This is a different project: save it")
    html = response.content.decode()
    assert heading in html and button in html
    assert 'href="/pt/listings/cocina-comunitaria-boyle-heights/join/"' in html


# --- The API ---------------------------------------------------------------------------------


def api_body(**overrides) -> dict:
    return {
        "kind": KIND,
        "name": NEAR_NAME,
        "original_language": "es",
        "location_precision": "area",
        "location": {"type": "Point", "coordinates": [AT_200_M.x, AT_200_M.y]},
        "address": {"country": "US", "locality": "Los Angeles"},
        **overrides,
    }


@pytest.fixture
def api_lead():
    api = APIClient()
    api.force_authenticate(UserFactory(username="cliente"))
    return api


def test_api_create_is_refused_then_succeeds_with_the_flag(api_lead):
    kitchen = existing_kitchen()
    response = api_lead.post("/api/v1/listings/", api_body(), format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert list(body["errors"]) == ["different_project"]
    (item,) = body["similar_listings"]
    assert item["slug"] == kitchen.slug and item["name"] == kitchen.name
    assert item["place"] == "Los Angeles, California, United States of America"
    assert item["url"].endswith(f"/api/v1/listings/{kitchen.slug}/")
    assert item["join_url"].endswith(f"/listings/{kitchen.slug}/join/")
    assert set(item) == {"slug", "name", "kind", "place", "similarity", "url", "join_url"}
    assert not Listing.objects.filter(name=NEAR_NAME).exists()

    response = api_lead.post("/api/v1/listings/", api_body(different_project=True), format="json")
    assert response.status_code == 201, response.content
    assert "different_project" not in response.json()
    assert Listing.objects.filter(name=NEAR_NAME, status=ListingStatus.PENDING).count() == 1


def test_api_patch_that_moves_a_listing_next_to_a_similar_one_is_refused(api_lead):
    existing_kitchen()
    mine = ListingFactory(name=NEAR_NAME, kind=KIND, slug="mia", location=AT_2_KM, country="US")
    mine.memberships.create(user=api_lead.handler._force_user, role="lead")
    move = {"location": {"type": "Point", "coordinates": [AT_200_M.x, AT_200_M.y]}}
    response = api_lead.patch("/api/v1/listings/mia/", move, format="json")
    assert response.status_code == 409
    # A change of anything else is not checked.
    response = api_lead.patch("/api/v1/listings/mia/", {"legal_form": "A.C."}, format="json")
    assert response.status_code == 200
    response = api_lead.patch(
        "/api/v1/listings/mia/", {**move, "different_project": True}, format="json"
    )
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.location.equals_exact(AT_200_M, 1e-9)


def test_api_a_bad_flag_is_a_field_error(api_lead):
    response = api_lead.post(
        "/api/v1/listings/", api_body(different_project="maybe"), format="json"
    )
    assert response.status_code == 400
    assert "different_project" in response.json()["errors"]


def test_api_409_is_in_the_published_contract(client):
    document = client.get("/api/v1/schema/?format=json").json()
    for method in ("post",):
        operation = document["paths"]["/api/v1/listings/"][method]
        assert "409" in operation["responses"]
    for method in ("put", "patch"):
        assert "409" in document["paths"]["/api/v1/listings/{slug}/"][method]["responses"]
    schema = document["components"]["schemas"]["ListingWriteRequest"]["properties"]
    assert schema["different_project"]["type"] == "boolean"


# --- The moderation queue --------------------------------------------------------------------

UNLIKE = ["Huerto", "Biblioteca", "Taller de bicis", "Ropero", "Guardería", "Cine", "Radio",
          "Banco de tiempo", "Lavandería", "Panadería", "Imprenta", "Zapatería"]  # fmt: skip


def test_the_queue_shows_each_pending_listing_next_to_its_suspected_duplicates(
    client, people, django_assert_max_num_queries
):
    kitchen = existing_kitchen()
    for n, word in enumerate(UNLIKE):  # pending listings with nothing like them
        ListingFactory(status=ListingStatus.PENDING, name=word, slug=f"t-{n}")
    ListingFactory(
        name=NEAR_NAME, kind=KIND, slug="twin", location=AT_200_M, country="US",
        status=ListingStatus.PENDING, locality="Los Angeles",
    )  # fmt: skip
    client.force_login(people["moderator"])
    client.get("/en/moderation/")  # warm the per-process caches (navigation, taxonomy)
    with django_assert_max_num_queries(16):
        response = client.get("/en/moderation/")
    html = response.content.decode()
    review = html.split('id="review-twin"')[1].split("</article>")[0]
    aside = review.split('class="suspected"')[1].split("</aside>")[0]
    assert f'href="/en/listings/{kitchen.slug}/"' in aside
    assert kitchen.name in aside and "Mutual aid" in aside and "Published" in aside
    assert "Los Angeles" in aside
    for n in range(len(UNLIKE)):
        assert 'class="suspected"' not in html.split(f'id="review-t-{n}"')[1].split("</article>")[0]


def test_the_queue_costs_the_same_with_more_pending_duplicates(
    client, people, django_assert_max_num_queries
):
    client.force_login(people["moderator"])
    client.get("/en/moderation/")
    existing_kitchen()

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            client.get("/en/moderation/")
        return len(queries)

    ListingFactory(name=NEAR_NAME, kind=KIND, slug="t1", location=AT_200_M,
                   status=ListingStatus.PENDING)  # fmt: skip
    one = count()
    for n in range(2, 8):
        ListingFactory(name=f"{NEAR_NAME} {n}", kind=KIND, slug=f"t{n}", location=AT_200_M,
                       status=ListingStatus.PENDING)  # fmt: skip
    assert count() == one
    assert len(re.findall(r'class="suspected"', client.get("/en/moderation/").content.decode()))


def test_two_pending_submissions_of_one_project_show_each_other(client, people):
    ListingFactory(name=NEAR_NAME, kind=KIND, slug="a", location=AT_200_M,
                   status=ListingStatus.PENDING)  # fmt: skip
    ListingFactory(name=NEAR_NAME, kind=KIND, slug="b", location=Point(LNG, LAT, srid=4326),
                   status=ListingStatus.PENDING)  # fmt: skip
    client.force_login(people["moderator"])
    html = client.get("/en/moderation/").content.decode()
    a = html.split('id="review-a"')[1].split("</article>")[0]
    b = html.split('id="review-b"')[1].split("</article>")[0]
    assert 'href="/en/listings/b/"' in a and 'href="/en/listings/a/"' in b


# --- The plan ----------------------------------------------------------------------------


def _plan(statement) -> str:
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_listing")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        return json.dumps(cursor.fetchone()[0])


NAME_WORDS = [
    "Huerta",
    "Taller",
    "Despensa",
    "Clínica",
    "Biblioteca",
    "Radio",
    "Escuela",
    "Panadería",
    "Lavandería",
    "Imprenta",
    "Farmacia",
    "Vivero",
    "Teatro",
    "Bicicletas",
    "Guardería",
    "Costura",
    "Carpintería",
    "Mercado",
    "Molino",
    "Orquesta",
]


@pytest.mark.parametrize("for_moderator", [False, True])
def test_the_comparison_runs_on_the_indexes(for_moderator):
    rng = random.Random(3)
    Listing.objects.bulk_create(
        ListingFactory.build(
            slug=f"l{n}",
            # Names as varied as a directory's: all of one word ("Cocina 1", "Cocina 2"...)
            # would make the trigram index look no better than reading every name.
            name=f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_WORDS)} {n}",
            kind=KIND,
            location=Point(LNG + rng.uniform(-1, 1), LAT + rng.uniform(-1, 1), srid=4326),
            location_precision=rng.choice(["exact", "area", "region", "hidden"]),
        )
        for n in range(2000)
    )
    probes = [duplicates.Probe(NEAR_NAME, KIND, AT_200_M, None)] * 3
    plan = _plan(duplicates.similar_statement(probes, for_moderator=for_moderator))
    assert "listing_public_point_gist" in plan
    if for_moderator:  # hidden listings are looked up by name
        assert "listing_name_trgm" in plan
    scans = [node for node in re.findall(r'"Node Type": "Seq Scan"[^}]*', plan)]
    assert not [scan for scan in scans if "directory_listing" in scan], plan
