"""Every list query shape can run on an index (DESIGN.md §7): EXPLAIN, with sequential scans
disabled, shows no unbounded Seq Scan on directory_listing and uses the index meant for the
shape.
(With them disabled, a Seq Scan that remains means no index could serve the query; the
benchmark checks the planner's own choices on 1M listings.)"""

import datetime
import json
import random

import orjson
import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from api.pagination import COUNT_AHEAD
from directory import selectors
from directory.models import Listing, Need
from tests.factories import CategoryFactory, ListingFactory, NeedFactory, RegionFactory

pytestmark = pytest.mark.django_db

HERE = Point(-99.13, 19.43, srid=4326)


@pytest.fixture(scope="module")
def many_listings(django_db_setup, django_db_blocker):
    """3,000 listings and 200 needs, committed once for the module and removed after it."""
    with django_db_blocker.unblock():
        _create_listings()
        yield
        Need.history.model.objects.all().delete()
        Need.objects.all().delete()
        Listing.objects.all().delete()


def _create_listings():
    rng = random.Random(7)
    Listing.objects.bulk_create(
        ListingFactory.build(
            slug=f"l{n}",
            name=f"Cooperativa {n}",
            location=Point(-99.13 + rng.uniform(-1, 1), 19.43 + rng.uniform(-1, 1), srid=4326),
            location_precision=rng.choice(["exact", "area", "region", "hidden"]),
            kind=rng.choice(["cooperative", "mutual_aid", "community_project"]),
            summary_es="Huerto comunitario" if n % 100 == 0 else "Cooperativa de trabajo",
        )
        for n in range(3000)
    )
    for listing in Listing.objects.all()[:200]:
        NeedFactory(listing=listing)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_listing; ANALYZE directory_need")


def plans(statement):
    """EXPLAIN (FORMAT JSON) of a list page's statement (its bounded count and page)."""
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        return [json.dumps(cursor.fetchone()[0])]


def rows(query, *, needs=False):
    """The statement of the first page of 50, as the API runs it."""
    statement = selectors.need_page_statement if needs else selectors.listing_page_statement
    return statement(query, offset=0, limit=50, cap=50 + COUNT_AHEAD)


LISTING_SHAPES = {
    "near me": (dict(point=HERE), "listing_public_geog_gist"),
    "radius 10 km by name": (
        dict(point=HERE, radius_km=10, ordering="name"),
        "listing_public_geog_gist",
    ),
    "bbox": (dict(bbox=(-99.2, 19.3, -99.0, 19.5)), "listing_public_point_gist"),
    # Two GIN indexes hold the search document (alone, and with region_ids); the planner
    # may read either for words alone.
    "text": (dict(q="huerto"), ("listing_search_gin", "listing_region_search_gin")),
    "text near me": (dict(q="huerto", point=HERE, radius_km=50), None),
    "kind and country": (dict(kinds=("mutual_aid",), country="MX"), None),
    "default order": (dict(), "listing_name_id"),
    "newest": (dict(ordering="-created_at"), "listing_created_id"),
    "recently changed": (dict(ordering="-updated_at"), "listing_updated_id"),
    "open now near me": (dict(open_now=True, point=HERE), "listing_public_geog_gist"),
    # Words are first looked for along the page's order (`walk_page_statement`).
    "frequent word near me": (
        dict(q="cooperativa", point=HERE, radius_km=50),
        "listing_public_geog_gist",
    ),
    "frequent word by name": (dict(q="cooperativa"), "listing_name_id"),
    "words, newest": (dict(q="huerto", ordering="-created_at"), "listing_created_id"),
    "words and kind by name near me": (
        dict(q="huerto", kinds=("cooperative",), point=HERE, ordering="name"),
        None,
    ),
}


