"""Browser tests: one headless Debian Chromium for the whole suite, a new context per test, a
live server on 127.0.0.1 in a thread of this process (so the test sees its e-mail outbox).

Data a test creates must be committed for the server's thread to see it: the ``site`` fixture
gives the test ``committed_db`` (autocommit, tables emptied afterwards). ``pytest -m "not
browser"`` leaves the suite out.
"""

import os
from datetime import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from directory import services
from directory.choices import AccessFact, ListingKind, LocationPrecision, PlaceKind
from directory.geo import SRID
from directory.models import OpeningPeriod, Place
from tests.factories import CategoryFactory, ListingFactory, PlaceFactory

from .helpers import DEVICES, Guard, Site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for every browser test.

    Package-scoped, that is for the whole browser suite: the sync Playwright API keeps an
    asyncio loop running in this thread while it is started, and Django then refuses ORM
    calls from the thread ("async context"). The tests here are synchronous code that only
    shares the thread with that loop, so Django's check is lifted for as long as the browser
    runs, and the browser stops before any other package's tests run.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: TEJIDO_WITH_BROWSER=1 scripts/setup.sh installs it")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _empty_model_tables() -> None:
    """Deletes every row the tests wrote, from the models' tables that hold any.

    What Django's ``flush`` does after a transactional test, without its cost here: it
    truncates the ~80 tables one by one (about 3 s a test on this machine) and then recreates
    content types and permissions. Foreign keys are deferrable, so one transaction of DELETEs
    in any order works; the append-only audit log refuses DELETE and is truncated.
    """
    test_name = connection.creation._get_test_db_name()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (current,) = cursor.fetchone()
    if current != test_name:  # never empty anything but the test database
        raise RuntimeError(f"refusing to empty {current!r}: not the test database {test_name!r}")
    keep = {"django_migrations", "django_content_type", "auth_permission"}
    tables = sorted(set(connection.introspection.django_table_names(only_existing=True)) - keep)
    quote = connection.ops.quote_name
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in tables
                ),
                tables,
            )
            written = [row[0] for row in cursor.fetchall()]
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in written:
                if table in APPEND_ONLY_TABLES:
                    cursor.execute(f"TRUNCATE {quote(table)}")
                else:
                    cursor.execute(f"DELETE FROM {quote(table)}")
    except DatabaseError:
        call_command("flush", interactive=False, verbosity=0)


APPEND_ONLY_TABLES = {"directory_auditevent"}


@pytest.fixture(scope="session")
def browser_test_db(django_db_setup, django_db_blocker, django_db_keepdb, django_db_createdb):
    """The test database, also when no test of the session asks pytest-django for one (it
    sets up only the databases of tests marked ``django_db`` or using its db fixtures)."""
    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        yield  # pytest-django has set it up
        return
    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, keepdb=keepdb)
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=0)


@pytest.fixture
def committed_db(browser_test_db, django_db_blocker):
    """Database access in autocommit: what the test writes is committed, so the live server's
    thread sees it; every table the test wrote to is emptied afterwards (and before, in case
    an interrupted run left rows behind)."""
    with django_db_blocker.unblock():
        _empty_model_tables()
        try:
            yield
        finally:
            _empty_model_tables()


@pytest.fixture(scope="session")
def server(browser_test_db):
    """pytest-django's live server, in a thread of this process, bound to 127.0.0.1 (the only
    host the pages may reach). It serves static files through staticfiles' finders, Leaflet
    from node_modules included. (Not named ``live_server``: that name would make every test
    ``transactional_db``, whose flush costs about 3 s a test; ``committed_db`` does the same
    work in milliseconds.)"""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def device(request):
    """ "phone" or "desktop"; parametrize with ``indirect=True`` to choose."""
    return getattr(request, "param", "desktop")


@pytest.fixture
def guard(server):
    return Guard(origin=server.url.split("://", 1)[1])


