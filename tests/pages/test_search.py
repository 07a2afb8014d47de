"""The search page: What / Where, filters with the API's names, results nearest first."""

import json
import re
from datetime import time

import pytest
from django.contrib.gis.geos import Point

from directory.choices import LocationPrecision
from directory.models import Category, OpeningPeriod
from directory.selectors import LISTING_ROW_SQL
from mapping.maps import KIND_COLOURS
from pages import data_caches
from pages.data_caches import CATEGORIES_SQL
from tests.factories import CategoryFactory, ListingFactory, NeedFactory, PlaceFactory

pytestmark = pytest.mark.django_db

SANTA_ANA = (-117.86783, 33.74557)


def names_in_order(body: str) -> list[str]:
    return re.findall(r'<h3 class="card__name"><a href="[^"]+">([^<]+)</a>', body)


@pytest.fixture
def santa_ana():
    PlaceFactory()  # Santa Ana, CA
    PlaceFactory(
        kind="postal_code",
        name="Santa Ana",
        ascii_name="santa ana",
        postal_code="92701",
        population=0,
        point=Point(-117.8543, 33.7486, srid=4326),
    )
    far = ListingFactory(
        name="Lejana", slug="lejana", location=Point(-117.75, 33.70, srid=4326), country="US"
    )
    near = ListingFactory(
        name="Cercana", slug="cercana", location=Point(-117.86, 33.75, srid=4326), country="US"
    )
    ListingFactory(name="Ciudad de México", slug="cdmx")  # 2,000 km away
    return near, far


@pytest.mark.parametrize("where", ["Santa Ana, CA", "santa ana, ca", "92701"])
def test_search_near_a_city_or_zip_finds_the_nearest_listing_first(client, santa_ana, where):
    response = client.get("/en/listings/", {"near": where})
    assert response.status_code == 200
    body = response.content.decode()
    assert names_in_order(body) == ["Cercana", "Lejana"]
    assert "2 results within 25 km of" in body
    assert re.search(r"\b\d+(\.\d)? km away", body)  # exact listings: km with a decimal


def test_distances_are_formatted_for_the_locale(client, santa_ana):
    body = client.get("/es/listings/", {"near": "92701"}).content.decode()
    # 0.7 km from the ZIP code's point to Cercana; Spanish writes a decimal comma.
    assert re.search(r"\b0,\d km", body) and not re.search(r"\b0\.\d km", body)


def test_an_area_listing_shows_a_whole_number_of_km(client):
    PlaceFactory()
    ListingFactory(
        name="Zona", location=Point(-117.80, 33.70, srid=4326), location_precision="area"
    )
    body = client.get("/en/listings/", {"near": "Santa Ana, CA"}).content.decode()
    assert re.search(r"about \d+ km away", body) and not re.search(r"about \d+\.\d", body)


def test_coordinates_work_as_a_place(client, santa_ana):
    body = client.get("/en/listings/", {"near": "33.7456,-117.8678"}).content.decode()
    assert names_in_order(body) == ["Cercana", "Lejana"]


def test_an_unknown_place_keeps_the_typed_text_and_says_so(client, santa_ana):
    response = client.get("/en/listings/", {"near": "Nowhere <b>ville</b>", "q": "pan"})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="Nowhere &lt;b&gt;ville&lt;/b&gt;"' in body
    assert 'id="id_near_error"' in body
    assert "We could not find “Nowhere &lt;b&gt;ville&lt;/b&gt;”" in body
    assert 'value="pan"' in body and names_in_order(body) == []


def test_a_bad_radius_gives_a_message_next_to_the_field_in_spanish(client, santa_ana):
    response = client.get("/es/listings/", {"near": "Santa Ana, CA", "radius_km": "9999"})
    assert response.status_code == 400
    body = response.content.decode()
    error = re.search(r'<p class="field-error" id="id_radius_km_error">(.*?)</p>', body, re.S)
    assert error and "menor o igual a 500" in error.group(1)
    assert 'href="#id_radius_km"' in body  # the error summary links to the field
    assert 'aria-describedby="id_radius_km_error"' in body


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "spaceship"}, "kind"),
        ({"open_now": "maybe"}, "open_now"),
        ({"language": "not a code!"}, "language"),
        ({"category": "nope"}, "category"),
        ({"near": "95,200"}, "near"),
        ({"ordering": "height"}, "ordering"),
        ({"near": "Santa Ana, CA", "radius_km": "NaN"}, "radius_km"),
        ({"page": "0"}, "page"),
        ({"open_at": "someday at noon"}, "open_at"),
        ({"q": "x" * 300}, "q"),
    ],
)
def test_bad_parameters_come_back_as_messages_never_a_server_error(
    client, santa_ana, params, field
):
    response = client.get("/en/listings/", params)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    if field != "page":
        assert f'id="id_{field}_error"' in body or f'href="#id_{field}' in body


