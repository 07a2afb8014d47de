"""The freshness loop (DESIGN.md §9): one reminder at 180 days with a signed, single-use,
expiring "still current" link; archived (reversibly) at 365 days; restored with one click."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from directory.choices import AuditAction, ListingStatus
from directory.models import AuditEvent, Listing
from relay import links, reminders

from .conftest import LEAD_ADDRESSES

pytestmark = pytest.mark.django_db

PUBLIC_SURFACES = (
    "/api/v1/listings/",
    "/api/v1/listings/export.geojson",
    "/api/v1/listings/export.csv",
    "/api/v1/needs/",
    "/es/listings/",
    "/es/needs/",
    "/es/needs/feed/",
)


def age(listing, days: int) -> Listing:
    Listing.objects.filter(pk=listing.pk).update(
        last_confirmed_at=timezone.now() - timedelta(days=days)
    )
    listing.refresh_from_db()
    return listing


def shown(client) -> list[bool]:
    seen = []
    for path in PUBLIC_SURFACES:
        response = client.get(path)
        assert response.status_code == 200, path
        seen.append(b"Cocina Comunitaria Boyle Heights" in response.content)
    return seen


def tile_count(client) -> int:
    import mapbox_vector_tile

    body = client.get("/api/v1/tiles/0/0/0.pbf").content
    cells = mapbox_vector_tile.decode(body).get("cells", {}).get("features", [])
    return sum(f["properties"]["count"] for f in cells)


def run(*args) -> str:
    out = StringIO()
    call_command("remind_stale_listings", *args, stdout=out)
    return out.getvalue()


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_dry_run_writes_and_sends_nothing(cocina):
    listing = age(cocina["listing"], 200)
    out = run("--dry-run")
    assert "would remind: cocina" in out and "1 would remind, 0 would archive" in out
    listing.refresh_from_db()
    assert listing.reminded_at is None and mail.outbox == []


def test_a_listing_is_reminded_once_at_180_days(cocina):
    listing = age(cocina["listing"], 179)
    assert "0 reminded" in run()
    age(listing, 181)
    assert "1 reminded, 0 archived" in run()
    assert sorted(m.to[0] for m in mail.outbox) == [a.decode() for a in sorted(LEAD_ADDRESSES)]
    spanish = next(m for m in mail.outbox if m.to == ["ana.lead@cocina.example"])
    assert "¿Sigue vigente" in spanish.subject
    assert "/es/still-current/" in spanish.body
    portuguese = next(m for m in mail.outbox if m.to == ["joao.lead@cocina.example"])
    assert "/pt/still-current/" in portuguese.body
    assert "0 reminded" in run()  # idempotent
    assert len(mail.outbox) == 2


def test_the_still_current_link_confirms_once(client, cocina):
    listing = age(cocina["listing"], 200)
    run()
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/still-current/" in line
    ).strip()
    page = client.get(path_of(link))
    assert page.status_code == 200
    listing.refresh_from_db()
    assert listing.freshness == "stale"  # opening the link changes nothing
    assert client.post(path_of(link)).status_code == 200
    listing.refresh_from_db()
    assert listing.freshness == "fresh"
    used = client.get(path_of(link))
    assert used.status_code == 410 and "/accounts/login/" in used.content.decode()
    # Confirmed after the reminder: the next stretch gets its own reminder.
    age(listing, 200)
    Listing.objects.filter(pk=listing.pk).update(
        reminded_at=listing.last_confirmed_at - timedelta(days=1)
    )
    mail.outbox.clear()
    assert "1 reminded" in run()


def test_an_expired_or_tampered_still_current_link(client, cocina, settings):
    listing = cocina["listing"]
    path = path_of(links.still_current_link(listing, "es"))
    later = timezone.now().timestamp() + (settings.CONFIRM_LINK_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.get(path).status_code == 410
        assert client.post(path).status_code == 410
    assert client.get(path.replace(":", ";", 1)).status_code == 404
    assert client.post(path[:-4] + "zzz/").status_code == 404


def test_archived_at_365_days_off_every_surface_and_back_with_one_click(client, cocina):
    listing = cocina["listing"]
    before = tile_count(client)
    assert all(shown(client))
    age(listing, 366)
    out = run()
    assert "archived: cocina" in out and "0 reminded, 1 archived" in out
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ARCHIVED
    assert listing.status_before_archive == ListingStatus.PUBLISHED
    assert listing.archived_reason == reminders.STALE_REASON
    assert listing.history.first().history_change_reason
    assert AuditEvent.objects.filter(action=AuditAction.LISTING_ARCHIVED, listing=listing).exists()
    assert not any(shown(client))
    assert client.get("/es/listings/cocina/").status_code == 404
    assert tile_count(client) == before - 1
    assert any("archiv" in m.subject.lower() for m in mail.outbox)
    assert "archived: cocina" not in run()  # idempotent
    # The lead sees why, and restores it from the dashboard.
    client.force_login(cocina["ana"])
    dashboard = client.get("/es/dashboard/").content.decode()
    assert "Nadie lo confirmó como vigente en un año." in dashboard
    response = client.post("/es/dashboard/listings/cocina/restore/")
    assert response.status_code == 302
    client.logout()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED and listing.freshness == "fresh"
    assert all(shown(client))
    assert tile_count(client) == before
    assert AuditEvent.objects.filter(action=AuditAction.LISTING_RESTORED).count() == 1


def test_the_archive_e_mail_link_brings_it_back_without_signing_in(client, cocina):
    listing = age(cocina["listing"], 400)
    run()
    note = next(m for m in mail.outbox if m.to == ["ana.lead@cocina.example"])
    link = next(line for line in note.body.splitlines() if "/still-current/" in line).strip()
    assert client.post(path_of(link)).status_code == 200
    listing.refresh_from_db()
    assert listing.is_public


def test_only_leads_and_editors_restore(client, cocina, people):
    listing = age(cocina["listing"], 400)
    run()
    client.force_login(people["stranger"])
    assert client.post("/es/dashboard/listings/cocina/restore/").status_code == 404
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ARCHIVED


def test_a_listing_archived_through_the_api_is_restored_as_it_was(client, cocina):
    from directory import services

    listing = cocina["listing"]
    services.listing_archive(listing=listing, by=cocina["ana"])
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ARCHIVED and listing.archived_at is not None
    services.listing_restore(listing=listing, by=cocina["ana"])
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED and listing.archived_at is None