@pytest.fixture
def context(browser, device, guard):
    context = browser.new_context(**DEVICES[device], locale="en-US", timezone_id="UTC")
    context.set_default_timeout(10_000)
    guard.watch(context)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def site(page, server, guard, committed_db):
    """The live server seen through one guarded page. After the test, nothing may have gone to
    another host (tiles aside), and no console error, uncaught exception or dialog happened."""
    cache.clear()  # throttles (reports, sign-in) start afresh
    yield Site(page, server.url, guard)
    problems = guard.problems()
    if problems:
        pytest.fail("the page misbehaved:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def open_as(browser, server, guard, committed_db):
    """``open_as(user, device)``: another person's browser (a context of its own, under the
    same guard), signed in as ``user`` (or anonymous with None), as a ``Site``."""
    contexts = []

    def open_site(user=None, device="desktop") -> Site:
        context = browser.new_context(**DEVICES[device], locale="en-US", timezone_id="UTC")
        context.set_default_timeout(10_000)
        guard.watch(context)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server.url}])
        return Site(context.new_page(), server.url, guard)

    yield open_site
    for context in contexts:
        context.close()
    problems = guard.problems()
    if problems:
        pytest.fail("a page misbehaved:\n  " + "\n  ".join(problems), pytrace=False)


# --- Data the journeys share ----------------------------------------------------------------


@pytest.fixture
def santa_ana(committed_db):
    """The two gazetteer entries the searches need: the city and one of its ZIP codes."""
    city = PlaceFactory(
        admin1_name="California", timezone="America/Los_Angeles", geonames_id=5392900
    )
    zip_code = Place.objects.create(
        kind=PlaceKind.POSTAL_CODE,
        name="Santa Ana",
        ascii_name="santa ana",
        country="US",
        admin1="CA",
        postal_code="92701",
        point=Point(-117.8543, 33.7489, srid=SRID),
        timezone="America/Los_Angeles",
    )
    return SimpleNamespace(city=city, zip_code=zip_code)


@pytest.fixture
def pantry(santa_ana):
    """A food pantry 1 km from Santa Ana's centre, open every day, with what a person needs to
    know before going there; and a co-operative farther out, found by the same search."""
    food = CategoryFactory(slug="food", name_en="Food", name_es="Alimentos")
    listing = ListingFactory(
        kind=ListingKind.MUTUAL_AID,
        name="Despensa Solidaria Santa Ana",
        slug="despensa-solidaria-santa-ana",
        original_language="es",
        summary_es="Despensa de comida gratuita y comidas calientes cada semana.",
        summary_en="Free food pantry and hot meals every week.",
        description_es="Traiga una bolsa. No pedimos papeles.",
        description_en="Bring a bag. We ask for no papers.",
        eligibility_notes_en="Anyone living in Orange County.",
        eligibility_notes_es="Cualquier persona que viva en el condado de Orange.",
        location=Point(-117.8760, 33.7490, srid=SRID),
        location_precision=LocationPrecision.EXACT,
        street_address="120 W 5th St",
        locality="Santa Ana",
        admin1="CA",
        postal_code="92701",
        country="US",
        languages=["es", "en", "vi"],
        access=[AccessFact.FREE, AccessFact.NO_ID_REQUIRED, AccessFact.WALK_IN],
    )
    listing.categories.set([food])
    for weekday in range(1, 8):
        OpeningPeriod.objects.create(
            listing=listing, weekday=weekday, opens=time(9, 0), closes=time(18, 0)
        )
    services.listing_refresh_derived(listing)
    farther = ListingFactory(
        kind=ListingKind.COOPERATIVE,
        name="Cooperativa de Alimentos Anaheim",
        slug="cooperativa-alimentos-anaheim",
        summary_es="Cooperativa de consumo de comida local.",
        summary_en="A consumer co-operative of local food.",
        location=Point(-117.9145, 33.8353, srid=SRID),
        locality="Anaheim",
        admin1="CA",
        country="US",
    )
    farther.categories.set([food])
    services.listing_refresh_derived(farther)
    return listing
