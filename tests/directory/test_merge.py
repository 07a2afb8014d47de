"""Merging duplicate listings (DESIGN.md §9) and undoing it: every row that hangs on the
duplicate moves to the listing kept and back, the fields chosen are honoured, history and
the audit log record it, bad input is refused naming the field."""

import datetime
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from directory import merge
from directory.choices import AuditAction, ListingStatus, ReportReason
from directory.models import (
    AuditEvent,
    Contact,
    Listing,
    ListingMembership,
    ListingSource,
    LocationAccessGrant,
    MergeRecord,
    Need,
    OpeningPeriod,
    Report,
)
from relay.models import JoinRequest, Offer
from tests.factories import (
    CategoryFactory,
    ContactFactory,
    ListingFactory,
    MembershipFactory,
    NeedFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

#: What each table holds of a listing, as (table, ids) pairs to compare before and after.
RELATED = {
    "needs": Need,
    "offers": Offer,
    "reports": Report,
    "sources": ListingSource,
    "contacts": Contact,
    "opening_periods": OpeningPeriod,
}


def make_duplicates(people) -> dict:
    """An original listing ("A") and a near-duplicate ("B") with a row in every table that
    hangs on a listing; B's lead also keeps A (as an editor), the organizer has access to
    both exact locations."""
    food = CategoryFactory(slug="food")
    kitchens = CategoryFactory(slug="community-kitchens", parent=food)
    region = RegionFactory(slug="cdmx")
    original = ListingFactory(
        slug="comedor-la-esperanza",
        name="Comedor Popular La Esperanza",
        summary_es="Comidas calientes de lunes a viernes.",
        location=Point(-99.13321, 19.43261, srid=4326),
        street_address="Calle Luna 10",
    )
    duplicate = ListingFactory(
        slug="comedor-esperanza",
        name="Comedor Popular Esperanza",
        summary_es="Comida caliente y despensa los sábados.",
        location=Point(-99.1001, 19.4501, srid=4326),
        street_address="Calle Luna 12",
        access=["free", "walk_in"],
    )
    original.categories.add(food)
    duplicate.categories.add(kitchens)
    for listing in (original, duplicate):
        listing.regions.add(region)
    a_contact = ContactFactory(listing=original, value="esperanza@example.org")
    b_contact = ContactFactory(listing=duplicate, value="comedor@example.org")
    a_hours = OpeningPeriod.objects.create(
        listing=original, weekday=1, opens=datetime.time(9), closes=datetime.time(14)
    )
    b_hours = OpeningPeriod.objects.create(
        listing=duplicate, weekday=6, opens=datetime.time(10), closes=datetime.time(13)
    )
    need = NeedFactory(listing=duplicate, title_es="Voluntarias para servir")
    closed_need = NeedFactory(listing=duplicate, title_es="Ollas grandes", status="fulfilled")
    offer = Offer.objects.create(
        listing=duplicate, need=need, language="es", sender_name="Ana", message="Puedo."
    )
    report = Report.objects.create(listing=duplicate, reason=ReportReason.DUPLICATE)
    source = ListingSource.objects.create(
        listing=duplicate, source="kvm", source_id="42", content_hash="0"
    )
    MembershipFactory(listing=original, user=people["editor"], role="lead")
    MembershipFactory(listing=original, user=people["lead"], role="editor")
    b_lead = MembershipFactory(listing=duplicate, user=people["lead"], role="lead")
    b_editor = MembershipFactory(listing=duplicate, user=people["stranger"], role="editor")
    LocationAccessGrant.objects.create(
        listing=original, user=people["organizer"], granted_by=people["moderator"]
    )
    b_grant = LocationAccessGrant.objects.create(
        listing=duplicate, user=people["organizer"], granted_by=people["moderator"]
    )
    return {
        "a": original,
        "b": duplicate,
        "food": food,
        "kitchens": kitchens,
        "region": region,
        "a_contact": a_contact,
        "b_contact": b_contact,
        "a_hours": a_hours,
        "b_hours": b_hours,
        "needs": [need, closed_need],
        "offer": offer,
        "report": report,
        "source": source,
        "b_lead": b_lead,
        "b_editor": b_editor,
        "b_grant": b_grant,
    }


def rows_of(listing) -> dict[str, set[int]]:
    """The ids of each table's rows on a listing, and its people and categories."""
    rows = {
        name: set(model.objects.filter(listing=listing).values_list("pk", flat=True))
        for name, model in RELATED.items()
    }
    rows["memberships"] = set(
        ListingMembership.objects.filter(listing=listing).values_list("user_id", "role")
    )
    rows["grants"] = set(
        LocationAccessGrant.objects.filter(listing=listing).values_list("user_id", flat=True)
    )
    rows["categories"] = set(listing.categories.values_list("slug", flat=True))
    return rows


@pytest.fixture
def dup(people):
    return make_duplicates(people)


def do_merge(dup, people, **choices):
    return merge.listing_merge(
        target=dup["a"], source=dup["b"], choices=choices, moderator=people["moderator"]
    )


def test_every_foreign_key_to_a_listing_is_handled_by_the_merge():
    """A new table hanging on listings must be added to directory/merge.py (and here)."""
    handled = {
        "contacts",
        "opening_periods",
        "memberships",
        "location_access_grants",
        "needs",
        "reports",
        "sources",
        "offers",
        "join_requests",
        "merges_in",
        "merges_out",
        "merged_listings",
        # Plain ids, kept on the duplicate: the audit log and the history.
        "+",
    }
    names = {
        relation.related_name or relation.name
        for relation in Listing._meta.related_objects
        if not relation.related_model.__name__.startswith("Historical")
    }
    assert names - handled == set(), names - handled


def test_a_merge_moves_every_row_to_the_listing_kept(dup, people):
    a, b = dup["a"], dup["b"]
    before_a, before_b = rows_of(a), rows_of(b)
    record = do_merge(dup, people)
    after_a, after_b = rows_of(a), rows_of(b)
    for name in ("needs", "offers", "reports", "sources"):
        assert after_a[name] == before_a[name] | before_b[name], name
        assert after_b[name] == set(), name
    assert before_b["needs"] == {need.pk for need in dup["needs"]}
    # Contacts and hours stay where they were unless chosen from the duplicate.
    assert after_a["contacts"] == before_a["contacts"]
    assert after_a["opening_periods"] == before_a["opening_periods"]
    assert after_b["contacts"] == before_b["contacts"]
    # No duplicate membership: the lead of B already edits A and keeps A's role.
    editor, lead, stranger = people["editor"].pk, people["lead"].pk, people["stranger"].pk
    assert after_a["memberships"] == {(editor, "lead"), (lead, "editor"), (stranger, "editor")}
    assert after_b["memberships"] == set()
    assert after_a["grants"] == {people["organizer"].pk} and after_b["grants"] == set()
    assert after_a["categories"] == {"food", "community-kitchens"}
    assert after_b["categories"] == {"community-kitchens"}  # B keeps its own
    b.refresh_from_db()
    assert b.status == ListingStatus.MERGED and b.merged_into == a and b.merged_at
    assert record.moved["memberships"]["removed"][0]["user"] == lead
    assert not Listing.objects.public().filter(pk=b.pk).exists()


def test_requests_to_join_move_to_the_listing_kept_and_back_on_undo(dup, people):
    a, b = dup["a"], dup["b"]
    asker = UserFactory(username="asker")
    moves = JoinRequest.objects.create(
        listing=b, requester=asker, message="Cocino ahí.", language="es"
    )
    # Someone asking to join both: A's request stands, B's stays on B.
    both = UserFactory(username="both")
    on_a = JoinRequest.objects.create(listing=a, requester=both, message="Yo.", language="es")
    stays = JoinRequest.objects.create(listing=b, requester=both, message="Yo.", language="es")
    record = do_merge(dup, people)
    assert JoinRequest.objects.get(pk=moves.pk).listing_id == a.pk
    assert JoinRequest.objects.get(pk=stays.pk).listing_id == b.pk
    assert JoinRequest.objects.get(pk=on_a.pk).listing_id == a.pk
    assert record.moved["join_requests"] == [moves.pk]
    merge.merge_undo(record=record, moderator=people["moderator"])
    assert JoinRequest.objects.get(pk=moves.pk).listing_id == b.pk
    assert JoinRequest.objects.get(pk=stays.pk).listing_id == b.pk


def test_the_fields_chosen_from_the_duplicate_are_taken_and_the_others_kept(dup, people):
    a, b = dup["a"], dup["b"]
    do_merge(
        dup,
        people,
        summary_es="source",
        access="source",
        street_address="target",
        contacts="source",
        opening_hours="source",
    )
    a.refresh_from_db()
    assert a.summary_es == "Comida caliente y despensa los sábados."
    assert a.access == ["free", "walk_in"]
    assert a.street_address == "Calle Luna 10"
    assert a.name == "Comedor Popular La Esperanza"
    assert list(a.contacts.values_list("pk", flat=True)) == [dup["b_contact"].pk]
    assert list(a.opening_periods.values_list("pk", flat=True)) == [dup["b_hours"].pk]
    # A's contacts and hours wait on the duplicate, to come back on undo.
    assert list(b.contacts.values_list("pk", flat=True)) == [dup["a_contact"].pk]


def test_taking_the_location_recomputes_the_regions_and_time_zone(dup, people):
    a, b = dup["a"], dup["b"]
    do_merge(dup, people, location="source")
    a.refresh_from_db()
    assert a.location.coords == pytest.approx(b.location.coords)
    assert a.timezone == "America/Mexico_City"
    assert list(a.regions.values_list("slug", flat=True)) == ["cdmx"]


def test_history_is_kept_on_both_and_records_the_merge(dup, people):
    a, b = dup["a"], dup["b"]
    b_versions = b.history.count()
    do_merge(dup, people, summary_es="source")
    assert b.history.count() == b_versions + 1
    latest_b = b.history.latest()
    assert latest_b.status == ListingStatus.MERGED
    assert latest_b.history_change_reason == "merged into comedor-la-esperanza"
    assert latest_b.history_user == people["moderator"]
    latest_a = a.history.filter(history_change_reason__startswith="merged ").latest()
    assert latest_a.summary_es == "Comida caliente y despensa los sábados."
    assert latest_a.history_change_reason == "merged comedor-esperanza into this listing"
    assert a.history.filter(summary_es="Comidas calientes de lunes a viernes.").exists()
    need = dup["needs"][0]
    assert need.history.latest().listing_id == a.pk
    assert need.history.earliest().listing_id == b.pk


def test_a_merge_writes_exactly_one_audit_event(dup, people):
    record = do_merge(dup, people, name="source")
    event = AuditEvent.objects.get()
    assert event.action == AuditAction.MERGE == "merge"
    assert event.listing_id == dup["a"].pk and event.actor == people["moderator"]
    assert event.data["merge"] == record.pk and event.data["source_slug"] == "comedor-esperanza"
    assert event.data["from_source"] == ["name"]


def test_undo_puts_back_every_row_and_field(dup, people):
    a, b = dup["a"], dup["b"]
    before_a, before_b = rows_of(a), rows_of(b)
    a_fields = Listing.objects.filter(pk=a.pk).values("summary_es", "location", "timezone").get()
    b_fields = Listing.objects.filter(pk=b.pk).values("status", "summary_es").get()
    record = do_merge(
        dup,
        people,
        summary_es="source",
        location="source",
        contacts="source",
        opening_hours="source",
    )
    merge.merge_undo(record=record, moderator=people["moderator"])
    assert rows_of(a) == before_a
    assert rows_of(b) == before_b
    assert Listing.objects.filter(pk=a.pk).values("summary_es", "location", "timezone").get() == (
        a_fields
    )
    assert Listing.objects.filter(pk=b.pk).values("status", "summary_es").get() == b_fields
    b.refresh_from_db()
    assert b.merged_into is None and b.merged_at is None and b.is_public
    # The lead's membership of B came back with its role and date.
    restored = ListingMembership.objects.get(listing=b, user=people["lead"])
    assert restored.role == "lead" and restored.created_at == dup["b_lead"].created_at
    grant = LocationAccessGrant.objects.get(listing=b)
    assert grant.granted_by == people["moderator"]
    record.refresh_from_db()
    assert record.undone_at and record.undone_by == people["moderator"]
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.MERGE, AuditAction.MERGE_UNDO]
    assert b.history.latest().history_change_reason == "merge of comedor-esperanza undone"
    with pytest.raises(ValidationError) as error:
        merge.merge_undo(record=record, moderator=people["moderator"])
    assert "merge" in error.value.message_dict


