"""The moderation queue: who may see it, what it shows, and that every decision is written to
the audit log and reaches the lead."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from directory import moderation, services
from directory.choices import AuditAction, ListingStatus, ReportStatus
from directory.models import AuditEvent, Listing, Report
from tests.factories import ListingFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(people):
    listing = services.listing_submit(
        by=people["lead"],
        data={
            "kind": "cooperative",
            "name": "Panadería La Espiga",
            "original_language": "es",
            "summary": {"es": "Pan de masa madre."},
            "location": None,
            "location_precision": "hidden",
            "address": {"locality": "Oaxaca", "country": "MX"},
        },
    )
    MembershipFactory(listing=listing, user=people["editor"], role="editor")
    return listing


def as_(client, people, who):
    if people[who] is not None:
        client.force_login(people[who])
    return client


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("stranger", 403), ("lead", 403), ("editor", 403), ("moderator", 200)],
)
def test_only_moderators_see_the_queue(client, people, pending, who, status):
    response = as_(client, people, who).get("/en/moderation/")
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"] == "/en/accounts/login/?next=/en/moderation/"


@pytest.mark.parametrize("who", ["anonymous", "stranger", "lead", "editor"])
def test_only_moderators_decide(client, people, pending, who):
    as_(client, people, who)
    assert client.post(f"/en/moderation/listings/{pending.slug}/approve/").status_code in (302, 403)
    client.post(f"/en/moderation/listings/{pending.slug}/reject/", {"reject-1-reason": "no"})
    pending.refresh_from_db()
    assert pending.status == ListingStatus.PENDING
    assert not AuditEvent.objects.exists()


def test_the_queue_lists_new_listings_oldest_first_with_their_fields(client, people, pending):
    newer = ListingFactory(name="Huerto Vecinal", status=ListingStatus.PENDING)
    Listing.objects.filter(pk=pending.pk).update(updated_at=newer.updated_at.replace(year=2020))
    ListingFactory(name="Ya publicada")
    body = as_(client, people, "moderator").get("/en/moderation/").content.decode()
    assert body.index("Panadería La Espiga") < body.index("Huerto Vecinal")
    assert "Ya publicada" not in body
    assert "New listing" in body and "Pan de masa madre." in body


def test_an_edit_after_rejection_shows_what_changed(client, people, pending):
    moderation.listing_reject(
        listing=pending, moderator=people["moderator"], reason="Sin dirección"
    )
    pending.refresh_from_db()
    services.listing_update(
        listing=pending,
        by=people["lead"],
        data={"name": "Panadería La Espiga de Oro", "address": {"street": "Calle Alcalá 3"}},
    )
    moderation.listing_resubmit(listing=pending, by=people["lead"])
    body = as_(client, people, "moderator").get("/en/moderation/").content.decode()
    assert "Changed since the moderators" in body
    diff = body[body.index('class="diff"') :]
    assert "<del>Panadería La Espiga</del>" in diff
    assert "<ins>Panadería La Espiga de Oro</ins>" in diff
    assert "<ins>Calle Alcalá 3</ins>" in diff
    assert "New listing" not in body


def test_the_diff_of_a_published_listing_shows_only_public_points(client, people, pending):
    from django.contrib.gis.geos import Point

    moderation.listing_approve(listing=pending, moderator=people["moderator"])
    pending.refresh_from_db()
    services.listing_update(
        listing=pending,
        by=people["lead"],
        data={"location": Point(-96.72654, 17.06542, srid=4326), "location_precision": "area"},
    )
    Listing.objects.filter(pk=pending.pk).update(status=ListingStatus.PENDING)
    pending.refresh_from_db()
    pending._history_user = people["lead"]
    pending.save()
    body = as_(client, people, "moderator").get("/en/moderation/").content.decode()
    assert "17.0650, -96.7250" in body
    assert "17.06542" not in body and "-96.72654" not in body


def test_approving_publishes_and_is_audited(client, people, pending):
    response = as_(client, people, "moderator").post(
        f"/en/moderation/listings/{pending.slug}/approve/"
    )
    assert response.status_code == 302 and response["Location"] == "/en/moderation/"
    pending.refresh_from_db()
    assert pending.status == ListingStatus.PUBLISHED
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.listing_id) == (
        AuditAction.LISTING_APPROVED,
        people["moderator"],
        pending.pk,
    )


def test_rejecting_needs_a_reason_that_the_lead_then_reads(client, people, pending):
    as_(client, people, "moderator")
    response = client.post(
        f"/en/moderation/listings/{pending.slug}/reject/", {f"reject-{pending.pk}-reason": "  "}
    )
    assert response.status_code == 200
    body = response.content.decode()
    error_at = body.index(f'id="id_reject-{pending.pk}-reason-error"')
    assert "Say why, in a sentence the lead will read." in body[error_at : error_at + 300]
    assert body.index('id="errors"') < error_at
    pending.refresh_from_db()
    assert pending.status == ListingStatus.PENDING and not AuditEvent.objects.exists()

    client.post(
        f"/en/moderation/listings/{pending.slug}/reject/",
        {f"reject-{pending.pk}-reason": "Add the <b>street</b>, please."},
    )
    pending.refresh_from_db()
    assert pending.status == ListingStatus.REJECTED
    event = AuditEvent.objects.get()
    assert event.action == AuditAction.LISTING_REJECTED
    assert event.data == {"reason": "Add the <b>street</b>, please."}
    client.force_login(people["lead"])
    dashboard = client.get("/en/dashboard/").content.decode()
    assert "Add the &lt;b&gt;street&lt;/b&gt;, please." in dashboard


def test_approving_twice_is_refused_without_a_second_audit_event(people, pending):
    moderation.listing_approve(listing=pending, moderator=people["moderator"])
    with pytest.raises(ValidationError):
        moderation.listing_approve(listing=pending, moderator=people["moderator"])
    assert AuditEvent.objects.count() == 1


def test_the_services_refuse_people_who_are_not_moderators(people, pending):
    with pytest.raises(PermissionDenied):
        moderation.listing_approve(listing=pending, moderator=people["lead"])
    with pytest.raises(PermissionDenied):
        moderation.listing_reject(listing=pending, moderator=people["editor"], reason="x")


def reports_on(listing, n):
    return [
        services.report_create(report=Report(listing=listing, reason="closed")) for _ in range(n)
    ]


def test_open_reports_are_listed_oldest_first_and_resolving_one_is_audited(client, people):
    listing = ListingFactory(name="Comedor <script>x</script>")
    first, second = reports_on(listing, 2)
    as_(client, people, "moderator")
    body = client.get("/en/moderation/").content.decode()
    assert body.index(f'id="report-{first.pk}"') < body.index(f'id="report-{second.pk}"')
    assert "<script>x</script>" not in body
    response = client.post(
        f"/en/moderation/reports/{first.pk}/resolve/",
        {f"report-{first.pk}-status": "dismissed", f"report-{first.pk}-note": "Abre de nuevo."},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.resolved_by, first.resolution_note) == (
        ReportStatus.DISMISSED,
        people["moderator"],
        "Abre de nuevo.",
    )
    event = AuditEvent.objects.get(action=AuditAction.REPORT_RESOLVED)
    assert event.actor == people["moderator"] and event.data["report"] == first.pk


def test_resolving_reports_shows_a_listing_hidden_by_reports_again(people):
    listing = ListingFactory()
    reports = reports_on(listing, 3)
    listing.refresh_from_db()
    assert listing.hidden_by_reports
    moderation.report_resolve(report=reports[0], moderator=people["moderator"], note="ok")
    listing.refresh_from_db()
    assert not listing.hidden_by_reports
    assert AuditEvent.objects.get(action=AuditAction.REPORT_RESOLVED).data["shown_again"] is True


def test_a_bad_outcome_is_explained_and_writes_nothing(client, people):
    (report,) = reports_on(ListingFactory(), 1)
    response = as_(client, people, "moderator").post(
        f"/en/moderation/reports/{report.pk}/resolve/", {f"report-{report.pk}-status": "deleted"}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_RESOLVED).exists()


def test_the_queue_keeps_its_query_budget(client, people, django_assert_max_num_queries):
    as_(client, people, "moderator")

    def add(n):
        for _ in range(n):
            listing = ListingFactory(status=ListingStatus.PENDING)
            reports_on(ListingFactory(), 1)
            listing._history_user = people["lead"]
            listing.name += " (edited)"
            listing.save()

    add(2)
    # session, user, groups (3); pending + categories, contacts, hours (4); history, its
    # categories, category names (3); suspected duplicates of the whole page (1); reports
    # (1); requests to join sent to the moderators (1); audit log (1); the moderator's
    # authenticator (1); the submitters with their rejections and limits reached (1)
    with django_assert_max_num_queries(16):
        assert client.get("/en/moderation/").status_code == 200
    add(15)
    with django_assert_max_num_queries(16):
        body = client.get("/en/moderation/").content.decode()
    assert len(re.findall(r'class="review( review--duplicates)?"', body)) == 34


def test_decisions_need_csrf(people, pending):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["moderator"])
    assert strict.post(f"/en/moderation/listings/{pending.slug}/approve/").status_code == 403
    pending.refresh_from_db()
    assert pending.status == ListingStatus.PENDING
