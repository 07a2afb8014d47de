"""Tejido's own basemap (mapping/basemap.py, migration mapping/0006): the layers at each zoom,
names in the reader's language, bad input, cache headers, the rebuild (by command and when
regions are loaded) and the queries a tile costs."""

import json

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection

from directory.choices import RegionLevel
from directory.importers import RegionSource, boundaries_batch, load_regions
from mapping import basemap
from tests.factories import PlaceFactory, RegionFactory, box

from .test_tiles import tile_of

pytestmark = pytest.mark.django_db

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
URL = "/api/v1/tiles/basemap/{z}/{x}/{y}.pbf"
CDMX = (-99.13321, 19.43261)


def decode(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


@pytest.fixture
def world():
    """Two countries sharing a border along 32°N (names in four languages), two US states
    split at 95°W, two counties of the western one split at 40°N, and four cities."""
    us = RegionFactory(
        slug="us",
        level=RegionLevel.COUNTRY,
        code="US",
        name_en="United States",
        name_es="Estados Unidos",
        name_pt="Estados Unidos",
        name_fr="États-Unis",
        geom=box(-125, 32, -66, 49),
    )
    mx = RegionFactory(
        slug="mx",
        level=RegionLevel.COUNTRY,
        code="MX",
        name_en="Mexico",
        name_es="México",
        name_pt="México",
        name_fr="Mexique",
        geom=box(-118, 14, -86, 32),
    )
    west = RegionFactory(slug="us-w", parent=us, geom=box(-125, 32, -95, 49))
    RegionFactory(slug="us-e", parent=us, geom=box(-95, 32, -66, 49))
    for slug, geom in (("us-w-n", box(-125, 40, -95, 49)), ("us-w-s", box(-125, 32, -95, 40))):
        RegionFactory(slug=slug, parent=west, level=RegionLevel.ADMIN2, geom=geom)
    PlaceFactory(name="Ciudad de México", country="MX", point=point(*CDMX), population=9_209_944)
    PlaceFactory(name="Puebla", country="MX", point=point(-98.20, 19.04), population=1_434_062)
    PlaceFactory(name="Vernal", country="US", point=point(-110.2, 40.2), population=300_000)
    PlaceFactory(name="Pueblito", country="MX", point=point(-99.0, 19.6), population=20_000)
    PlaceFactory(kind="postal_code", name="Zip", postal_code="84078", point=point(-110.1, 40.1))
    basemap.refresh()
    return {"us": us, "mx": mx}


def point(lng, lat):
    return Point(lng, lat, srid=4326)


def get(client, z, x, y, HTTP_ACCEPT_LANGUAGE="es", **params):
    return client.get(URL.format(z=z, x=x, y=y), params, HTTP_ACCEPT_LANGUAGE=HTTP_ACCEPT_LANGUAGE)


def tile(client, z, lng, lat, **params) -> dict:
    response = get(client, z, *tile_of(lng, lat, z), **params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == MEDIA_TYPE
    return decode(response.content)


def levels(decoded) -> set[str]:
    return {f["properties"]["level"] for f in decoded.get("boundaries", {}).get("features", [])}


def places(decoded) -> dict[str, dict]:
    return {
        f["properties"]["name"]: f["properties"]
        for f in decoded.get("places", {}).get("features", [])
    }


def test_zoom_0_has_the_land_the_country_border_and_the_country_names(client, world):
    decoded = tile(client, 0, 0, 0, lang="en")
    assert set(decoded) == {"land", "boundaries", "places"}
    (land,) = decoded["land"]["features"]
    assert land["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert levels(decoded) == {"country"}
    (border,) = decoded["boundaries"]["features"]
    assert border["geometry"]["type"] in ("LineString", "MultiLineString")
    named = places(decoded)
    assert set(named) == {"United States", "Mexico"}  # no city before zoom 3
    assert {p["kind"] for p in named.values()} == {"country"}
    assert named["United States"]["rank"] in (1, 2) and named["Mexico"]["tier"] >= 1


def test_only_borders_are_lines_not_coasts(client, world):
    """The country lines are the shared border along 32°N, not the outline of each box."""
    decoded = tile(client, 0, 0, 0, lang="en")
    (border,) = decoded["boundaries"]["features"]
    coordinates = border["geometry"]["coordinates"]
    lines = coordinates if border["geometry"]["type"] == "MultiLineString" else [coordinates]
    ys = {y for line in lines for _x, y in line}
    assert max(ys) - min(ys) <= 2  # one horizontal line (extent 4096 at zoom 0)


def test_zoom_4_adds_states_and_the_largest_cities(client, world):
    decoded = tile(client, 4, -95, 32, lang="en")
    assert set(decoded) == {"land", "boundaries", "places"}
    assert levels(decoded) == {"country", "admin1"}
    cities = tile(client, 4, *CDMX, lang="en")
    named = places(cities)
    assert named["Ciudad de México"]["kind"] == "city"
    assert named["Ciudad de México"]["tier"] == 1 and named["Ciudad de México"]["rank"] == 1
    assert "Puebla" not in named  # 1M people: from zoom 5
    assert "Zip" not in named  # postal codes are not places on the map


def test_zoom_8_adds_counties_and_cities_of_200k(client, world):
    decoded = tile(client, 8, -110.2, 40.2, lang="en")
    assert {"land", "boundaries", "places"} <= set(decoded)
    assert "admin2" in levels(decoded)
    assert "Vernal" in places(decoded)
    named = places(tile(client, 8, *CDMX, lang="en"))
    assert {"Ciudad de México", "Puebla"} <= set(named)
    assert "Pueblito" not in named  # 20,000 people: from zoom 10
    assert "Mexico" not in named  # country names stop at zoom 6
    assert "Pueblito" in places(tile(client, 10, -99.0, 19.6, lang="en"))


@pytest.mark.parametrize(
    ("lang", "us", "mx"),
    [
        ("es", "Estados Unidos", "México"),
        ("pt", "Estados Unidos", "México"),
        ("fr", "États-Unis", "Mexique"),
        ("en", "United States", "Mexico"),
    ],
)
def test_names_follow_the_language(client, world, lang, us, mx):
    assert set(places(tile(client, 0, 0, 0, lang=lang))) == {us, mx}
    # a city has the gazetteer's name in every language
    assert "Ciudad de México" in places(tile(client, 5, *CDMX, lang=lang))


def test_without_lang_the_requests_language_names_and_the_cache_varies(client, world):
    response = client.get(URL.format(z=0, x=0, y=0), HTTP_ACCEPT_LANGUAGE="fr")
    assert set(places(decode(response.content))) == {"États-Unis", "Mexique"}
    assert "Accept-Language" in response["Vary"]
    assert get(client, 0, 0, 0, lang="fr").content == response.content
    assert get(client, 0, 0, 0, lang="en", HTTP_ACCEPT_LANGUAGE="fr").content != response.content


def test_a_language_without_a_name_falls_back_to_the_regions_name(client, world):
    world["mx"].name_fr = ""
    world["mx"].save()
    basemap.refresh()
    named = set(places(tile(client, 0, 0, 0, lang="fr")))
    assert "États-Unis" in named and "Mexique" not in named
    assert named - {"États-Unis"} <= {"Mexico", "México"} and len(named) == 2


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tiles/basemap/20/0/0.pbf",
        "/api/v1/tiles/basemap/3/8/0.pbf",
        "/api/v1/tiles/basemap/3/0/8.pbf",
        "/api/v1/tiles/basemap/3/-1/0.pbf",
        "/api/v1/tiles/basemap/a/0/0.pbf",
    ],
)
def test_a_tile_outside_the_pyramid_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [({"lang": "de"}, "lang"), ({"v": "abc"}, "v"), ({"kind": "cooperative"}, "kind")],
)
def test_bad_parameters_are_400_naming_the_field(client, params, field):
    response = get(client, 0, 0, 0, **params)
    assert response.status_code == 400
    assert field in json.loads(response.content)["errors"]


