"""US counties load from the real Census file as admin2 regions under their state (the
first two FIPS digits), in the demo and with `manage.py load_regions`; the one county with
an empty polygon (Falls Church, VA, 51610) is skipped with a message."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from directory.choices import RegionLevel
from directory.demo import REGION_SOURCES, REGIONS
from directory.importers import ImportRefused, RegionSource, load_regions
from directory.models import Region
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

STATES = REGIONS / "us_states_census2017_usatlas.geojson"
COUNTIES = REGIONS / "us_counties_census2017_usatlas.geojson"
#: Every feature of the file but Falls Church.
COUNTY_COUNT = 3230


@pytest.fixture
def states():
    RegionFactory(slug="us", level=RegionLevel.COUNTRY, code="US", country="US")
    [source] = [s for s in REGION_SOURCES if s.path == STATES]
    load_regions(source)
    return source


def test_demo_loads_every_county_under_its_state(states):
    [source] = [s for s in REGION_SOURCES if s.path == COUNTIES]
    messages = []
    count, _repaired = load_regions(source, progress=messages.append)
    assert count == COUNTY_COUNT
    assert Region.objects.filter(level=RegionLevel.ADMIN2, country="US").count() == COUNTY_COUNT
    orange = Region.objects.select_related("parent").get(slug="us-06059")
    assert (orange.name, orange.code, orange.level) == ("Orange", "06059", "admin2")
    assert orange.parent.slug == "us-california" and orange.parent.code == "06"
    assert not Region.objects.filter(code="51610").exists()
    [message] = messages
    assert "51610" in message and "empty" in message
    # Names repeat in a state (Richmond city and county, VA); FIPS codes do not.
    assert Region.objects.filter(level="admin2", parent__slug="us-virginia").count() == 132
    assert Region.objects.filter(parent__slug="us-virginia", name="Richmond").count() == 2


def test_load_regions_command_takes_the_parent_from_the_code(states, tmp_path):
    # The counties of Texas and Virginia (Falls Church included) from the real file.
    collection = json.loads(COUNTIES.read_text())
    collection["features"] = [
        feature
        for feature in collection["features"]
        if feature["properties"]["id"][:2] in ("48", "51")
    ]
    path = tmp_path / "counties.geojson"
    path.write_text(json.dumps(collection))
    out = StringIO()
    call_command(
        "load_regions",
        str(path),
        "--level=admin2",
        "--country=US",
        "--slug-prefix=us-",
        "--slug-from-code",
        "--parent-from-code=2",
        "--make-valid",
        "--skip-empty",
        stdout=out,
    )
    assert "51610" in out.getvalue() and "skipped" in out.getvalue()
    assert "386 regions loaded" in out.getvalue()  # 254 in Texas, 132 in Virginia
    assert Region.objects.get(slug="us-48201").parent.slug == "us-texas"  # Harris County


def test_counties_without_their_state_are_refused_and_nothing_is_written():
    source = RegionSource(
        path=COUNTIES,
        level=RegionLevel.ADMIN2,
        country="US",
        slug_prefix="us-",
        slug_from_code=True,
        parent_code_length=2,
        make_valid=True,
        skip_empty=True,
    )
    with pytest.raises(ImportRefused, match="no parent region has the code"):
        load_regions(source, progress=lambda message: None)
    assert not Region.objects.filter(level=RegionLevel.ADMIN2).exists()
