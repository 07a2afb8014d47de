"""The restore drill (DESIGN.md §8): back up the test database with data in every table,
restore it into a fresh database and compare every table's row count and the answers of
a near-me query, a tile and a region's statistics; a damaged backup is refused."""

import datetime
import os
from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import WriteLimitHit
from directory import stats
from directory.choices import AuditAction, RegionLevel, ReportReason
from directory.models import (
    AuditEvent,
    ListingSource,
    LocationAccessGrant,
    MergeRecord,
    OpeningPeriod,
    Report,
)
from mapping import basemap
from ops import backups
from relay.models import JoinRequest, Offer
from tests.factories import (
    CategoryFactory,
    ContactFactory,
    ListingFactory,
    MembershipFactory,
    NeedFactory,
    PlaceFactory,
    RegionFactory,
    UserFactory,
    box,
    with_totp,
)

NEAR_ME = "/api/v1/listings/?lat=19.43&lng=-99.13&radius_km=50"
#: The tile of zoom 10 holding Mexico City's centre, and the aggregate tile above it.
#: And the basemap's tile of the same place (land and a country's name).
TILES = (
    "/api/v1/tiles/10/229/455.pbf",
    "/api/v1/tiles/3/1/3.pbf",
    "/api/v1/tiles/basemap/3/1/3.pbf?lang=es",
)


def tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm') ORDER BY 1"
        )
        return [name for (name,) in cursor.fetchall()]


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for name in tables():
            cursor.execute(f'SELECT count(*) FROM "{name}"')
            (counts[name],) = cursor.fetchone()
    return counts


def fill_every_table() -> str:
    """A little of everything; returns a region's slug."""
    from allauth.account.models import EmailAddress, EmailConfirmation

    region = RegionFactory(slug="cdmx")
    RegionFactory(slug="mx", level=RegionLevel.COUNTRY, geom=box(-118, 14, -86, 32))
    root = CategoryFactory(slug="food")
    food_bank = CategoryFactory(slug="food-bank", parent=root)
    lead = UserFactory(username="lead")
    moderator = UserFactory(username="moderadora")
    group = Group.objects.create(name="drill")
    group.permissions.add(Permission.objects.first())
    lead.groups.add(group)
    lead.user_permissions.add(Permission.objects.last())
    address = EmailAddress.objects.create(user=lead, email=lead.email, primary=True)
    EmailConfirmation.create(address)
    Token.objects.create(user=lead)
    session = SessionStore()
    session["drill"] = True
    session.save()
    PlaceFactory()
    listings = [
        ListingFactory(location=f"POINT({-99.13 + i / 100} {19.43 + i / 200})") for i in range(6)
    ]
    for listing in listings:
        listing.categories.add(food_bank)
        listing.regions.add(region)
        listing.save()
    first = listings[0]
    need = NeedFactory(listing=first)
    Offer.objects.create(
        listing=first,
        need=need,
        language="es",
        sender_name="Ana",
        sender_email="ana@example.org",
        message="Puedo ayudar los sábados.",
    )
    ContactFactory(listing=first)
    OpeningPeriod.objects.create(
        listing=first, weekday=1, opens=datetime.time(9), closes=datetime.time(17)
    )
    MembershipFactory(listing=first, user=lead)
    LocationAccessGrant.objects.create(listing=first, user=moderator, granted_by=lead)
    ListingSource.objects.create(listing=first, source="drill", source_id="1", content_hash="0")
    Report.objects.create(listing=first, reason=ReportReason.CLOSED, message="closed?")
    AuditEvent.objects.create(action=AuditAction.LISTING_APPROVED, actor=moderator, listing=first)
    LogEntry.objects.log_actions(moderator.pk, [first], ADDITION)
    # A merge of two of them, undone (both stay public).
    MergeRecord.objects.create(
        target=first,
        source=listings[1],
        moderator=moderator,
        undone_at=datetime.datetime.now(datetime.UTC),
    )
    with_totp(moderator)  # allauth.mfa's authenticator
    JoinRequest.objects.create(
        listing=first, requester=moderator, message="¿Me suman?", language="es"
    )
    WriteLimitHit.objects.create(user=lead, kind=WriteLimitHit.Kind.LINKS, action="listing")
    # Factories write past the services: count what they wrote (pg_restore refreshes too).
    stats.refresh()
    basemap.refresh()
    return region.slug