@pytest.mark.parametrize("shape", LISTING_SHAPES)
def test_listing_queries_run_on_indexes(many_listings, shape):
    arguments, index = LISTING_SHAPES[shape]
    found = plans(rows(selectors.ListingQuery(**arguments)))
    for plan in found:
        assert "directory_listing" not in _seq_scans(plan), plan
    if index:
        indexes = (index,) if isinstance(index, str) else index
        assert any(name in " ".join(found) for name in indexes), found


def _region_of_a_tenth():
    """A region holding every tenth listing (memberships set region_ids by trigger)."""
    region = RegionFactory(slug="mx-cdmx")
    through = Listing.regions.through
    through.objects.bulk_create(
        through(listing_id=pk, region_id=region.pk)
        for pk in Listing.objects.values_list("pk", flat=True)[::10]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_listing")
    return region


def test_region_and_category_filters_run_on_indexes(many_listings):
    region = _region_of_a_tenth()
    category = CategoryFactory(slug="food")
    for plan in plans(rows(selectors.ListingQuery(region=region, category=category))):
        assert "directory_listing" not in _seq_scans(plan)


@pytest.mark.parametrize(
    ("words", "indexes"),
    [
        # A word that one listing in a hundred has may be read from its own index (30 rows
        # here) and its listings tested for the region: the planner's choice.
        ("huerto", ("listing_region_search_gin", "listing_search_gin")),
        ("cooperativa", ("listing_region_search_gin",)),
    ],
)
def test_words_in_a_region_are_read_within_the_region(many_listings, words, indexes):
    """`q` with a region reads the GIN index of words with regions, not every listing with
    a frequent word."""
    region = _region_of_a_tenth()
    [plan] = plans(rows(selectors.ListingQuery(region=region, q=words)))
    assert "directory_listing" not in _seq_scans(plan)
    assert any(index in plan for index in indexes), plan


@pytest.mark.parametrize(
    "arguments",
    [
        dict(),
        dict(point=HERE),
        dict(kinds=("food",), point=HERE, radius_km=10),
        dict(q="voluntarias"),
    ],
)
def test_need_queries_run_on_indexes(many_listings, arguments):
    for plan in plans(rows(selectors.NeedQuery(**arguments), needs=True)):
        assert "directory_listing" not in _seq_scans(plan), plan
    assert Need.objects.exists()


def _seq_scans(plan_json: str) -> list[str]:
    """Relations read by an unbounded Seq Scan anywhere in the plan. A Seq Scan streaming
    straight into a Limit (the count of an unfiltered list stops COUNT_AHEAD rows past the
    page) reads only that many rows and is not a scan of the table."""
    found = []
    blocking = {"Sort", "Hash", "Aggregate", "Incremental Sort", "Materialize", "Gather Merge"}

    def walk(node, bounded):
        if isinstance(node, dict):
            kind = node.get("Node Type")
            if kind == "Seq Scan" and not bounded:
                found.append(node.get("Relation Name"))
            if kind == "Limit":
                bounded = True
            elif kind in blocking:
                bounded = False
            for value in node.values():
                walk(value, bounded)
        elif isinstance(node, list):
            for value in node:
                walk(value, bounded)

    walk(json.loads(plan_json), False)
    return found


def as_rendered(rows, columns):
    """ORM rows with dates and times as the JSON renderer writes them, which is how the
    page statement returns them (all but `last_confirmed_at`, kept for freshness)."""
    kept = columns.index("last_confirmed_at")

    def value(i, v):
        if isinstance(v, datetime.date) and i != kept:
            return orjson.dumps(v).decode().strip('"')
        return v

    return [tuple(value(i, v) for i, v in enumerate(row)) for row in rows]


def orm_page(qs, query, end: int):
    """The nearest-first page as separate ORM queries, the reference for `page_statement`:
    the distance of the `end`-th match, then the matches within it (plus the slack)."""
    if query.point is None or query.effective_ordering != "distance":
        return qs
    bound = list(qs.order_by("distance_m").values_list("distance_m", flat=True)[end - 1 : end])
    if not bound:
        return qs
    return qs.filter(selectors.within(query.point, bound[0] / 1000 + selectors.DISTANCE_SLACK_KM))


@pytest.mark.parametrize("shape", LISTING_SHAPES)
@pytest.mark.parametrize("offset", [0, 50, 1450])
@pytest.mark.parametrize("walk_rows", [selectors.WALK_ROWS, 40])
def test_one_statement_pages_equal_the_orm_pages(
    many_listings, monkeypatch, shape, offset, walk_rows
):
    """The page statement (count, bound and page in one) returns the rows and the count
    that the ORM's separate queries return, ties in distance included; with words, both
    when the walk along the order finds the page and when it gives up (a short walk)."""
    monkeypatch.setattr(selectors.statements, "WALK_ROWS", walk_rows)
    query = selectors.ListingQuery(**LISTING_SHAPES[shape][0])
    limit, cap = 50, offset + 50 + COUNT_AHEAD
    count, page = selectors.listing_page(query, offset=offset, limit=limit, cap=cap)
    listings = selectors.public_listings(query)
    expected_count = listings.order_by()[:cap].count()
    expected = list(
        selectors.public_listing_rows(
            orm_page(listings, query, offset + limit),
            with_distance=query.point is not None,
        )[offset : offset + limit]
    )
    assert count == expected_count
    assert page == as_rendered(expected, selectors.ROW_COLUMNS)
    assert page or offset >= count


def _executed(statement) -> str:
    """EXPLAIN ANALYZE of a statement, as JSON text of the plan nodes that ran."""
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    ran = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("Actual Loops"):
                ran.append({k: v for k, v in node.items() if k != "Plans"})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(plan)
    return json.dumps(ran)


def test_a_frequent_word_is_found_along_the_order_without_its_index(many_listings):
    """Nearest first or by name, a word that most listings have is found by walking the
    page's order: the word's GIN index (every listing with it) is not read at all."""
    for query in (
        selectors.ListingQuery(q="cooperativa", point=HERE, radius_km=50),
        selectors.ListingQuery(q="cooperativa"),
    ):
        ran = _executed(rows(query))
        assert "search_gin" not in ran
        assert "listing_public_geog_gist" in ran or "listing_name_id" in ran


def test_a_rare_word_gives_up_the_walk_for_its_index(many_listings):
    """A word one listing in a hundred has, by name: the walk gives up after WALK_ROWS and
    the matches come from the word's index, sorted."""
    ran = _executed(rows(selectors.ListingQuery(q="huerto")))
    assert "search_gin" in ran
    count, page = selectors.listing_page(
        selectors.ListingQuery(q="huerto"), offset=0, limit=50, cap=250
    )
    assert count == 30 and [row[2] for row in page] == sorted(row[2] for row in page)


@pytest.mark.parametrize("arguments", [dict(), dict(point=HERE, radius_km=100)])
def test_one_statement_need_pages_equal_the_orm_pages(many_listings, arguments):
    query = selectors.NeedQuery(**arguments)
    count, page = selectors.need_page(query, offset=10, limit=20, cap=1030)
    needs = selectors.public_needs(query)
    assert count == needs.order_by()[:1030].count() > 30
    expected = selectors.public_need_rows(
        orm_page(needs, query, 30), with_distance=query.point is not None
    )
    assert page == as_rendered(list(expected[10:30]), selectors.NEED_ROW_COLUMNS)


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 11, 23, 4, 20, 46, 537550, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 23, 4, 20, 46, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=datetime.UTC),
        datetime.datetime(
            1999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.timezone(datetime.timedelta(hours=-6))
        ),
    ],
)
def test_times_in_pages_are_written_as_the_json_renderer_writes_them(moment):
    with connection.cursor() as cursor:
        # The time's SQL appears three times in the expression: one parameter for each.
        cursor.execute("SELECT " + selectors.sql._time_text("%s::timestamptz"), [moment] * 3)
        (text,) = cursor.fetchone()
    expected = orjson.dumps(moment.astimezone(datetime.UTC)).decode().strip('"')
    assert text == expected