def test_cache_headers_follow_the_version(client, world):
    version = client.get("/api/v1/tiles/basemap/version")
    assert version["Cache-Control"] == "no-cache"
    current = version.json()["version"]
    assert current == basemap.version()
    plain = get(client, 0, 0, 0, lang="es")
    assert plain["Cache-Control"] == "public, max-age=60"
    pinned = get(client, 0, 0, 0, lang="es", v=current)
    assert pinned["Cache-Control"] == "public, max-age=31536000, immutable"
    assert pinned["ETag"] == plain["ETag"]
    stale = get(client, 0, 0, 0, lang="es", v=str(int(current) - 1))
    assert stale["Cache-Control"] == "public, max-age=60"
    again = client.get(
        URL.format(z=0, x=0, y=0), {"lang": "es", "v": current}, HTTP_IF_NONE_MATCH=plain["ETag"]
    )
    assert again.status_code == 304 and again.content == b""
    # one language's tile is not another's
    assert get(client, 0, 0, 0, lang="en")["ETag"] != plain["ETag"]
    assert client.get("/api/v1/tiles/basemap/version", {"x": "1"}).status_code == 400


def test_an_empty_basemap_gives_empty_tiles(client):
    basemap.refresh()
    response = get(client, 3, 2, 3, lang="es")
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPE
    assert response.content == b""


