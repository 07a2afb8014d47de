"""Vector tiles (DESIGN.md §3, §5, §6): counts per 32 px cell, lone listings as points from
zoom 10, the buffer around each tile, the spacing of counts, the filters, privacy at every
zoom, the version and cache headers, bad input, and the index the SQL runs on."""

import datetime
import io
import json
import math
import random

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from directory import services
from directory.models import Listing
from directory.privacy import public_point
from mapping import tiles
from tests.factories import CategoryFactory, ListingFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db

CDMX = (-99.13321, 19.43261)
#: Bogotá: an `area` listing, published at the centre of its 0.01° cell.
BOGOTA_TRUE = (-74.07217, 4.71104)
SAO_PAULO = (-46.63331, -23.55052)
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


def tile_of(lng: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lng + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def lnglat_of(z: int, x: int, y: int, px: float, py: float) -> tuple[float, float]:
    """Longitude and latitude of tile pixel (px, py), y downwards, extent 4096."""
    n = 2**z
    lng = (x + px / 4096) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + py / 4096) / n))))
    return lng, lat


def decode(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def get_tile(client, z, x, y, **params):
    response = client.get(f"/api/v1/tiles/{z}/{x}/{y}.pbf", params)
    assert response.status_code == 200, response.content
    return decode(response.content)


def features(client, z, lng, lat, layer, **params) -> list[dict]:
    return get_tile(client, z, *tile_of(lng, lat, z), **params).get(layer, {}).get("features", [])


def counts(client, z, lng, lat, **params) -> dict:
    """Sums of the `cells` properties of the tile holding (lng, lat)."""
    total = {"count": 0, "cooperative": 0, "mutual_aid": 0, "community_project": 0}
    for feature in features(client, z, lng, lat, "cells", **params):
        for key in total:
            total[key] += feature["properties"][key]
    return total


@pytest.fixture
def food():
    parent = CategoryFactory(slug="food")
    return parent, CategoryFactory(slug="community-kitchens", parent=parent)


@pytest.fixture
def mapped(food):
    """Three public listings with points, and four that no tile may show."""
    _parent, kitchens = food
    cdmx = ListingFactory(slug="olla-cdmx", location=Point(*CDMX), access=["free", "walk_in"])
    cdmx.categories.set([kitchens])
    bogota = ListingFactory(
        slug="ayuda-bogota",
        kind="mutual_aid",
        location=Point(*BOGOTA_TRUE),
        location_precision="area",
        country="CO",
    )
    NeedFactory(listing=bogota, kind="food")
    ListingFactory(
        slug="huerta-sp",
        kind="community_project",
        location=Point(*SAO_PAULO),
        location_precision="region",
        country="BR",
    )
    ListingFactory(slug="hidden-place", location=Point(*CDMX), location_precision="hidden")
    ListingFactory(slug="pending", location=Point(*CDMX), status="pending")
    ListingFactory(slug="reported", location=Point(*CDMX), hidden_by_reports=True)
    ListingFactory(slug="archived", location=Point(*CDMX), status="archived")
    tiles.refresh()
    return {"cdmx": cdmx, "bogota": bogota}


def test_z0_counts_every_public_listing_by_kind(client, mapped):
    assert counts(client, 0, 0, 0) == {
        "count": 3, "cooperative": 1, "mutual_aid": 1, "community_project": 1
    }  # fmt: skip


@pytest.mark.parametrize("z", [4, 8])
def test_low_zoom_tiles_are_cells_with_counts(client, mapped, z):
    tile = get_tile(client, z, *tile_of(*CDMX, z))
    assert set(tile) == {"cells"}
    assert counts(client, z, *CDMX) == {
        "count": 1, "cooperative": 1, "mutual_aid": 0, "community_project": 0
    }  # fmt: skip


@pytest.mark.parametrize("z", [12, 16])
def test_high_zoom_tiles_carry_points_with_four_properties(client, mapped, z):
    (feature,) = features(client, z, *CDMX, "listings")
    assert feature["properties"] == {
        "id": mapped["cdmx"].pk,
        "slug": "olla-cdmx",
        "kind": "cooperative",
        "category": "community-kitchens",
    }
    assert feature["geometry"]["type"] == "Point"


def test_kind_filter_works_at_every_zoom(client, mapped):
    assert counts(client, 0, 0, 0, kind="mutual_aid,community_project")["count"] == 2
    assert counts(client, 0, 0, 0, kind=["cooperative"]) == {
        "count": 1, "cooperative": 1, "mutual_aid": 0, "community_project": 0
    }  # fmt: skip
    assert features(client, 16, *CDMX, "listings", kind="mutual_aid") == []


def test_category_includes_descendants_need_and_access_filter(client, mapped):
    assert counts(client, 0, 0, 0, category="food")["count"] == 1
    assert counts(client, 4, *CDMX, category="community-kitchens")["count"] == 1
    assert counts(client, 0, 0, 0, need="food") == {
        "count": 1, "cooperative": 0, "mutual_aid": 1, "community_project": 0
    }  # fmt: skip
    assert counts(client, 0, 0, 0, access="free,walk_in")["count"] == 1
    assert counts(client, 0, 0, 0, access=["free", "no_id_required"])["count"] == 0
    assert len(features(client, 16, *CDMX, "listings", access="free")) == 1
    assert features(client, 16, *CDMX, "listings", need="food") == []


def test_area_listing_never_reveals_its_true_point_at_any_zoom(client, mapped):
    published = public_point(Point(*BOGOTA_TRUE), "area")
    for z in range(0, tiles.MAX_ZOOM + 1, 2):
        x, y = tile_of(published.x, published.y, z)
        tile = get_tile(client, z, x, y, kind="mutual_aid")
        (feature,) = tile["cells" if z <= tiles.AGGREGATE_MAX_ZOOM else "listings"]["features"]
        lng, lat = lnglat_of(z, x, y, *feature["geometry"]["coordinates"])
        pixel = 360 / 2**z / 4096
        assert abs(lng - published.x) <= pixel and abs(lat - published.y) <= pixel, z
        if z >= 12:  # a pixel is small enough to tell the true point from the cell centre
            assert (
                abs(lng - BOGOTA_TRUE[0]) > 100 * pixel or abs(lat - BOGOTA_TRUE[1]) > 100 * pixel
            )


def test_a_listing_hidden_in_an_emergency_leaves_its_tiles_and_counts_at_once(
    client, mapped, django_capture_on_commit_callbacks
):
    before = client.get("/api/v1/tiles/version").json()["version"]
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_emergency_hide(listing=mapped["cdmx"], by=UserFactory())
    assert counts(client, 0, 0, 0)["cooperative"] == 0
    assert counts(client, 8, *CDMX)["count"] == 0
    assert features(client, 16, *CDMX, "listings") == []
    assert client.get("/api/v1/tiles/version").json()["version"] != before


def test_a_moved_listing_changes_the_aggregate_on_commit(
    client, mapped, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_archive(listing=mapped["bogota"], by=UserFactory())
    assert counts(client, 0, 0, 0)["mutual_aid"] == 0


#: Buenos Aires: the centre of a zoom-13 tile, around which `dense` puts its listings.
DENSE = lnglat_of(13, *tile_of(-58.40, -34.60, 13), 2048, 2048)


@pytest.fixture
def dense():
    """2,100 listings within 400 m of one point: more than a point tile may carry."""
    rng = random.Random(3)
    Listing.objects.bulk_create(
        ListingFactory.build(
            slug=f"dense-{n}",
            location=Point(
                DENSE[0] + rng.uniform(-4e-3, 4e-3), DENSE[1] + rng.uniform(-4e-3, 4e-3)
            ),
            kind=rng.choice(["cooperative", "mutual_aid", "community_project"]),
        )
        for n in range(2100)
    )
    tiles.refresh()


def test_a_dense_area_is_counts_per_32_px_cell(client, dense):
    for z in (10, 13, 15):  # summed from stored cells (10, 13) and counted live (15)
        x, y = tile_of(*DENSE, z)
        seen = {}
        for dx, dy in ((0, 0), (-1, 0), (0, -1), (-1, -1)):  # DENSE is a corner at z15
            tile = get_tile(client, z, x + dx, y + dy)
            assert set(tile) <= {"cells"}, z
            cells = tile.get("cells", {}).get("features", [])
            assert len(cells) <= (tiles.GRID + 2) ** 2, z
            assert all(
                sum(
                    cell["properties"][k]
                    for k in ("cooperative", "mutual_aid", "community_project")
                )
                == cell["properties"]["count"]
                for cell in cells
            ), z
            seen.update((key, f["properties"]["count"]) for key, f in keyed(tile).items())
        assert sum(seen.values()) == 2100, z


def test_a_close_view_shows_lone_listings_as_points_and_close_ones_as_counts(client, dense):
    z = 17  # cells of 32 px are about 40 m: some hold one listing, others several
    x, y = tile_of(*DENSE, z)
    tile = get_tile(client, z, x, y)
    points = tile["listings"]["features"]
    counts_ = [f["properties"]["count"] for f in tile["cells"]["features"]]
    assert points and counts_ and min(counts_) >= 2
    assert len(points) + len(counts_) <= (tiles.GRID + 2) ** 2


def test_cache_headers_etag_and_304(client, mapped):
    path = "/api/v1/tiles/4/{}/{}.pbf".format(*tile_of(*CDMX, 4))
    plain = client.get(path)
    assert plain["Content-Type"] == MEDIA_TYPE
    assert plain["Cache-Control"] == "public, max-age=60"
    assert client.get(path, HTTP_IF_NONE_MATCH=plain["ETag"]).status_code == 304
    version = client.get("/api/v1/tiles/version").json()["version"]
    assert isinstance(version, str)
    current = client.get(path, {"v": version, "kind": "cooperative"})
    assert current["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get(path, {"v": str(int(version) + 99)})
    assert stale["Cache-Control"] == "public, max-age=60"


def test_an_empty_tile_is_an_empty_200(client, mapped):
    response = client.get("/api/v1/tiles/10/0/0.pbf")
    assert response.status_code == 200 and response.content == b""


def test_head_and_options_answer_like_the_rest_of_the_api(client, mapped):
    head = client.head("/api/v1/tiles/0/0/0.pbf")
    assert head.status_code == 200 and head["Content-Type"] == MEDIA_TYPE
    options = client.options("/api/v1/tiles/0/0/0.pbf")
    assert options.status_code == 200 and "GET" in options.json()["methods"]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/v1/tiles/99/0/0.pbf", 404, "detail"),
        ("/api/v1/tiles/21/0/0.pbf", 404, "detail"),
        ("/api/v1/tiles/2/4/0.pbf", 404, "detail"),
        ("/api/v1/tiles/2/0/4.pbf", 404, "detail"),
        ("/api/v1/tiles/3/99999999999999999999999/0.pbf", 404, "detail"),
        ("/api/v1/tiles/-1/0/0.pbf", 404, None),
        ("/api/v1/tiles/0/0/0.pbf?kind=nope", 400, "kind"),
        ("/api/v1/tiles/0/0/0.pbf?access=nope", 400, "access"),
        ("/api/v1/tiles/0/0/0.pbf?need=nope", 400, "need"),
        ("/api/v1/tiles/0/0/0.pbf?category=no-such-category", 400, "category"),
        ("/api/v1/tiles/0/0/0.pbf?v=abc", 400, "v"),
        ("/api/v1/tiles/0/0/0.pbf?bbox=1,2,3,4", 400, "bbox"),
        ("/api/v1/tiles/version?x=1", 400, "x"),
    ],
)
def test_bad_input_is_a_400_or_404_naming_it(client, path, status, field):
    response = client.get(path)
    assert response.status_code == status
    if field:
        assert field in json.loads(response.content)["errors"]


def test_a_tile_costs_two_queries_at_most(client, mapped, django_assert_max_num_queries):
    version = client.get("/api/v1/tiles/version").json()["version"]
    # The version look-up and the tile (a category slug adds its look-up).
    with django_assert_max_num_queries(2):
        client.get("/api/v1/tiles/12/0/0.pbf", {"v": version, "kind": "cooperative"})


def test_the_tile_is_documented_without_paging(client):
    document = client.get("/api/v1/schema/?format=json").json()
    operation = document["paths"]["/api/v1/tiles/{z}/{x}/{y}.pbf"]["get"]
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert names == {"kind", "category", "need", "access", "v", "format"}
    assert "limit" not in names
    assert "/api/v1/tiles/version" in document["paths"]


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        return json.dumps(cursor.fetchone()[0])


def live_sql(z, x, y, kinds=None, wanted=(), live_need=None) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mapping_tile_live_sql(%s, %s, %s, %s, %s::text[], %s, current_date)",
            [z, x, y, kinds, list(wanted), live_need],
        )
        return cursor.fetchone()[0]