def test_a_radius_without_a_place_is_ignored(client, santa_ana):
    response = client.get("/en/listings/", {"radius_km": "25", "ordering": "distance"})
    assert response.status_code == 200
    assert names_in_order(response.content.decode()) == ["Cercana", "Ciudad de México", "Lejana"]


def test_unknown_parameters_of_a_shared_link_are_left_out(client, santa_ana):
    response = client.get("/en/listings/", {"near": "92701", "utm_source": "x"})
    assert response.status_code == 200


def test_an_ambiguous_name_offers_did_you_mean(client):
    PlaceFactory(name="Springfield", ascii_name="springfield", admin1="IL", population=114394)
    PlaceFactory(name="Springfield", ascii_name="springfield", admin1="MO", population=170188)
    body = client.get("/en/listings/", {"near": "Springfield", "kind": "cooperative"})
    body = body.content.decode()
    assert "Which “Springfield” did you mean?" in body
    assert "near=Springfield%2C+MO" in body and "near=Springfield%2C+IL" in body
    assert "kind=cooperative" in body  # the filters are kept
    chosen = client.get("/en/listings/", {"near": "Springfield, IL"}).content.decode()
    assert "did you mean" not in chosen and "Springfield, IL, United States" in chosen


def test_a_much_larger_place_of_the_same_name_wins(client):
    PlaceFactory(name="Oaxaca", ascii_name="oaxaca", country="MX", admin1="20", population=255029)
    PlaceFactory(name="Oaxaca", ascii_name="oaxaca", country="MX", admin1="07", population=1000)
    body = client.get("/en/listings/", {"near": "Oaxaca"}).content.decode()
    assert "did you mean" not in body and "of Oaxaca" in body


def test_user_text_is_escaped_in_cards_and_map(client):
    PlaceFactory()
    ListingFactory(
        name="<img src=x onerror=alert(1)>",
        summary_es="`${alert(2)}` </script><script>alert(3)</script>",
        location=Point(-117.86, 33.75, srid=4326),
    )
    body = client.get("/en/listings/", {"near": "Santa Ana, CA"}).content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<script>alert(3)" not in body and "</script><script>" not in body
    assert "&lt;/script&gt;&lt;script&gt;alert(3)" in body


def test_cards_say_open_now_in_the_listings_time_zone_and_what_it_needs(client):
    PlaceFactory()
    listing = ListingFactory(
        location=Point(-117.86, 33.75, srid=4326), timezone="America/Los_Angeles"
    )
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(listing=listing, weekday=d, opens=time(0), closes=time(23, 59))
        for d in range(1, 8)
    )
    NeedFactory(listing=listing, kind="volunteers")
    body = client.get("/en/listings/", {"near": "Santa Ana, CA"}).content.decode()
    assert "Open now · closes at 23:59" in body or "Open now · open around the clock" in body
    assert "Needs volunteers" in body
    assert "Confirmed today" in body


def test_a_results_page_keeps_a_query_budget(client, django_assert_max_num_queries):
    PlaceFactory()
    for n in range(25):
        listing = ListingFactory(
            location=Point(-117.86 + n / 1000, 33.75, srid=4326), timezone="America/Los_Angeles"
        )
        OpeningPeriod.objects.create(listing=listing, weekday=1, opens=time(9), closes=time(17))
        NeedFactory(listing=listing)
    # categories (1) + gazetteer (1) + the page, its count and opening hours (1)
    with django_assert_max_num_queries(3):
        response = client.get("/en/listings/", {"near": "Santa Ana, CA"})
    body = response.content.decode()
    assert len(names_in_order(body)) == 20
    assert "25 results" in body
    assert body.count("Closed · opens") + body.count("Open now · closes at 17:00") == 20
    # The process keeps the taxonomy it read: a point needs the page's statement alone.
    with django_assert_max_num_queries(1):
        again = client.get("/en/listings/", {"near": "33.75,-117.86"})
    assert len(names_in_order(again.content.decode())) == 20


