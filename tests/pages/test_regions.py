"""The organizers' regional maps: `/regions/` and `/regions/<slug>/` (sub-regions shaded by
listings or needs, the same figures as tables, gaps, CSV and GeoJSON downloads), public
points only, bad input next to its field, and the gaps' SQL on the GiST index."""

import csv
import io
import json
import math
import re

import pytest
from django import forms
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import translation
from django.utils.html import escape

from directory import gaps, services, stats
from directory.choices import (
    ListingKind,
    ListingStatus,
    LocationPrecision,
    NeedKind,
    RegionLevel,
)
from tests.factories import ListingFactory, NeedFactory, PlaceFactory, RegionFactory, box

pytestmark = pytest.mark.django_db

EARTH_RADIUS_KM = 6371.0088  # PostGIS's sphere (ST_DWithin(..., use_spheroid=false), <->)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lng1, lat1), (lng2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def body(response) -> str:
    return response.content.decode()


def listing(kind, lng, lat, **extra):
    created = ListingFactory(kind=kind, location=Point(lng, lat, srid=4326), **extra)
    services.listing_refresh_derived(created)
    return created


# Three towns of the state of "Tlaxcala" (a box), and one outside it.
BIG = (-99.0, 20.0)  # 100,000 people, a mutual-aid listing 0.1° north (11.1 km)
MIDDLE = (-98.5, 20.0)  # 60,000 people, 53 km from that listing
SMALL = (-97.5, 20.5)  # 20,000 people, 163 km from it
AID = (-99.0, 20.1)


@pytest.fixture
def world():
    country = RegionFactory(
        slug="mx",
        name_en="Mexico",
        name_es="México",
        level=RegionLevel.COUNTRY,
        geom=box(-118, 14, -86, 33),
    )
    state = RegionFactory(
        slug="mx-tlax",
        name_en="Tlaxcala",
        level=RegionLevel.ADMIN1,
        parent=country,
        geom=box(-100, 19, -97, 21),
    )
    other = RegionFactory(
        slug="mx-oax",
        name_en="Oaxaca",
        level=RegionLevel.ADMIN1,
        parent=country,
        geom=box(-97, 15, -94, 19),
    )
    empty = RegionFactory(
        slug="mx-son",
        name_en="Sonora",
        level=RegionLevel.ADMIN1,
        parent=country,
        geom=box(-115, 26, -108, 32),
    )
    places = {
        "big": PlaceFactory(
            name="Villa Grande",
            admin1_name="Tlaxcala",
            country="MX",
            point=Point(*BIG, srid=4326),
            population=100_000,
        ),
        "middle": PlaceFactory(
            name="Pueblo Medio",
            admin1_name="Tlaxcala",
            country="MX",
            point=Point(*MIDDLE, srid=4326),
            population=60_000,
        ),
        "small": PlaceFactory(
            name="Ranchito",
            admin1_name="Tlaxcala",
            country="MX",
            point=Point(*SMALL, srid=4326),
            population=20_000,
        ),
        "outside": PlaceFactory(
            name="Fuera",
            admin1_name="Oaxaca",
            country="MX",
            point=Point(-96, 17, srid=4326),
            population=500_000,
        ),
    }
    aid = listing(ListingKind.MUTUAL_AID, *AID, location_precision=LocationPrecision.EXACT)
    NeedFactory(listing=aid, kind=NeedKind.FOOD)
    NeedFactory(listing=aid, kind=NeedKind.VOLUNTEERS)
    listing(ListingKind.COOPERATIVE, -98.5, 20.05)
    listing(ListingKind.COOPERATIVE, -96.0, 17.0)
    # Never counted, never a cover for a place: not public, or without a public point.
    listing(ListingKind.MUTUAL_AID, *MIDDLE, status=ListingStatus.PENDING)
    listing(ListingKind.MUTUAL_AID, *MIDDLE, location_precision=LocationPrecision.HIDDEN)
    listing(ListingKind.MUTUAL_AID, *SMALL, hidden_by_reports=True)
    stats.refresh()
    return {"country": country, "state": state, "other": other, "empty": empty, **places}