def test_the_tile_sql_runs_on_the_indexes(mapped):
    x, y = tile_of(*CDMX, 16)
    points = plan(live_sql(16, x, y, kinds=["cooperative"]))
    assert "mapping_tile_point_geom" in points and '"Seq Scan"' not in points
    live = plan(live_sql(3, x >> 13, y >> 13, wanted=["a:free", "c:0001"]))
    assert "mapping_tile_point_" in live and '"Seq Scan"' not in live
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT * FROM mapping_tile_cell c WHERE c.zoom = 4 "
            "AND c.tx = %s AND c.ty = %s AND c.facet = ''",
            [x >> 8, y >> 8],
        )
        assert "mapping_tile_cell_key" in json.dumps(cursor.fetchone()[0])


# --- Kept current on write (docs/decisions/0013-incremental-tile-cells.md) -------------------


def table_rows(table: str, order: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY {order}")
        return cursor.fetchall()


def snapshot() -> list[list[tuple]]:
    return [
        table_rows("mapping_tile_point", "listing_id"),
        table_rows("mapping_tile_cell", "zoom, tx, ty, facet, cell, kind"),
    ]


def same_rows(left: list[tuple], right: list[tuple]) -> bool:
    """Equal rows, sums of coordinates equal to a millimetre (they are added up in turn)."""
    return len(left) == len(right) and all(
        len(a) == len(b)
        and all(
            math.isclose(u, v, abs_tol=1e-3) if isinstance(u, float) else u == v
            for u, v in zip(a, b, strict=True)
        )
        for a, b in zip(left, right, strict=True)
    )


def test_a_new_listing_is_on_every_zoom_at_once_and_bumps_the_version(client, mapped):
    before = client.get("/api/v1/tiles/version").json()["version"]
    ListingFactory(slug="nueva-cdmx", kind="mutual_aid", location=Point(CDMX[0] + 0.01, CDMX[1]))
    assert client.get("/api/v1/tiles/version").json()["version"] != before
    assert counts(client, 0, 0, 0)["count"] == 4
    for z in (4, 8):
        assert counts(client, z, *CDMX) == {
            "count": 2, "cooperative": 1, "mutual_aid": 1, "community_project": 0
        }, z  # fmt: skip
    # 0.01° apart: one 32 px cell at zoom 12, two points at zoom 14.
    slugs = {f["properties"]["slug"] for f in features(client, 14, *CDMX, "listings")}
    assert slugs == {"olla-cdmx", "nueva-cdmx"}


def test_a_change_no_tile_shows_keeps_the_version(client, mapped):
    before = client.get("/api/v1/tiles/version").json()["version"]
    Listing.objects.filter(pk=mapped["cdmx"].pk).update(summary="Otra descripción")
    assert client.get("/api/v1/tiles/version").json()["version"] == before


def test_writes_leave_the_cells_a_full_rebuild_would_make(mapped, food):
    parent, kitchens = food
    cdmx, bogota = mapped["cdmx"], mapped["bogota"]
    cdmx.location = Point(-70.6483, -33.4569)  # moved to Santiago
    cdmx.kind = "community_project"
    cdmx.save()
    bogota.categories.set([parent])
    bogota.access = ["no_id_required"]
    bogota.save()
    NeedFactory(listing=cdmx, kind="legal")
    NeedFactory(listing=bogota, kind="food", status="fulfilled")
    Listing.objects.filter(slug="pending").update(status="published")
    Listing.objects.filter(slug="huerta-sp").delete()
    ListingFactory.create_batch(5, location=Point(*SAO_PAULO), location_precision="region")
    kitchens.slug = "ollas-comunes"
    kitchens.save()
    points, cells = snapshot()
    tiles.refresh()
    rebuilt_points, rebuilt_cells = snapshot()
    assert len(points) == 8
    assert same_rows(points, rebuilt_points)
    assert same_rows(cells, rebuilt_cells)


def test_a_moved_listing_leaves_its_old_cell_and_enters_the_new_one_at_once(client, mapped):
    cdmx = mapped["cdmx"]
    cdmx.location = Point(*SAO_PAULO)
    cdmx.save()
    assert counts(client, 8, *CDMX)["count"] == 0
    assert counts(client, 8, *SAO_PAULO) == {
        "count": 2, "cooperative": 1, "mutual_aid": 0, "community_project": 1
    }  # fmt: skip
    assert features(client, 16, *CDMX, "listings") == []


def test_a_listing_losing_its_category_leaves_the_filtered_counts_at_once(client, mapped):
    assert counts(client, 3, *CDMX, category="food")["count"] == 1
    mapped["cdmx"].categories.clear()
    assert counts(client, 3, *CDMX, category="food")["count"] == 0
    assert counts(client, 3, *CDMX)["count"] == 1
    (feature,) = features(client, 16, *CDMX, "listings")
    assert "category" not in feature["properties"]


def stored_and_live_counts(z, lng, lat, **params) -> dict:
    """The `cells` counts of a tile, built from the SQL function for a given `today`."""
    x, y = tile_of(lng, lat, z)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mapping_tile(%s, %s, %s, NULL, %s, %s, %s, %s)",
            [z, x, y, params.get("category"), params.get("need"), params.get("access"),
             params["today"]],
        )  # fmt: skip
        body = bytes(cursor.fetchone()[0] or b"")
    cells = decode(body).get("cells", {}).get("features", [])
    return sum(cell["properties"]["count"] for cell in cells)


