"""Any combination of the nine access facts, on tiles of every kind of read (stored single
facts and pairs, counted live from three facts), against a count made from the listings
themselves, after each kind of write (docs/decisions/0021-access-pair-cells.md)."""

import math
import random
from collections import Counter, defaultdict
from importlib import import_module

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection, transaction

from directory import services
from directory.choices import AccessFact, ListingKind
from directory.models import Listing, Need
from mapping import tiles
from tests.factories import CategoryFactory, ListingFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db

FACTS = list(AccessFact.values)
KINDS = list(ListingKind.values)
HALF = 20037508.342789244
#: Around Mexico City: 0.06° a side, a few tiles wide from zoom 11.
CENTRE = (-99.13, 19.43)
SPREAD = 0.03
#: Stored cells (0, 3, 6, 9: single facts and pairs; 11: the last stored zoom of a facet),
#: counted live (12, 14), and lone listings as points (11 and up).
ZOOMS = (0, 3, 6, 9, 11, 12, 14)


def combinations(seed: int, n: int = 14) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """A seeded sample of (access facts, kinds): pairs most often (the stored case), also
    one fact, three, four or more, some with a kind or two."""
    rng = random.Random(seed)
    sample = []
    for i in range(n):
        size = rng.choice([1, 2, 2, 2, 2, 3, 3, 4, 5, 9]) if i else 2
        facts = tuple(rng.sample(FACTS, size))
        kinds = tuple(rng.sample(KINDS, rng.choice([1, 2]))) if rng.random() < 0.3 else ()
        sample.append((facts, kinds))
    return sample


def point(rng: random.Random) -> Point:
    return Point(CENTRE[0] + rng.uniform(-SPREAD, SPREAD), CENTRE[1] + rng.uniform(-SPREAD, SPREAD))


def facts(rng: random.Random) -> list[str]:
    return [fact for fact in FACTS if rng.random() < 0.5]


@pytest.fixture
def crowd():
    """160 listings with random access facts and kinds: most public at exact or area
    precision, some sharing a point (region precision), some that no tile may show."""
    rng = random.Random(27)
    precisions = ["exact"] * 6 + ["area"] * 2 + ["region", "hidden"]
    statuses = ["published"] * 9 + ["pending"]
    Listing.objects.bulk_create(
        ListingFactory.build(
            slug=f"crowd-{n}",
            kind=rng.choice(KINDS),
            location=point(rng),
            location_precision=rng.choice(precisions),
            status=rng.choice(statuses),
            hidden_by_reports=rng.random() < 0.05,
            access=facts(rng),
        )
        for n in range(160)
    )
    tiles.refresh()
    return rng


def cell_of(level: int, x: float, y: float) -> tuple[int, int]:
    side = 2 * HALF / 2**level
    clamp = 2**level - 1
    return (
        min(max(math.floor((x + HALF) / side), 0), clamp),
        min(max(math.floor((HALF - y) / side), 0), clamp),
    )


def mercator_points(public_only: bool) -> list[tuple[int, str, list, float, float]]:
    """(id, kind, access, x, y) of the listings' public points in EPSG:3857, from the
    listings table (every listing with a public point, or the public ones only)."""
    listings = Listing.objects.filter(public_point__isnull=False)
    if public_only:
        listings = Listing.objects.public().filter(public_point__isnull=False)
    ids = list(listings.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, kind, access, ST_X(m.g), ST_Y(m.g) FROM directory_listing l "
            "CROSS JOIN LATERAL (SELECT ST_Transform(l.public_point, 3857) AS g) m "
            "WHERE l.id = ANY (%s)",
            [ids],
        )
        return cursor.fetchall()


def expected(z: int, wanted: tuple[str, ...], kinds: tuple[str, ...]) -> dict:
    """What the tiles of zoom z should show, counted from the listings: per cell of level
    z + 3 its count and counts per kind; from zoom 10, a cell of one listing is that
    listing."""
    level = z + 3
    cells: dict = defaultdict(list)
    for listing_id, kind, access, x, y in mercator_points(public_only=True):
        if set(wanted) <= set(access) and (not kinds or kind in kinds):
            cells[cell_of(level, x, y)].append((listing_id, kind))
    out = {}
    for (cx, cy), members in cells.items():
        if len(members) == 1 and z >= 10:
            ((listing_id, kind),) = members
            out["listing", listing_id] = {"kind": kind}
        else:
            by_kind = Counter(kind for _, kind in members)
            out["cell", (cy << level) + cx] = {"count": len(members)} | {
                kind: by_kind[kind] for kind in KINDS
            }
    return out