def test_undo_is_refused_after_30_days(dup, people):
    record = do_merge(dup, people)
    later = record.merged_at + timedelta(days=merge.MERGE_UNDO_DAYS, minutes=1)
    with pytest.raises(ValidationError) as error:
        merge.merge_undo(record=record, moderator=people["moderator"], now=later)
    assert "30 days" in error.value.message_dict["merge"][0]
    dup["b"].refresh_from_db()
    assert dup["b"].status == ListingStatus.MERGED
    assert AuditEvent.objects.count() == 1
    # Still possible a day before the limit.
    merge.merge_undo(record=record, moderator=people["moderator"], now=later - timedelta(days=1))


@pytest.mark.parametrize("who", ["anonymous", "stranger", "lead", "editor", "organizer"])
def test_only_moderators_merge_and_undo(dup, people, who):
    user = people[who]
    with pytest.raises(PermissionDenied):
        merge.listing_merge(target=dup["a"], source=dup["b"], choices={}, moderator=user)
    record = do_merge(dup, people)
    with pytest.raises(PermissionDenied):
        merge.merge_undo(record=record, moderator=user)
    assert AuditEvent.objects.count() == 1


def test_bad_merges_are_refused_naming_the_field(dup, people):
    a, b, moderator = dup["a"], dup["b"], people["moderator"]

    def refused(target, source, choices=None, **kwargs):
        with pytest.raises(ValidationError) as error:
            merge.listing_merge(
                target=target,
                source=source,
                choices=choices or {},
                moderator=moderator,
                **kwargs,
            )
        return error.value.message_dict

    assert "into" in refused(a, a)
    assert "summary_es" in refused(a, b, {"summary_es": "both"})
    assert "owner" in refused(a, b, {"owner": "source"})
    assert "stamp" in refused(a, b, stamp="not-the-stamp")
    hidden = ListingFactory(emergency_hidden_at=timezone.now())
    assert "into" in refused(hidden, b)
    archived = ListingFactory(status=ListingStatus.ARCHIVED)
    assert "into" in refused(archived, b)
    do_merge(dup, people)
    assert "into" in refused(b, ListingFactory())  # into a merged listing
    assert "source" in refused(ListingFactory(), b)  # already merged
    assert MergeRecord.objects.count() == 1 and AuditEvent.objects.count() == 1