def test_an_ended_need_leaves_the_counts_the_day_after_stored_or_live(mapped):
    today = timezone.localdate()
    NeedFactory(listing=mapped["cdmx"], kind="food", ends_on=today)
    assert stored_and_live_counts(0, 0, 0, need="food", today=today) == 2
    tomorrow = today + datetime.timedelta(days=1)
    # Before the day's expiry has run, the counts are live; after it, stored: both exact.
    assert stored_and_live_counts(0, 0, 0, need="food", today=tomorrow) == 1
    assert tiles.expire_needs(tomorrow) == 1
    assert stored_and_live_counts(0, 0, 0, need="food", today=tomorrow) == 1
    assert tiles.expire_needs(tomorrow) == 0


@pytest.mark.parametrize("z", [0, 6, 9, 12])
def test_filters_without_a_stored_facet_are_counted_exactly(client, mapped, food, z):
    parent, _kitchens = food
    other = ListingFactory(slug="otra-cdmx", location=Point(CDMX[0], CDMX[1] + 0.02))
    other.categories.set([parent])
    params = {"category": "food", "access": "free"}
    layer = "cells" if z <= tiles.AGGREGATE_MAX_ZOOM else "listings"
    found = features(client, z, *CDMX, layer, **params)
    total = sum(f["properties"].get("count", 1) for f in found)
    assert total == 1