# --- /regions/ --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "en"])
def test_regions_index_lists_countries_and_states_with_listings(client, world, lang):
    response = client.get(f"/{lang}/regions/")
    assert response.status_code == 200
    html = body(response)
    assert f'<html lang="{lang}">' in html
    country = "México" if lang == "es" else "Mexico"
    assert f'<a href="/{lang}/regions/mx/">{country}</a>' in html
    assert f'<a href="/{lang}/regions/mx-tlax/">Tlaxcala</a>' in html
    assert f'<a href="/{lang}/regions/mx-oax/">Oaxaca</a>' in html
    assert "Sonora" not in html  # no listing there
    with translation.override(lang):
        assert translation.ngettext("%(n)s listing", "%(n)s listings", 3) != ""


def test_regions_index_query_budget(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get("/en/regions/").status_code == 200


def areas(client, query: str = "") -> dict:
    response = client.get(f"/en/regions/areas.geojson{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def by_name(collection: dict) -> dict[str, dict]:
    return {f["properties"]["name"]: f["properties"] for f in collection["features"]}


def test_index_map_areas_carry_the_list_figures(client, world):
    data = areas(client)
    countries, states = by_name(data["countries"]), by_name(data["states"])
    assert set(countries) == {"Mexico"}
    assert set(states) == {"Tlaxcala", "Oaxaca"}  # Sonora holds nothing
    assert states["Tlaxcala"]["listings_text"] == "3 listings"
    assert states["Tlaxcala"]["needs_text"] == "2 open needs"
    assert states["Oaxaca"]["listings_text"] == "1 listing"
    assert countries["Mexico"]["has_states"] is True
    assert countries["Mexico"]["url"] == "/en/regions/mx/"
    assert states["Tlaxcala"]["url"] == "/en/regions/mx-tlax/"
    assert states["Tlaxcala"]["colour"] != states["Oaxaca"]["colour"]
    for feature in data["countries"]["features"] + data["states"]["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
    # The page lists the same figures the map's areas carry.
    html = body(client.get("/en/regions/"))
    assert countries["Mexico"]["listings_text"] in html  # "4 listings · 2 open needs"
    for name, props in states.items():
        assert f'>{name}</a>&nbsp;<span class="region-count">({props["value_text"]})</span>' in html
    data_script = re.search(
        r'<script id="regions-map-data" type="application/json">(.*?)</script>', html
    )
    page_data = json.loads(data_script.group(1))
    assert page_data["areas_url"] == "/en/regions/areas.geojson?shade=listings"
    assert page_data["states_from_zoom"] >= 1


def test_index_map_shades_by_kind_or_needs(client, world):
    states = by_name(areas(client, "?shade=mutual_aid")["states"])
    assert {n: p["value_text"] for n, p in states.items()} == {"Tlaxcala": "2", "Oaxaca": "0"}
    states = by_name(areas(client, "?shade=needs")["states"])
    assert {n: p["value_text"] for n, p in states.items()} == {"Tlaxcala": "2", "Oaxaca": "0"}


def test_index_refuses_an_unknown_shade_naming_the_field(client, world):
    response = client.get("/es/regions/areas.geojson?shade=%3Cscript%3E")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["shade"]
    with translation.override("es"):
        expected = str(forms.ChoiceField.default_error_messages["invalid_choice"]) % {
            "value": "<script>"
        }
    assert errors["shade"] == [expected]
    assert "<script>" in expected and "valid" not in expected  # named, and in Spanish
    page = client.get("/es/regions/?shade=%3Cscript%3E")
    assert page.status_code == 400
    html = page.content.decode()
    error = re.search(r'<p class="field-error" id="id_shade_error">(.*?)</p>', html).group(1)
    assert escape(expected) in error  # escaped: the value given is shown, never run
    # The page still draws, with every listing shading the areas.
    assert "Tlaxcala" in html


def test_index_map_areas_hold_no_listing_point(client, world):
    raw = client.get("/en/regions/areas.geojson").content.decode()
    # The exact mutual-aid point (-99.0, 20.1) is nowhere: only the boxes' corners.
    assert "20.1" not in raw


def test_index_map_areas_in_spanish_and_cached(client, world):
    response = client.get("/es/regions/areas.geojson")
    assert "max-age=300" in response["Cache-Control"]
    countries = by_name(response.json()["countries"])
    with translation.override("es"):
        expected = translation.ngettext("%(count)s listing", "%(count)s listings", 4) % {"count": 4}
    assert expected != "4 listings"
    assert countries["México"]["listings_text"] == expected


def test_light_index_leaves_the_map_out_and_keeps_the_list(client, world):
    html = body(client.get("/en/regions/", HTTP_SAVE_DATA="on"))
    assert "regionsmap.js" not in html and 'id="regionmap"' not in html
    assert '<a href="/en/regions/mx-tlax/">Tlaxcala</a>' in html
    assert "regionsmap.js" in body(client.get("/en/regions/"))


def test_index_map_areas_query_budget(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get("/en/regions/areas.geojson").status_code == 200


# --- /regions/<slug>/ --------------------------------------------------------------------------


def area_rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'<section aria-labelledby="areas-title">.*?<tbody>(.*?)</tbody>', html, re.S)
    rows = {}
    for name, cells in re.findall(
        r'<tr><th scope="row"><a href="[^"]+">([^<]+)</a></th>(.*?)</tr>', table.group(1)
    ):
        rows[name] = re.findall(r'<td class="num">([^<]*)</td>', cells)
    return rows


def map_data(html: str) -> dict:
    found = re.search(r'<script id="region-map-data" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_country_page_shades_its_states_and_tables_the_same_figures(client, world, lang):
    response = client.get(f"/{lang}/regions/mx/")
    assert response.status_code == 200
    html = body(response)
    assert f'<html lang="{lang}">' in html
    assert ("México" if lang == "es" else "Mexico") in html
    # Columns: all listings, cooperatives, mutual aid, community projects, open needs. A
    # hidden listing counts in its state (listed by region), though it is on no map.
    assert area_rows(html) == {
        "Oaxaca": ["1", "1", "0", "0", "0"],
        "Sonora": ["0", "0", "0", "0", "0"],
        "Tlaxcala": ["3", "1", "2", "0", "2"],
    }
    data = map_data(html)
    areas = {f["properties"]["name"]: f for f in data["areas"]["features"]}
    assert set(areas) == {"Oaxaca", "Sonora", "Tlaxcala"}
    assert areas["Tlaxcala"]["geometry"]["type"] == "MultiPolygon"
    assert areas["Tlaxcala"]["properties"]["value"] == 3
    assert areas["Sonora"]["properties"]["colour"] == "#f4f1ec"  # nothing there
    assert areas["Tlaxcala"]["properties"]["colour"] != areas["Oaxaca"]["properties"]["colour"]
    assert areas["Tlaxcala"]["properties"]["needs"] == 2


def test_shading_by_one_kind_or_by_needs(client, world):
    data = map_data(body(client.get("/en/regions/mx/?shade=mutual_aid")))
    values = {f["properties"]["name"]: f["properties"]["value"] for f in data["areas"]["features"]}
    assert values == {"Oaxaca": 0, "Sonora": 0, "Tlaxcala": 2}
    data = map_data(body(client.get("/en/regions/mx/?shade=needs")))
    values = {f["properties"]["name"]: f["properties"]["value"] for f in data["areas"]["features"]}
    assert values == {"Oaxaca": 0, "Sonora": 0, "Tlaxcala": 2}
    assert data["shade_label"] == "Open needs"


def test_region_page_holds_no_listing_location(client, world):
    html = body(client.get("/en/regions/mx-tlax/?distance_km=25&min_population=15000"))
    for coordinate in ("20.1,", "20.05", "-98.5, 20.05", "[-99.0, 20.1]"):
        assert coordinate not in html


def test_unknown_region_is_404(client, world):
    assert client.get("/en/regions/atlantis/").status_code == 404


def test_region_page_query_budget(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        assert client.get("/en/regions/mx/").status_code == 200


# --- Gaps ----------------------------------------------------------------------------------------


def test_gaps_match_the_hand_computed_answer(world):
    state = world["state"]
    # 25 km: the big town has a mutual-aid listing 11 km away; the others have none.
    found = gaps.find_gaps(state, kind="mutual_aid", min_population=15_000, distance_km=25)
    assert [g.name for g in found.gaps] == ["Pueblo Medio", "Ranchito"]
    assert found.total == 2
    middle, small = found.gaps
    assert middle.population == 60_000 and middle.country == "MX"
    assert middle.nearest_km == pytest.approx(haversine_km(MIDDLE, AID), abs=0.01)
    assert small.nearest_km == pytest.approx(haversine_km(SMALL, AID), abs=0.01)
    assert 53 < middle.nearest_km < 54 and 162 < small.nearest_km < 163
    # At least 50,000 people: the small town is left out.
    found = gaps.find_gaps(state, kind="mutual_aid", min_population=50_000, distance_km=25)
    assert [g.name for g in found.gaps] == ["Pueblo Medio"]
    # 60 km: the middle town is covered by the listing 53 km away.
    found = gaps.find_gaps(state, kind="mutual_aid", min_population=15_000, distance_km=60)
    assert [g.name for g in found.gaps] == ["Ranchito"]
    # Just under and over 11.1 km for the big town.
    near = haversine_km(BIG, AID)
    assert "Villa Grande" in [
        g.name
        for g in gaps.find_gaps(
            state, kind="mutual_aid", min_population=15_000, distance_km=11
        ).gaps
    ]
    assert near < 12
    assert "Villa Grande" not in [
        g.name
        for g in gaps.find_gaps(
            state, kind="mutual_aid", min_population=15_000, distance_km=12
        ).gaps
    ]


def test_gaps_depend_on_the_kind(world):
    # The cooperative 0.05° from the middle town covers it; none is near the others.
    found = gaps.find_gaps(
        world["state"], kind="cooperative", min_population=15_000, distance_km=25
    )
    assert [g.name for g in found.gaps] == ["Villa Grande", "Ranchito"]


def test_gaps_use_public_points_only(world):
    # A listing at an area-cell centre covers what is near the centre, not the true point.
    listing(
        ListingKind.COMMUNITY_PROJECT,
        -97.5049,
        20.5049,
        location_precision=LocationPrecision.REGION,  # public point: (-97.55, 20.55)
    )
    cell_centre = (-97.55, 20.55)
    distance = haversine_km(SMALL, cell_centre)  # about 7.5 km
    kinds = dict(kind="community_project", min_population=15_000)
    covered = gaps.find_gaps(world["state"], distance_km=math.ceil(distance), **kinds)
    assert "Ranchito" not in [g.name for g in covered.gaps]
    uncovered = gaps.find_gaps(world["state"], distance_km=math.floor(distance), **kinds)
    assert "Ranchito" in [g.name for g in uncovered.gaps]
    # Hidden, pending and reported listings sit on the middle and small towns: no cover.
    found = gaps.find_gaps(world["state"], kind="mutual_aid", min_population=15_000, distance_km=1)
    assert {"Pueblo Medio", "Ranchito"} <= {g.name for g in found.gaps}


def test_gaps_stay_inside_the_region_and_skip_postal_codes(world):
    PlaceFactory(
        kind="postal_code",
        name="ZIP",
        postal_code="90000",
        point=Point(-98.0, 20.0, srid=4326),
        population=1_000_000,
        country="MX",
    )
    found = gaps.find_gaps(
        world["state"], kind="community_project", min_population=15_000, distance_km=500
    )
    assert [g.name for g in found.gaps] == ["Villa Grande", "Pueblo Medio", "Ranchito"]


def test_gaps_are_bounded(world):
    found = gaps.find_gaps(
        world["state"], kind="community_project", min_population=15_000, distance_km=25, limit=2
    )
    assert [g.name for g in found.gaps] == ["Villa Grande", "Pueblo Medio"]
    assert found.total == 3
    for bad in (
        dict(min_population=14_999),
        dict(min_population=10_000_001),
        dict(distance_km=0),
        dict(distance_km=501),
        dict(kind="x"),
        dict(limit=501),
    ):
        arguments = dict(kind="cooperative", min_population=15_000, distance_km=25) | bad
        with pytest.raises(ValueError):
            gaps.find_gaps(world["state"], **arguments)


def test_gaps_plan_uses_the_listing_geography_index(world):
    sql, params = gaps.gaps_statement(
        world["state"], kind="mutual_aid", min_population=15_000, distance_km=25
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_listing; ANALYZE directory_place")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = json.dumps(cursor.fetchone()[0])
    assert "listing_public_geog_gist" in plan
    assert '"Relation Name": "directory_listing"' in plan
    assert not re.search(
        r'"Node Type": "Seq Scan", [^{}]*"Relation Name": "directory_listing"', plan
    )


def test_gaps_on_the_page_are_drawn_and_listed(client, world):
    html = body(
        client.get("/en/regions/mx-tlax/?gap_kind=mutual_aid&min_population=15000&distance_km=25")
    )
    assert (
        "Cities and towns of at least 15,000 people with no public listing of the kind "
        "“Mutual aid” within 25 km." in html
    )
    assert "<strong>2 places</strong>" in html
    assert (
        '<th scope="row">Pueblo Medio</th><td>Tlaxcala, Mexico</td>'
        '<td class="num">60,000</td><td class="num">53 km</td>' in html
    )
    data = map_data(html)
    assert [(g["name"], g["lat"], g["lng"]) for g in data["gaps"]] == [
        ("Pueblo Medio", 20.0, -98.5),
        ("Ranchito", 20.5, -97.5),
    ]


def test_gap_defaults_are_sane(client, world):
    html = body(client.get("/en/regions/mx-tlax/"))
    assert re.search(r'name="min_population" value="50000"', html)
    assert re.search(r'name="distance_km" value="25"', html)
    assert '<option value="mutual_aid" selected>' in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("min_population=abc", "min_population", "Enter a whole number."),
        (
            "min_population=100",
            "min_population",
            "Ensure this value is greater than or equal to 15000.",
        ),
        (
            "min_population=99999999",
            "min_population",
            "Ensure this value is less than or equal to 10000000.",
        ),
        ("distance_km=0", "distance_km", "Ensure this value is greater than or equal to 1."),
        ("distance_km=501", "distance_km", "Ensure this value is less than or equal to 500."),
        ("distance_km=2.5", "distance_km", "Enter a whole number."),
        (
            "gap_kind=spaceship",
            "gap_kind",
            "Select a valid choice. spaceship is not one of the available choices.",
        ),
        (
            "shade=rainbow",
            "shade",
            "Select a valid choice. rainbow is not one of the available choices.",
        ),
    ],
)
def test_bad_input_comes_back_next_to_its_field(client, world, query, field, message):
    response = client.get(f"/en/regions/mx-tlax/?{query}")
    assert response.status_code == 400
    html = body(response)
    assert (
        f'<p class="field-error" id="id_{field}_error">'
        f'<span class="visually-hidden">Error:</span> {message}</p>' in html
    )
    assert f'<a href="#id_{field}">{message}</a>' in html  # the error summary


def test_bad_input_in_spanish_is_in_spanish(client, world):
    response = client.get("/es/regions/mx-tlax/?distance_km=0")
    assert response.status_code == 400
    with translation.override("es"):
        assert translation.gettext("There is a problem") in body(response)


@pytest.mark.parametrize(
    "query",
    [
        "format=xml",
        "data=people",
        "format=csv&distance_km=x",
        "min_population=%00",
        "distance_km=1e9",
    ],
)
def test_strange_input_never_breaks_the_page(client, world, query):
    response = client.get(f"/en/regions/mx-tlax/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# --- Downloads -----------------------------------------------------------------------------------


def test_areas_download_as_csv(client, world):
    response = client.get("/en/regions/mx/?format=csv&data=regions")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tejido-mx-regions.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "slug",
        "name",
        "listings",
        "cooperative",
        "mutual_aid",
        "community_project",
        "open_needs",
    ]
    assert rows[1:] == [
        ["mx-oax", "Oaxaca", "1", "1", "0", "0", "0"],
        ["mx-son", "Sonora", "0", "0", "0", "0", "0"],
        ["mx-tlax", "Tlaxcala", "3", "1", "2", "0", "2"],
    ]


def test_gaps_download_as_csv_and_geojson(client, world):
    query = "gap_kind=mutual_aid&min_population=15000&distance_km=25"
    response = client.get(f"/en/regions/mx-tlax/?{query}&format=csv&data=gaps")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["name", "admin1", "country", "population", "nearest_km", "lat", "lng"]
    assert rows[1:] == [
        ["Pueblo Medio", "Tlaxcala", "MX", "60000", "53", "20.0", "-98.5"],
        ["Ranchito", "Tlaxcala", "MX", "20000", "163", "20.5", "-97.5"],
    ]
    response = client.get(f"/en/regions/mx-tlax/?{query}&format=geojson&data=gaps")
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    assert [f["geometry"] for f in collection["features"]] == [
        {"type": "Point", "coordinates": [-98.5, 20.0]},
        {"type": "Point", "coordinates": [-97.5, 20.5]},
    ]
    assert collection["features"][0]["properties"]["population"] == 60_000


def test_areas_download_as_geojson_outlines(client, world):
    from django.contrib.gis.geos import GEOSGeometry

    collection = json.loads(client.get("/en/regions/mx/?format=geojson").content)
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["slug"] for f in collection["features"]] == [
        "mx-oax",
        "mx-son",
        "mx-tlax",
    ]
    for feature in collection["features"]:
        geometry = GEOSGeometry(json.dumps(feature["geometry"]))
        assert geometry.geom_type == "MultiPolygon" and geometry.valid
    tlax = collection["features"][2]
    assert tlax["properties"]["listings"] == 3 and tlax["properties"]["open_needs"] == 2


def test_csv_cells_never_start_a_formula(client, world):
    PlaceFactory(
        name="=HYPERLINK(1)",
        admin1_name="Tlaxcala",
        country="MX",
        point=Point(-97.2, 19.5, srid=4326),
        population=30_000,
    )
    response = client.get(
        "/en/regions/mx-tlax/?format=csv&data=gaps&min_population=15000&gap_kind=community_project"
    )
    assert "'=HYPERLINK(1)" in response.content.decode()


def test_download_links_keep_what_is_shown(client, world):
    html = body(
        client.get(
            "/en/regions/mx-tlax/?shade=needs&gap_kind=cooperative&min_population=20000&distance_km=40"
        )
    )
    assert (
        'href="/en/regions/mx-tlax/?shade=needs&amp;gap_kind=cooperative&amp;min_population=20000'
        '&amp;distance_km=40&amp;format=csv&amp;data=gaps"'
    ) in html