def test_an_impossible_combination_is_refused_naming_the_field(dup, people):
    hidden_place = ListingFactory(location=None, location_precision="hidden", name="Sin lugar")
    with pytest.raises(ValidationError) as error:
        merge.listing_merge(
            target=hidden_place,
            source=dup["b"],
            choices={"location_precision": "source"},
            moderator=people["moderator"],
        )
    assert error.value.message_dict.keys() & {"location", "location_precision", "__all__"}
    assert dup["b"].needs.count() == 2  # nothing written


def test_the_stamp_of_a_form_goes_stale_when_either_listing_changes(dup, people):
    _diffs, stamp = merge.merge_diff(dup["a"], dup["b"])
    Listing.objects.filter(pk=dup["b"].pk).update(summary_es="Otra cosa")
    b = Listing.objects.get(pk=dup["b"].pk)
    with pytest.raises(ValidationError) as error:
        merge.listing_merge(
            target=dup["a"], source=b, choices={}, moderator=people["moderator"], stamp=stamp
        )
    assert "stamp" in error.value.message_dict
    _diffs, fresh = merge.merge_diff(dup["a"], b)
    merge.listing_merge(
        target=dup["a"], source=b, choices={}, moderator=people["moderator"], stamp=fresh
    )


def test_the_diff_lists_the_fields_that_differ(dup):
    diffs, _stamp = merge.merge_diff(dup["a"], dup["b"])
    names = [diff.name for diff in diffs]
    assert names[:2] == ["name", "summary_es"]
    assert {"location", "street_address", "access", "contacts", "opening_hours"} <= set(names)
    assert "kind" not in names and "country" not in names
    contacts = next(diff for diff in diffs if diff.name == "contacts")
    assert "comedor@example.org" in contacts.source


def test_candidates_are_the_listings_with_a_similar_name(dup):
    ListingFactory(name="Taller de Bicicletas")
    names = [listing.name for listing in merge.merge_candidates(dup["b"])]
    assert names == ["Comedor Popular La Esperanza"]


def test_values_with_choices_are_shown_by_their_labels():
    """The merge's diff (and the moderation diff) reads "Neighbourhood (about 1 km)", not
    "area", and an access fact by its name."""
    from directory.choices import AccessFact, LocationPrecision
    from directory.moderation import _shown

    listing = ListingFactory.build(location_precision=LocationPrecision.AREA, access=["free"])
    with translation.override("es"):
        assert _shown(listing, "location_precision") == str(LocationPrecision.AREA.label)
        assert _shown(listing, "access") == str(AccessFact.FREE.label)
        assert _shown(listing, "location_precision") != "area"