def shown(z: int, wanted: tuple[str, ...], kinds: tuple[str, ...]) -> dict:
    """The features of every tile of zoom z where any listing is (or was: non-public
    listings' tiles too), each cell key or listing id once, the same wherever it shows."""
    level = z + 3
    where = {
        (cx >> 3, cy >> 3)
        for *_, x, y in mercator_points(public_only=False)
        for cx, cy in [cell_of(level, x, y)]
    }
    filters = tiles.TileFilters(kinds=kinds, access=wanted)
    out: dict = {}
    for tx, ty in sorted(where):
        body = tiles.tile(z, tx, ty, filters)
        layers = mapbox_vector_tile.decode(body) if body else {}
        for feature in layers.get("cells", {}).get("features", []):
            props = {k: feature["properties"][k] for k in ("count", *KINDS)}
            assert out.setdefault(("cell", feature["id"]), props) == props
        for feature in layers.get("listings", {}).get("features", []):
            props = {"kind": feature["properties"]["kind"]}
            assert out.setdefault(("listing", feature["properties"]["id"]), props) == props
    return out


def check(seed: int, zooms=ZOOMS) -> int:
    """Compare the sample of `seed` at each zoom; returns the listings that matched."""
    matched = 0
    for wanted, kinds in combinations(seed):
        for z in zooms:
            want = expected(z, wanted, kinds)
            assert shown(z, wanted, kinds) == want, (z, wanted, kinds)
            if z == 0:
                matched += sum(v["count"] for v in want.values())
    return matched


def test_a_sample_of_combinations_matches_the_listings_at_every_zoom(crowd):
    # Not vacuous: the sample finds listings (pairs match about a quarter of them).
    assert check(seed=1) > 100


def test_a_pair_is_read_from_its_stored_cells_and_more_facts_are_counted_live(crowd):
    wanted = ("walk_in", "free")
    before = sum(v["count"] for v in shown(6, wanted, ()).values())
    triple = sum(v["count"] for v in shown(6, (*wanted, "no_id_required"), ()).values())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT facet) FROM mapping_tile_cell WHERE facet LIKE 'a:%%+%%'"
        )
        assert cursor.fetchone()[0] == 36  # every pair of the nine facts occurs here
        cursor.execute(
            "UPDATE mapping_tile_cell SET n = n + 1000 "
            "WHERE zoom = 4 AND facet = 'a:free+walk_in' AND kind = 'cooperative'"
        )
        cells = cursor.rowcount
    assert cells > 0
    assert sum(v["count"] for v in shown(6, wanted, ()).values()) == before + 1000 * cells
    assert sum(v["count"] for v in shown(6, (*wanted, "no_id_required"), ()).values()) == triple


def test_pairs_are_canonical_whatever_the_order_asked(crowd):
    for z in (3, 9):
        assert shown(z, ("walk_in", "free"), ()) == shown(z, ("free", "walk_in"), ())
        assert shown(z, ("free", "walk_in", "free"), ()) == expected(z, ("free", "walk_in"), ())