def test_the_taxonomy_kept_by_the_process_follows_changes(client, monkeypatch):
    food = CategoryFactory(slug="food", name_en="Food")
    pantry = ListingFactory(name="Pantry", location=Point(*SANTA_ANA, srid=4326))
    pantry.categories.set([food])
    near = {"near": f"{SANTA_ANA[1]},{SANTA_ANA[0]}"}
    assert (
        '<option value="food">Food</option>' in client.get("/en/listings/", near).content.decode()
    )
    # A category saved or deleted in this process is read again at once...
    food.name_en = "Food and meals"
    food.save()
    body = client.get("/en/listings/", near).content.decode()
    assert '<option value="food">Food and meals</option>' in body
    assert "Food and meals" in body.split('<ol class="cards"')[1]
    # ...a change made elsewhere (another process, plain SQL) after TAXONOMY_SECONDS.
    Category.objects.filter(pk=food.pk).update(name_en="Meals")
    assert "Food and meals" in client.get("/en/listings/", near).content.decode()
    monkeypatch.setattr(data_caches, "TAXONOMY_SECONDS", 0)
    assert (
        '<option value="food">Meals</option>' in client.get("/en/listings/", near).content.decode()
    )


def test_pagination_keeps_the_filters(client):
    PlaceFactory()
    for n in range(23):
        ListingFactory(name=f"Coop {n:02d}", location=Point(-117.86 + n / 1000, 33.75, srid=4326))
    first = client.get("/en/listings/", {"near": "Santa Ana, CA", "kind": "cooperative"})
    body = first.content.decode()
    assert (
        'rel="next" href="/en/listings/?near=Santa+Ana%2C+CA&amp;kind=cooperative&amp;page=2"'
        in body
    )
    second = client.get(
        "/en/listings/", {"near": "Santa Ana, CA", "kind": "cooperative", "page": 2}
    )
    body = second.content.decode()
    assert names_in_order(body) == ["Coop 20", "Coop 21", "Coop 22"]
    assert 'rel="prev"' in body and 'rel="next"' not in body


def test_no_dead_end_when_nothing_is_within_the_radius(client):
    PlaceFactory()
    ListingFactory(name="Irvine", location=Point(-117.79, 33.68, srid=4326), kind="mutual_aid")
    body = client.get(
        "/en/listings/", {"near": "Santa Ana, CA", "radius_km": "2", "kind": "mutual_aid"}
    ).content.decode()
    assert "Nothing matches this search." in body
    assert "radius_km=10" in body and "Search within 10 km" in body
    assert "The same search without filters" in body
    assert "The nearest outside this distance" in body and "Irvine" in body


def test_the_home_page_has_the_what_and_where_form(client):
    body = client.get("/en/").content.decode()
    assert '<label for="id_q">What</label>' in body
    assert '<label for="id_near">Where</label>' in body
    assert 'action="/en/listings/"' in body and ">Search</button>" in body


def test_the_language_switcher_keeps_the_page_and_the_search(client):
    body = client.get("/en/listings/", {"q": "pan"}).content.decode()
    assert 'href="/es/listings/?q=pan" hreflang="es"' in body


def test_open_at_finds_what_is_open_then(client):
    open_saturday = ListingFactory(name="Sábado", timezone="America/Mexico_City")
    OpeningPeriod.objects.create(listing=open_saturday, weekday=6, opens=time(9), closes=time(14))
    closed = ListingFactory(name="Lunes", timezone="America/Mexico_City")
    OpeningPeriod.objects.create(listing=closed, weekday=1, opens=time(9), closes=time(14))
    body = client.get("/en/listings/", {"open_at": "sat 10:00"}).content.decode()
    assert names_in_order(body) == ["Sábado"]


# --- the results map ------------------------------------------------------------------------