def test_the_rebuild_command_repairs_cells_written_around_the_triggers(client, mapped):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM mapping_tile_cell WHERE zoom = 0")
    assert counts(client, 0, 0, 0)["count"] == 0
    out = io.StringIO()
    call_command("tile_cells", "--rebuild", stdout=out)
    assert out.getvalue().startswith("tile cells rebuilt")
    assert counts(client, 0, 0, 0)["count"] == 3
    out = io.StringIO()
    call_command("tile_cells", stdout=out)
    assert out.getvalue() == "0 listings recomputed for ended needs\n"


def test_a_bulk_load_may_skip_the_upkeep_and_rebuild_at_its_end(client, mapped):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL mapping.tile_sync = off")
    ListingFactory.create_batch(4, location=Point(*CDMX))
    assert counts(client, 0, 0, 0)["count"] == 3
    tiles.refresh()
    assert counts(client, 0, 0, 0)["count"] == 7


# --- Legible at every zoom (docs/decisions/0014-legible-map.md) -----------------------------

#: Tile units (extent 4096) per pixel of a 256 px tile.
UNIT = 4096 // 256


def keyed(tile: dict) -> dict:
    """Each feature of a tile by its key: a cell by its feature id, a listing by its id."""
    found = {("cell", f["id"]): f for f in tile.get("cells", {}).get("features", [])}
    found.update(
        (("listing", f["properties"]["id"]), f)
        for f in tile.get("listings", {}).get("features", [])
    )
    return found