def test_the_refresh_command_rebuilds_from_the_regions(client, world):
    before = basemap.version()
    RegionFactory(
        slug="ca",
        level=RegionLevel.COUNTRY,
        name_en="Canada",
        name_fr="Canada (fr)",
        geom=box(-140, 49, -60, 70),
    )
    assert "Canada" not in places(tile(client, 0, 0, 0, lang="en"))
    call_command("refresh_basemap", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert int(basemap.version()) == int(before) + 1
    assert "Canada" in places(tile(client, 0, 0, 0, lang="en"))
    assert "Canada (fr)" in places(tile(client, 0, 0, 0, lang="fr"))


def test_loading_regions_rebuilds_the_basemap(client, tmp_path):
    source = tmp_path / "countries.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": "484",
                        "properties": {"name": "Mexico"},
                        "geometry": json.loads(box(-118, 14, -86, 32).geojson),
                    }
                ],
            }
        )
    )
    before = basemap.version()
    load_regions(RegionSource(path=source, level=RegionLevel.COUNTRY, slug_prefix="c-"))
    assert int(basemap.version()) == int(before) + 1
    decoded = tile(client, 0, 0, 0, lang="en")
    assert "land" in decoded and "Mexico" in places(decoded)


def test_a_tile_is_one_query(client, world, django_assert_max_num_queries):
    current = basemap.version()
    with django_assert_max_num_queries(1):
        assert get(client, 8, *tile_of(-110.2, 40.2, 8), lang="es").status_code == 200
    with django_assert_max_num_queries(2):  # and the version, with ?v=
        assert get(client, 4, *tile_of(*CDMX, 4), lang="es", v=current).status_code == 200


def test_the_tile_reads_the_shapes_of_its_band_through_the_index(world):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT count(*) FROM mapping_basemap_shape "
            "WHERE band = mapping_basemap_band(8) AND geom && ST_TileEnvelope(8, 50, 96)"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "mapping_basemap_shape_band_geom" in plan


def test_several_loads_in_a_batch_rebuild_the_basemap_once(tmp_path):
    paths = []
    for code, bounds in (("484", (-118, 14, -86, 32)), ("840", (-125, 32, -66, 49))):
        path = tmp_path / f"{code}.geojson"
        feature = {
            "type": "Feature",
            "id": code,
            "properties": {"name": f"Country {code}"},
            "geometry": json.loads(box(*bounds).geojson),
        }
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
        paths.append(path)
    before = int(basemap.version())
    with boundaries_batch():
        for path in paths:
            load_regions(
                RegionSource(path=path, level=RegionLevel.COUNTRY, slug_prefix=f"c{path.stem}-")
            )
        assert int(basemap.version()) == before
    assert int(basemap.version()) == before + 1
