"""Management commands load real files, refuse bad ones with a clear message and write
nothing when they refuse."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.models import Place, Region

pytestmark = pytest.mark.django_db

SQUARE = [[[-100, 19], [-99, 19], [-99, 20], [-100, 20], [-100, 19]]]
BOWTIE = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]


def feature_collection(*features):
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Polygon", "coordinates": rings},
            }
            for props, rings in features
        ],
    }


@pytest.fixture
def geojson(tmp_path):
    def write(data, name="regions.geojson"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path

    return write


def test_load_regions_creates_and_then_updates_by_slug(geojson):
    path = geojson(feature_collection(({"id": "09", "name": "Ciudad de México"}, SQUARE)))
    call_command(
        "load_regions", path, level="admin1", country="MX", slug_prefix="mx-", name_language="es"
    )
    region = Region.objects.get()
    assert (region.slug, region.code, region.name_es, region.country.code) == (
        "mx-ciudad-de-mexico",
        "09",
        "Ciudad de México",
        "MX",
    )
    assert region.geom.geom_type == "MultiPolygon"
    call_command("load_regions", path, level="admin1", country="MX", slug_prefix="mx-")
    assert Region.objects.count() == 1


def test_load_regions_nests_under_a_parent(geojson):
    country = geojson(feature_collection(({"id": "MX", "name": "Mexico"}, SQUARE)), "c.geojson")
    call_command("load_regions", country, level="country")
    state = geojson(feature_collection(({"id": "09", "name": "CDMX"}, SQUARE)), "s.geojson")
    call_command("load_regions", state, level="admin1", parent="mexico", slug_prefix="mx-")
    assert Region.objects.get(slug="mx-cdmx").parent.slug == "mexico"


def test_load_regions_refuses_an_invalid_polygon_and_writes_nothing(geojson):
    path = geojson(
        feature_collection(
            ({"id": "1", "name": "Good"}, SQUARE), ({"id": "2", "name": "Bowtie"}, BOWTIE)
        )
    )
    with pytest.raises(
        CommandError, match=r"feature 1 \(id=2\).*Self-intersection.*Nothing was loaded"
    ):
        call_command("load_regions", path, level="admin1")
    assert not Region.objects.exists()


def test_load_regions_repairs_when_asked(geojson):
    path = geojson(feature_collection(({"id": "2", "name": "Bowtie"}, BOWTIE)))
    call_command("load_regions", path, level="custom", make_valid=True)
    region = Region.objects.get()
    assert region.geom.valid and region.geom.area == pytest.approx(0.5)


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"type": "FeatureCollection", "features": [{"type": "Feature"', ""],
)
def test_load_regions_refuses_a_malformed_file(geojson, content):
    with pytest.raises(CommandError, match=r"not a readable GIS file|no features"):
        call_command("load_regions", geojson(content), level="admin1")
    assert not Region.objects.exists()


def test_load_regions_refuses_coordinates_outside_the_world(geojson):
    path = geojson(
        feature_collection(({"id": "1", "name": "Far"}, [[[170, 0], [190, 0], [190, 1], [170, 0]]]))
    )
    with pytest.raises(CommandError, match=r"outside -180\.\.180"):
        call_command("load_regions", path, level="custom")
    assert not Region.objects.exists()


def test_load_regions_names_a_missing_field(geojson):
    path = geojson(feature_collection(({"code": "1", "title": "x"}, SQUARE)))
    with pytest.raises(CommandError, match="fields 'name' and 'id' are needed"):
        call_command("load_regions", path, level="custom")


def test_load_regions_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_regions", tmp_path / "nope.geojson", level="custom")


def test_load_gazetteer_loads_cities_and_zip_codes_offline():
    call_command("load_gazetteer", countries="HT,SV")
    cities = Place.objects.filter(kind="city")
    assert cities.filter(country="HT", name="Cap-Haïtien").exists()
    assert set(cities.values_list("country", flat=True)) == {"HT", "SV"}
    assert Place.objects.get(kind="postal_code", postal_code="92701").admin1 == "CA"
    assert Place.objects.filter(kind="postal_code").count() > 30_000