@pytest.fixture
def at_an_edge():
    """Two exact listings just east of the boundary between two zoom-8 tiles around Mexico
    City: 5 and 40 px (of zoom 12) inside the eastern one."""
    x8, y8 = tile_of(*CDMX, 8)
    x12, y12 = 16 * (x8 + 1), 16 * y8 + 8
    near = ListingFactory(
        slug="near-edge", location=Point(*lnglat_of(12, x12, y12, 5 * UNIT, 2048))
    )
    far = ListingFactory(slug="far-edge", location=Point(*lnglat_of(12, x12, y12, 40 * UNIT, 2048)))
    return {"z8": (x8, y8), "z12": (x12, y12), "near": near, "far": far}


def test_a_point_near_a_tile_edge_is_in_both_tiles_and_a_farther_one_only_in_its_own(
    client, at_an_edge
):
    x, y = at_an_edge["z12"]
    east = keyed(get_tile(client, 12, x, y))
    west = keyed(get_tile(client, 12, x - 1, y))
    near, far = at_an_edge["near"].pk, at_an_edge["far"].pk
    assert set(east) == {("listing", near), ("listing", far)}
    assert set(west) == {("listing", near)}  # 40 px is past the 12 px buffer
    (px, py) = west["listing", near]["geometry"]["coordinates"]
    (ex, ey) = east["listing", near]["geometry"]["coordinates"]
    assert (px - 4096, py) == (ex, ey) and abs(ex - 5 * UNIT) <= 1
    assert west["listing", near]["properties"] == east["listing", near]["properties"]