def answers(region: str) -> dict:
    cache.clear()
    client = Client()
    near = client.get(NEAR_ME)
    stats = client.get(f"/api/v1/regions/{region}/stats/")
    assert near.status_code == 200 and stats.status_code == 200
    return {
        "near_me": near.json(),
        "stats": {k: v for k, v in stats.json().items() if k != "refreshed_at"},
        "tiles": [client.get(url).content for url in TILES],
    }


def switch_default_database(name: str) -> str:
    connection.close()
    previous = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = name
    return previous


@pytest.fixture
def restored_name():
    return f"{connection.settings_dict['NAME']}_restored_{os.getpid()}"


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_the_same_answers(tmp_path, restored_name):
    region = fill_every_table()
    before = row_counts()
    empty = sorted(name for name, n in before.items() if n == 0)
    assert empty == [], f"tables without data: {empty}"
    expected = answers(region)
    assert expected["near_me"]["count"] == 6 and all(expected["tiles"])

    call_command("backup", dir=str(tmp_path), keep=2)
    (dump,) = tmp_path.glob("*.dump")
    assert (tmp_path / f"{dump.name}.sha256").read_text().split() == [
        backups.sha256_of(dump),
        dump.name,
    ]
    assert not list(tmp_path.glob("*.partial"))

    call_command("restore", str(dump), into=restored_name)
    test_name = switch_default_database(restored_name)
    try:
        assert row_counts() == before
        assert answers(region) == expected
    finally:
        switch_default_database(test_name)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{restored_name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def small_backup(tmp_path_factory, django_db_blocker, django_db_setup) -> Path:
    with django_db_blocker.unblock():
        return backups.backup(tmp_path_factory.mktemp("backups"))


def damaged_copy(dump: Path, tmp_path: Path, damage) -> Path:
    copy = tmp_path / dump.name
    data = bytearray(dump.read_bytes())
    copy.write_bytes(damage(data))
    (tmp_path / f"{dump.name}.sha256").write_bytes(Path(f"{dump}.sha256").read_bytes())
    return copy


def flip_a_byte(data: bytearray) -> bytes:
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "damage", [lambda data: bytes(data[: len(data) // 2]), flip_a_byte], ids=["cut", "altered"]
)
def test_a_damaged_backup_is_refused_and_nothing_is_created(
    small_backup, tmp_path, restored_name, damage
):
    copy = damaged_copy(small_backup, tmp_path, damage)
    with pytest.raises(CommandError, match=r"is damaged: its SHA-256 is .* nothing was restored"):
        call_command("restore", str(copy), into=restored_name)
    assert not backups.database_exists(restored_name)


@pytest.mark.django_db
def test_a_dump_without_its_sum_is_refused(small_backup, tmp_path, restored_name):
    copy = tmp_path / small_backup.name
    copy.write_bytes(small_backup.read_bytes())
    with pytest.raises(CommandError, match=r"has no .*sha256 beside it"):
        call_command("restore", str(copy), into=restored_name)
    assert not backups.database_exists(restored_name)


@pytest.mark.django_db
def test_restore_refuses_an_existing_database(small_backup):
    with pytest.raises(CommandError, match="already exists"):
        call_command("restore", str(small_backup), into=connection.settings_dict["NAME"])


def test_keeping_n_backups_removes_the_oldest_complete_ones(tmp_path):
    names = [f"tejido-db-2026120{day}T030000Z.dump" for day in range(1, 6)]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
        (tmp_path / f"{name}.sha256").write_text(f"0  {name}\n")
    (tmp_path / "tejido-db-20261206T030000Z.dump.partial").write_bytes(b"x")
    backups.prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*names[3:], *(f"{name}.sha256" for name in names[3:])]
    )
