"""Rules the directory's models keep: validation, expiry, the category tree, regions."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from directory import services
from directory.choices import (
    Freshness,
    ListingStatus,
    LocationPrecision,
    NeedStatus,
    RegionLevel,
)
from directory.content import localized
from directory.freshness import freshness
from directory.models import AuditEvent, Category, Contact, Listing, Need, Report
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    NeedFactory,
    RegionFactory,
    box,
)

pytestmark = pytest.mark.django_db


# --- Locations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lng", "lat", "message"),
    [
        (181, 10, "Longitude 181"),
        (-180.5, 10, "Longitude -180.5"),
        (10, 90.0001, "Latitude 90.0001"),
        (10, -91, "Latitude -91"),
        (float("nan"), 10, "finite"),
        (10, float("inf"), "finite"),
    ],
)
def test_listing_refuses_a_point_outside_wgs84_or_not_finite(lng, lat, message):
    listing = ListingFactory.build(location=Point(lng, lat, srid=4326))
    with pytest.raises(ValidationError) as error:
        listing.full_clean()
    assert message in str(error.value.message_dict["location"])
    assert not Listing.objects.exists()


def test_service_area_refuses_a_self_intersecting_polygon():
    bowtie = Polygon(((0, 0), (1, 1), (1, 0), (0, 1), (0, 0)), srid=4326)
    listing = ListingFactory.build(service_area=MultiPolygon(bowtie, srid=4326))
    with pytest.raises(ValidationError) as error:
        listing.full_clean()
    assert "not a valid polygon" in str(error.value.message_dict["service_area"])


def test_a_listing_without_location_must_be_hidden():
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingFactory(location=None, location_precision=LocationPrecision.AREA)
    hidden = ListingFactory(location=None, location_precision=LocationPrecision.HIDDEN)
    assert hidden.pk


def test_listing_create_sets_time_zone_and_regions_from_the_public_point():
    mexico = RegionFactory(slug="mx", level=RegionLevel.COUNTRY, geom=box(-118, 14, -86, 33))
    cdmx = RegionFactory(slug="mx-cdmx", geom=box(-99.4, 19.0, -98.9, 19.6))
    listing = services.listing_create(
        listing=ListingFactory.build(slug="", location=Point(-99.13, 19.43, srid=4326))
    )
    assert listing.timezone == "America/Mexico_City"
    assert set(listing.regions.all()) == {mexico, cdmx}
    assert listing.slug.startswith("cooperativa-numero-")


def test_region_membership_follows_the_public_cell_not_the_true_point():
    """A true point just west of a border whose public cell lies east of it is listed east."""
    west = RegionFactory(slug="west", geom=box(-100, 19, -99.0055, 20))
    east = RegionFactory(slug="east", geom=box(-99.0055, 19, -98, 20))
    true_point = Point(-99.0060, 19.5, srid=4326)  # in `west`; its 0.01° cell centre is -99.005
    area = services.listing_create(
        listing=ListingFactory.build(slug="a", location=true_point, location_precision="area")
    )
    exact = services.listing_create(
        listing=ListingFactory.build(slug="e", location=true_point, location_precision="exact")
    )
    assert list(exact.regions.all()) == [west]
    assert list(area.regions.all()) == [east]


def test_hidden_listing_is_listed_by_country_and_state_only():
    country = RegionFactory(slug="mx", level=RegionLevel.COUNTRY, geom=box(-118, 14, -86, 33))
    state = RegionFactory(
        slug="mx-cdmx", level=RegionLevel.ADMIN1, geom=box(-99.4, 19, -98.9, 19.6)
    )
    RegionFactory(slug="coyoacan", level=RegionLevel.ADMIN2, geom=box(-99.2, 19.3, -99.1, 19.5))
    listing = services.listing_create(
        listing=ListingFactory.build(
            slug="h", location=Point(-99.16, 19.35, srid=4326), location_precision="hidden"
        )
    )
    assert set(listing.regions.all()) == {country, state}


def test_region_refuses_an_invalid_boundary():
    bowtie = Polygon(((0, 0), (1, 1), (1, 0), (0, 1), (0, 0)), srid=4326)
    region = RegionFactory.build(geom=MultiPolygon(bowtie, srid=4326))
    with pytest.raises(ValidationError) as error:
        region.full_clean()
    assert "Self-intersection" in str(error.value.message_dict["geom"])


# --- Content --------------------------------------------------------------------------------


def test_content_falls_back_to_the_language_it_was_written_in():
    listing = ListingFactory(original_language="pt", summary_es="", summary_pt="Cozinha solidária")
    assert localized(listing, "summary", "fr") == ("Cozinha solidária", "pt")
    listing.summary_fr = "Cuisine solidaire"
    assert localized(listing, "summary", "fr") == ("Cuisine solidaire", "fr")


def test_language_codes_accept_indigenous_languages_and_refuse_nonsense():
    ListingFactory.build(languages=["es", "nah", "yua", "ht"]).full_clean()
    for bad in (["ES"], ["spanish!"], ["es", "es"]):
        with pytest.raises(ValidationError) as error:
            ListingFactory.build(languages=bad).full_clean()
        assert "languages" in error.value.message_dict


def test_access_facts_refuse_unknown_values():
    with pytest.raises(ValidationError) as error:
        ListingFactory.build(access=["free", "teleportation"]).full_clean()
    assert "teleportation" in str(error.value.message_dict["access"])


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("phone", "+1 (310) 555-0142", "+13105550142"),
        ("email", "Hola@Example.ORG", "hola@example.org"),
        ("website", "https://example.org/coop", "https://example.org/coop"),
    ],
)
def test_contacts_are_validated_and_normalized(kind, value, stored):
    contact = Contact(listing=ListingFactory(), kind=kind, value=value)
    contact.full_clean()
    assert contact.value == stored


@pytest.mark.parametrize(
    ("kind", "value"),
    [("phone", "call us"), ("email", "not-an-email"), ("website", "javascript:alert(1)")],
)
def test_contacts_refuse_what_is_not_of_their_kind(kind, value):
    with pytest.raises(ValidationError):
        Contact(listing=ListingFactory(), kind=kind, value=value).full_clean()


def test_nul_bytes_are_refused_in_names():
    with pytest.raises(ValidationError) as error:
        ListingFactory.build(name="Co\x00op").full_clean()
    assert "name" in error.value.message_dict


# --- Needs ------------------------------------------------------------------------------------


def test_needs_expire_after_their_end_date():
    today = timezone.localdate()
    current = NeedFactory(ends_on=today)
    endless = NeedFactory(ends_on=None)
    expired = NeedFactory(starts_on=today - timedelta(days=9), ends_on=today - timedelta(days=1))
    fulfilled = NeedFactory(status=NeedStatus.FULFILLED)
    assert set(Need.objects.current()) == {current, endless}
    assert expired.is_expired() and not current.is_expired()
    assert fulfilled not in Need.objects.current()


def test_public_needs_are_those_of_public_listings():
    shown = NeedFactory()
    NeedFactory(listing=ListingFactory(status=ListingStatus.PENDING))
    NeedFactory(listing=ListingFactory(emergency_hidden_at=timezone.now()))
    NeedFactory(listing=ListingFactory(hidden_by_reports=True))
    assert list(Need.objects.public()) == [shown]


def test_a_need_cannot_end_before_it_starts():
    need = NeedFactory.build(
        starts_on=timezone.localdate(), ends_on=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(ValidationError) as error:
        need.full_clean(exclude=["listing"])
    assert "cannot end before it starts" in str(error.value)


def test_needs_sort_most_urgent_first():
    listing = ListingFactory()
    low = NeedFactory(listing=listing, urgency="low")
    urgent = NeedFactory(listing=listing, urgency="urgent")
    normal = NeedFactory(listing=listing, urgency="normal")
    assert list(listing.needs.all()) == [urgent, normal, low]


def test_freshness_ages_with_the_last_confirmation():
    now = timezone.now()
    assert freshness(now - timedelta(days=90), now) == Freshness.FRESH
    assert freshness(now - timedelta(days=91), now) == Freshness.AGING
    assert freshness(now - timedelta(days=180), now) == Freshness.AGING
    assert freshness(now - timedelta(days=181), now) == Freshness.STALE
    recent = ListingFactory.build(last_confirmed_at=now - timedelta(days=10))
    assert recent.freshness == Freshness.FRESH


# --- Categories --------------------------------------------------------------------------------


def test_category_descendants_include_every_level_below():
    food = CategoryFactory(slug="food")
    kitchens = CategoryFactory(slug="kitchens", parent=food)
    soup = CategoryFactory(slug="soup", parent=kitchens)
    housing = CategoryFactory(slug="housing")
    food.refresh_from_db()
    assert set(food.descendants_and_self()) == {food, kitchens, soup}
    assert set(kitchens.descendants_and_self()) == {kitchens, soup}
    assert housing not in food.descendants_and_self()


def test_a_category_cannot_move_under_its_own_descendant():
    from treebeard.exceptions import InvalidMoveToDescendant

    food = CategoryFactory(slug="food")
    kitchens = CategoryFactory(slug="kitchens", parent=food)
    food.refresh_from_db()
    with pytest.raises(InvalidMoveToDescendant):
        Category.objects.move(food, kitchens, "sorted-child")
    kitchens = Category.objects.get(slug="kitchens")
    assert Category.objects.get_parent(kitchens) == Category.objects.get(slug="food")


# --- Reports, history and audit ------------------------------------------------------------------


def test_the_third_open_report_hides_a_listing_and_is_audited():
    listing = ListingFactory()
    for n in range(3):
        services.report_create(report=Report(listing=listing, reason="spam", message=f"report {n}"))
        listing.refresh_from_db()
        assert listing.hidden_by_reports is (n == 2)
    assert listing not in Listing.objects.public()
    event = AuditEvent.objects.get()
    assert event.action == "listing_hidden_by_reports" and event.listing_id == listing.pk


def test_the_audit_log_refuses_updates_and_deletes():
    event = services.audit("listing_approved", listing=ListingFactory())
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="rewritten")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).object_repr == event.object_repr


def test_every_change_of_a_listing_is_kept_with_all_languages():
    listing = ListingFactory(summary_es="Antes")
    listing.summary_es = "Después"
    listing.summary_en = "After"
    listing.save()
    versions = list(listing.history.order_by("history_id"))
    assert [v.summary_es for v in versions] == ["Antes", "Después"]
    assert versions[-1].summary_en == "After"


def _region_ids(listing) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT region_ids FROM directory_listing WHERE id = %s", [listing.pk])
        return cursor.fetchone()[0]


def test_region_ids_follow_memberships_whoever_writes_them():
    """Migration 0010: triggers keep `region_ids` (searched with a GIN index) equal to the
    memberships, and Django never writes the column, so a stale instance cannot undo it."""
    one, two, three = RegionFactory(), RegionFactory(), RegionFactory()
    listing = ListingFactory()
    stale = Listing.objects.get(pk=listing.pk)
    listing.regions.set([two, one])
    assert _region_ids(listing) == sorted([one.pk, two.pk])
    listing.regions.remove(one)
    Listing.regions.through.objects.filter(listing=listing, region=two).update(region=three)
    assert _region_ids(listing) == [three.pk]
    stale.name = "Renamed"
    stale.save()
    assert _region_ids(listing) == [three.pk]
    listing.regions.clear()
    assert _region_ids(listing) == []


def test_words_are_read_in_every_language_each_reading_once():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tejido_tsquery('food')::text, tejido_tsquery('cocinas')::text,"
            " tejido_tsquery('   ') IS NULL"
        )
        food, cocinas, nothing = cursor.fetchone()
    assert food == "'food'"  # five readings, one lexeme
    assert "'cocin'" in cocinas and "'cocinas'" in cocinas  # Spanish stem and the word as typed
    assert nothing