def map_data(body: str) -> list[dict]:
    blocks = re.findall(
        r'<script id="map_[0-9a-f]{32}-points" type="application/json">(.*?)</script>', body, re.S
    )
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_the_map_holds_exactly_the_public_points_of_the_listed_results(client):
    PlaceFactory()
    exact = ListingFactory(name="Exacta", slug="exacta", location=Point(-117.86, 33.75, srid=4326))
    area = ListingFactory(
        name="Zona",
        slug="zona",
        location=Point(-117.8712, 33.7433, srid=4326),
        location_precision=LocationPrecision.AREA,
    )
    ListingFactory(
        name="Oculta",
        slug="oculta",
        location=Point(-117.865, 33.748, srid=4326),
        location_precision=LocationPrecision.HIDDEN,
    )
    body = client.get("/en/listings/", {"near": "Santa Ana, CA"}).content.decode()
    assert sorted(names_in_order(body)) == ["Exacta", "Zona"]  # a hidden one has no distance
    area.refresh_from_db()
    expected = {
        "Exacta": (33.75, -117.86, "/en/listings/exacta/"),
        "Zona": (area.public_point.y, area.public_point.x, "/en/listings/zona/"),
    }
    assert (area.public_point.y, area.public_point.x) != (33.7433, -117.8712)
    points = map_data(body)
    assert {p["name"]: (p["lat"], p["lng"], p["url"]) for p in points} == expected
    assert len(points) == 2
    assert {p["colour"] for p in points} == {KIND_COLOURS[exact.kind]}
    # no coordinate of the area listing's true point, nor of the hidden one, anywhere
    for secret in ("33.7433", "117.8712", "33.748", "117.865"):
        assert secret not in body
    assert [url for url in re.findall(r'(?:src|href)="([^"]*)"', body) if "http" in url] == []


def test_the_results_map_escapes_hostile_names_in_its_data(client):
    PlaceFactory()
    ListingFactory(name="</script><script>alert(1)</script>", location=Point(-117.86, 33.75))
    body = client.get("/en/listings/", {"near": "Santa Ana, CA"}).content.decode()
    assert "<script>alert(1)" not in body
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in body
    assert map_data(body)[0]["name"] == "</script><script>alert(1)</script>"


def test_the_nearest_outside_the_radius_are_on_the_map_when_nothing_is_inside(client):
    PlaceFactory()
    ListingFactory(name="Lejos", slug="lejos", location=Point(-117.40, 33.75, srid=4326))
    body = client.get("/en/listings/", {"near": "Santa Ana, CA", "radius_km": "5"}).content
    assert [p["name"] for p in map_data(body.decode())] == ["Lejos"]


# --- the filters ----------------------------------------------------------------------------


def selected_options(body: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return re.findall(r'<option value="([^"]*)" selected>', select)


def test_the_filters_show_the_values_and_categories_of_each_request(client):
    food = CategoryFactory(slug="food", name_en="Food")
    first = client.get("/en/listings/", {"category": "food", "kind": "mutual_aid"}).content
    assert selected_options(first.decode(), "category") == ["food"]
    assert 'value="mutual_aid" id="id_kind_1" checked' in first.decode()
    again = client.get("/en/listings/", {"language": "nah"}).content.decode()
    assert selected_options(again, "category") == [""]
    assert selected_options(again, "language") == ["nah"]
    assert "checked" not in again
    CategoryFactory(parent=food, slug="food-banks", name_en="Food banks")
    later = client.get("/en/listings/", {"category": "food-banks"}).content.decode()
    assert selected_options(later, "category") == ["food-banks"]
    assert '<option value="food-banks" selected>— Food banks</option>' in later
    spanish = client.get("/es/listings/", {"category": "food"}).content.decode()
    assert '<option value="food" selected>Food (es)</option>' in spanish


def test_the_plain_sql_of_the_page_names_the_models_tables_and_columns():
    assert re.findall(r'FROM "(\w+)"', CATEGORIES_SQL) == [Category._meta.db_table]
    columns = {f.column for f in Category._meta.fields}
    assert set(re.findall(r'"(\w+)"', CATEGORIES_SQL)) - {Category._meta.db_table} <= columns
    hours_sql = LISTING_ROW_SQL["opening_periods"]
    assert re.findall(r"FROM (\w+) p", hours_sql) == [OpeningPeriod._meta.db_table]
    period_columns = {f.column for f in OpeningPeriod._meta.fields}
    assert set(re.findall(r"\bp\.(\w+)", hours_sql)) <= period_columns