def test_a_count_near_a_tile_edge_is_the_same_feature_in_both_tiles(client, at_an_edge):
    x, y = at_an_edge["z8"]
    east = keyed(get_tile(client, 8, x + 1, y))
    west = keyed(get_tile(client, 8, x, y))
    (key,) = east
    assert key[0] == "cell" and set(west) == {key}
    assert west[key]["properties"] == east[key]["properties"] == {
        "count": 2, "cooperative": 2, "mutual_aid": 0, "community_project": 0
    }  # fmt: skip
    # Drawn into its cell: 11 px from the edge, within the western tile's 12 px buffer.
    (ex, _), (wx, _) = east[key]["geometry"]["coordinates"], west[key]["geometry"]["coordinates"]
    assert wx - 4096 == ex and abs(ex - tiles.MARGIN_PX * UNIT) <= 1


def scattered(z: int, x: int, y: int, n: int, seed: int, spread: float = 1.0) -> list[Listing]:
    """`n` listings at random in tile z/x/y (and `spread - 1` tiles around it)."""
    rng = random.Random(seed)
    half = 4096 * (spread - 1) / 2
    listings = Listing.objects.bulk_create(
        ListingFactory.build(
            slug=f"scattered-{seed}-{i}",
            location=Point(
                *lnglat_of(
                    z, x, y, rng.uniform(-half, 4096 + half), rng.uniform(-half, 4096 + half)
                )
            ),
            kind=rng.choice(["cooperative", "mutual_aid", "community_project"]),
        )
        for i in range(n)
    )
    tiles.refresh()
    return listings


def huddled(z: int, x: int, y: int) -> None:
    """Three listings in each 32 px cell of tile z/x/y, huddled against the side it shares
    with the next cell (cells 0 and 1 at their common edge, 2 and 3 at theirs...): their
    centroids are a pixel or two apart across each of those edges."""
    rng = random.Random(z)

    def near_edge(i: int) -> float:
        edge = 32 * i + (31 if i % 2 == 0 else 1)
        return (edge + rng.uniform(-0.5, 0.5)) * UNIT

    Listing.objects.bulk_create(
        ListingFactory.build(
            slug=f"huddled-{i}-{j}-{k}",
            location=Point(*lnglat_of(z, x, y, near_edge(i), near_edge(j))),
        )
        for i in range(tiles.GRID)
        for j in range(tiles.GRID)
        for k in range(3)
    )
    tiles.refresh()


@pytest.mark.parametrize("z", [3, 8, 14, 17])  # stored cells (3, 8, 14), counted live (17)
def test_no_two_counts_of_a_tile_are_closer_than_the_spacing(client, z):
    x, y = tile_of(*CDMX, z)
    huddled(z, x, y)
    cells = get_tile(client, z, x, y)["cells"]["features"]
    assert sorted(f["properties"]["count"] for f in cells) == [3] * tiles.GRID**2
    assert len({f["id"] for f in cells}) == len(cells)
    spacing = 2 * tiles.MARGIN_PX * UNIT - 1  # minus the rounding to whole tile units
    where = [f["geometry"]["coordinates"] for f in cells]
    closest = min(math.dist(a, b) for i, a in enumerate(where) for b in where[i + 1 :])
    assert spacing <= closest < spacing + 2


@pytest.mark.parametrize("z", [8, 12, 16])
def test_totals_over_a_block_of_tiles_count_every_listing_once(client, z):
    x, y = tile_of(*CDMX, z)
    listings = scattered(z, x, y, 400, seed=100 + z, spread=2.0)  # across the tile's edges
    seen: dict = {}
    every = 0
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for key, feature in keyed(get_tile(client, z, x + dx, y + dy)).items():
                count = feature["properties"].get("count", 1)
                assert seen.setdefault(key, count) == count  # the same feature everywhere
                every += count
    assert sum(seen.values()) == len(listings)
    assert every > len(listings)  # the buffers repeat features near the edges
