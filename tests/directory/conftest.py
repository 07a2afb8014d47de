"""Fixtures of the import tests: the boundaries and categories rows are checked against."""

import pytest

from directory.choices import RegionLevel
from directory.demo import REGION_SOURCES, load_categories
from directory.importers import load_regions
from directory.models import Category, Listing, Region


@pytest.fixture(scope="module")
def import_boundaries(django_db_setup, django_db_blocker):
    """Countries (Natural Earth), US states and the categories, loaded once for a module."""
    with django_db_blocker.unblock():
        load_categories()
        for source in REGION_SOURCES[:2]:
            if not Region.objects.filter(level=source.level, country=source.country).exists():
                load_regions(source)
        yield
        # Committed outside the tests' transactions: leave the database as it was found.
        Listing.objects.all().delete()
        Region.objects.filter(level=RegionLevel.ADMIN1).delete()
        Region.objects.all().delete()
        Category.objects.all().delete()