def test_combinations_stay_exact_after_each_kind_of_write(
    crowd, tmp_path, django_capture_on_commit_callbacks
):
    rng = crowd
    by = UserFactory()
    public = list(Listing.objects.public().filter(slug__startswith="crowd-").order_by("pk"))
    category = CategoryFactory(slug="food")
    quick = (3, 9, 11, 13)

    # Created (the service a form or the API uses), with categories.
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            services.listing_create(
                listing=Listing(
                    name=f"Comedor {n}", kind=rng.choice(KINDS), location=point(rng),
                    location_precision="exact", original_language="es", summary_es="Comida.",
                    country="MX", status="published", access=facts(rng),
                ),
                categories=[category],
            )  # fmt: skip
    check(seed=2, zooms=quick)

    # Updated: other facts, another kind, moved.
    with django_capture_on_commit_callbacks(execute=True):
        for listing in public[:8]:
            services.listing_update(
                listing=listing, by=by,
                data={"access": facts(rng), "kind": rng.choice(KINDS), "location": point(rng)},
            )  # fmt: skip
    check(seed=3, zooms=quick)

    # Hidden in an emergency, hidden by reports, archived.
    with django_capture_on_commit_callbacks(execute=True):
        for listing in public[8:11]:
            services.listing_emergency_hide(listing=listing, by=by)
        Listing.objects.filter(pk__in=[x.pk for x in public[11:14]]).update(hidden_by_reports=True)
        for listing in public[14:17]:
            services.listing_archive(listing=Listing.objects.get(pk=listing.pk), by=by)
    check(seed=4, zooms=quick)

    # Shown again, and a pending one published.
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_emergency_show(listing=Listing.objects.get(pk=public[8].pk), by=by)
        Listing.objects.filter(status="pending").update(status="published")
    check(seed=5, zooms=quick)

    # Imported (a file of the Tejido columns), then imported again with other facts.
    header = "source_id,name,kind,lat,lng,country,language,access,precision"
    rows = [(n, rng.choice(KINDS), point(rng), ";".join(facts(rng)) or "free") for n in range(12)]
    for round_ in (1, 2):
        path = tmp_path / f"import-{round_}.csv"
        path.write_text(
            "\n".join(
                [header]
                + [
                    f"src-{n},Cocina {n},{kind},{p.y:.6f},{p.x:.6f},MX,es,"
                    f"{access if round_ == 1 else ';'.join(facts(rng))},exact"
                    for n, kind, p, access in rows
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        call_command("import_listings", str(path), "--commit")
        assert Listing.objects.filter(name__startswith="Cocina ").count() == 12
        check(seed=5 + round_, zooms=quick)

    # Two listings merged into one: the one kept takes the other's facts, categories and
    # needs; the other is archived. One transaction, as a merge runs.
    kept, merged = public[20], public[21]
    NeedFactory(listing=merged, kind="food")
    with transaction.atomic():
        kept.access = sorted(set(kept.access) | set(merged.access) | {"free", "walk_in"})
        kept.save()
        kept.categories.add(category)
        Need.objects.filter(listing=merged).update(listing=kept)
        services.listing_archive(listing=Listing.objects.get(pk=merged.pk), by=by)
    check(seed=8, zooms=quick)

    # Deleted outright.
    Listing.objects.filter(pk__in=[x.pk for x in public[22:25]]).delete()
    check(seed=9, zooms=quick)

    # And the cells the writes left are those a full rebuild makes.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT zoom, tx, ty, facet, cell, kind, n FROM mapping_tile_cell "
            "ORDER BY 1, 2, 3, 4, 5, 6"
        )
        written = cursor.fetchall()
        tiles.refresh()
        cursor.execute(
            "SELECT zoom, tx, ty, facet, cell, kind, n FROM mapping_tile_cell "
            "ORDER BY 1, 2, 3, 4, 5, 6"
        )
        assert cursor.fetchall() == written


def test_installing_adds_the_pair_cells_a_rebuild_makes(crowd):
    """Migration 0005 adds the pairs' cells to the stored ones instead of rebuilding."""
    install = import_module("mapping.migrations.0005_access_pair_cells")
    rows = (
        "SELECT zoom, tx, ty, facet, cell, kind, n, sx, sy FROM mapping_tile_cell "
        "ORDER BY 1, 2, 3, 4, 5, 6"
    )
    with connection.cursor() as cursor:
        cursor.execute(rows)
        rebuilt = cursor.fetchall()
        cursor.execute(f"DELETE FROM mapping_tile_cell WHERE {install.PAIR_FACET}")
        assert cursor.rowcount > 36 * 10  # every pair at each of the zooms 0-9, and more
        cursor.execute(install.ADD_PAIR_CELLS)
        cursor.execute(rows)
        added = cursor.fetchall()
    assert [row[:7] for row in added] == [row[:7] for row in rebuilt]
    for row, other in zip(added, rebuilt, strict=True):
        assert row[7:] == pytest.approx(other[7:], rel=1e-12)
