"""The moderators' merge of duplicates on the pages: choosing the listing to keep, the diff
with a choice per field, the POST that merges (tiles and region statistics follow in the same
request cycle), the 301s of the duplicate's addresses, undo, and bad input."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection

from directory import merge, stats
from directory.choices import AuditAction, ListingStatus
from directory.models import AuditEvent, Listing, MergeRecord, Need
from tests.directory.test_merge import make_duplicates, rows_of
from tests.factories import ListingFactory, UserFactory, with_totp

pytestmark = pytest.mark.django_db

MERGE = "/en/moderation/listings/comedor-esperanza/merge/"


@pytest.fixture
def dup(people):
    found = make_duplicates(people)
    stats.refresh()
    return found


@pytest.fixture
def moderator(client, people):
    client.force_login(people["moderator"])
    return client


def region_listings(region) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n), 0) FROM directory_region_stats "
            "WHERE region_id = %s AND dimension = 'kind'",
            [region.pk],
        )
        return cursor.fetchone()[0]


def tile_points(*listings) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT listing_id FROM mapping_tile_point WHERE listing_id = ANY(%s)",
            [[listing.pk for listing in listings]],
        )
        return {row[0] for row in cursor.fetchall()}


def tile_cell_total() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n), 0) FROM mapping_tile_cell WHERE zoom = 3 AND facet = ''"
        )
        return cursor.fetchone()[0]


def form_of(body: str) -> dict:
    """The values the diff form would send as it is (hidden fields, radios checked)."""
    data = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', body))
    for name, value in re.findall(r'type="radio" name="([^"]+)" value="([^"]+)"[^>]*checked', body):
        data[name] = value
    return data


def confirm(client, into="comedor-la-esperanza", **choices):
    page = client.get(MERGE, {"into": into})
    assert page.status_code == 200, page.content
    data = form_of(page.content.decode())
    data.update({f"choose_{name}": side for name, side in choices.items()})
    return client.post(MERGE, data)


def test_the_merge_page_offers_the_similar_listings(moderator, dup, django_assert_max_num_queries):
    # One of them is the moderator's authenticator (moderation needs a second factor).
    with django_assert_max_num_queries(9):
        body = moderator.get(MERGE).content.decode()
    assert "Merge “Comedor Popular Esperanza” into another listing" in body
    assert "?into=comedor-la-esperanza" in body


def test_the_listing_to_keep_can_be_searched_by_name(moderator, dup):
    ListingFactory(slug="huerto", name="Huerto Comunitario El Sol")
    body = moderator.get(MERGE, {"q": "huerto comunitario"}).content.decode()
    assert "?into=huerto" in body and "?into=comedor-la-esperanza" not in body
    assert moderator.get(MERGE, {"q": "\x00" + "x" * 5000}).status_code == 200


def test_the_diff_shows_each_differing_field_with_the_listing_kept_chosen(
    moderator, dup, django_assert_max_num_queries
):
    with django_assert_max_num_queries(11):  # with the moderator's authenticator
        response = moderator.get(MERGE, {"into": "comedor-la-esperanza"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Comidas calientes de lunes a viernes." in body
    assert "Comida caliente y despensa los sábados." in body
    data = form_of(body)
    assert data["into"] == "comedor-la-esperanza" and data["stamp"]
    assert data["choose_summary_es"] == "target" and data["choose_contacts"] == "target"
    assert "choose_kind" not in data  # the same in both


def test_confirming_merges_and_every_public_surface_follows_in_the_same_request(
    moderator, dup, django_capture_on_commit_callbacks
):
    a, b, region = dup["a"], dup["b"], dup["region"]
    stats.refresh()
    assert region_listings(region) == 2
    assert tile_points(a, b) == {a.pk, b.pk}
    cells = tile_cell_total()
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(moderator, summary_es="source")
    assert response.status_code == 302
    assert response["Location"] == "/en/listings/comedor-la-esperanza/"
    # Right after the POST: the tiles' stored points and cells and the region's counts.
    assert tile_points(a, b) == {a.pk}
    assert tile_cell_total() == cells - 1
    assert region_listings(region) == 1
    a.refresh_from_db()
    assert a.summary_es == "Comida caliente y despensa los sábados."
    assert AuditEvent.objects.filter(action=AuditAction.MERGE).count() == 1
    assert AuditEvent.objects.count() == 1
    landing = moderator.get(response["Location"]).content.decode()
    assert "is merged into “Comedor Popular La Esperanza”" in landing


@pytest.mark.parametrize(
    "path",
    [
        "/en/listings/?q=Esperanza",
        "/api/v1/listings/?q=Esperanza",
        "/api/v1/listings/export.csv",
        "/api/v1/listings/export.geojson",
        "/en/needs/",
        "/en/needs/feed/",
        "/ogc/collections/listings/items?f=json",
    ],
)
def test_the_duplicate_leaves_lists_search_exports_and_feeds(client, dup, people, path):
    before = client.get(path)
    assert before.status_code == 200
    assert b"comedor-esperanza" in before.content or b"Comedor Popular Esperanza" in before.content
    merge.listing_merge(target=dup["a"], source=dup["b"], choices={}, moderator=people["moderator"])
    after = client.get(path)
    assert after.status_code == 200
    assert b"Comedor Popular Esperanza" not in after.content
    assert not re.search(rb"comedor-esperanza[^-]", after.content)
    if "needs" in path:  # the duplicate's need is now the kept listing's
        assert b"Voluntarias para servir" in after.content


def test_the_duplicates_addresses_answer_301_to_the_kept_listing(client, dup, people):
    merge.listing_merge(target=dup["a"], source=dup["b"], choices={}, moderator=people["moderator"])
    page = client.get("/es/listings/comedor-esperanza/")
    assert page.status_code == 301
    assert page["Location"] == "/es/listings/comedor-la-esperanza/"
    assert client.get("/pt/listings/comedor-esperanza/?text=1")["Location"] == (
        "/pt/listings/comedor-la-esperanza/?text=1"
    )
    api = client.get("/api/v1/listings/comedor-esperanza/", {"format": "geojson"})
    assert api.status_code == 301
    assert api["Location"] == "/api/v1/listings/comedor-la-esperanza/?format=geojson"
    followed = client.get(api["Location"])
    assert followed.status_code == 200 and followed.json()["type"] == "Feature"
    assert client.get("/api/v1/listings/comedor-esperanza/")["Location"] == (
        "/api/v1/listings/comedor-la-esperanza/"
    )
    # Writes to the duplicate find nothing there.
    client.force_login(people["moderator"])
    response = client.patch(
        "/api/v1/listings/comedor-esperanza/", {"name": "X"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_the_duplicates_relay_pages_lead_to_the_kept_listings(client, dup, people):
    """Old links to write to the duplicate or to ask to join it (shared, printed, in feeds)
    reach the listing kept, where its needs moved."""
    need = dup["needs"][0]
    merge.listing_merge(target=dup["a"], source=dup["b"], choices={}, moderator=people["moderator"])
    contact = client.get(f"/es/listings/comedor-esperanza/contact/?need={need.pk}")
    assert contact.status_code == 301
    assert contact["Location"] == f"/es/listings/comedor-la-esperanza/contact/?need={need.pk}"
    assert client.get(contact["Location"]).status_code == 200
    client.force_login(UserFactory(username="vecina"))
    join = client.get("/es/listings/comedor-esperanza/join/")
    assert join.status_code == 301
    assert join["Location"] == "/es/listings/comedor-la-esperanza/join/"
    # Nothing is sent to a merged listing, and an unknown one is still a 404.
    assert client.post("/es/listings/comedor-esperanza/contact/", {}).status_code == 404
    assert client.get("/es/listings/no-such-listing/contact/").status_code == 404


def test_a_merged_listing_kept_out_of_sight_does_not_lead_anywhere(client, dup, people):
    merge.listing_merge(target=dup["a"], source=dup["b"], choices={}, moderator=people["moderator"])
    Listing.objects.filter(pk=dup["a"].pk).update(emergency_hidden_at="2026-01-01T00:00Z")
    assert client.get("/en/listings/comedor-esperanza/").status_code == 404
    assert client.get("/api/v1/listings/comedor-esperanza/").status_code == 404


@pytest.mark.parametrize(("who", "status"), [("stranger", 403), ("lead", 403), ("editor", 403)])
def test_only_moderators_reach_the_merge(client, dup, people, who, status):
    client.force_login(people[who])
    assert client.get(MERGE).status_code == status
    assert client.get(MERGE, {"into": "comedor-la-esperanza"}).status_code == status
    response = client.post(MERGE, {"into": "comedor-la-esperanza", "stamp": "x"})
    assert response.status_code == status
    record = merge.listing_merge(
        target=dup["a"], source=dup["b"], choices={}, moderator=people["moderator"]
    )
    assert client.post(f"/en/moderation/merges/{record.pk}/undo/").status_code == status
    assert client.get(f"/en/moderation/merges/{record.pk}/").status_code == status
    dup["b"].refresh_from_db()
    assert dup["b"].status == ListingStatus.MERGED
    assert AuditEvent.objects.count() == 1


def test_anonymous_people_are_sent_to_sign_in(client, dup):
    response = client.post(MERGE, {"into": "comedor-la-esperanza"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not MergeRecord.objects.exists()


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("no-such-listing", "No listing has this address."),
        ("comedor-esperanza", "cannot be merged into itself"),
        ("not a slug!", "only letters, digits and hyphens"),
        ("", "Give the address of the listing to keep."),
    ],
)
def test_a_bad_listing_to_keep_is_a_400_naming_the_field(moderator, dup, into, message):
    for response in (moderator.get(MERGE, {"into": into}), moderator.post(MERGE, {"into": into})):
        assert response.status_code == 400
        body = response.content.decode()
        assert message in body
        assert 'href="#id_into"' in body
    assert not MergeRecord.objects.exists()


def test_merging_into_a_hidden_or_merged_listing_is_a_400(moderator, dup, people):
    ListingFactory(slug="escondida", emergency_hidden_at="2026-01-01T00:00Z")
    response = moderator.get(MERGE, {"into": "escondida"})
    assert response.status_code == 400 and b"is hidden, archived" in response.content
    other = ListingFactory(slug="otra", name="Comedor Otra Esperanza")
    merge.listing_merge(target=other, source=dup["a"], choices={}, moderator=people["moderator"])
    response = moderator.get(MERGE, {"into": "comedor-la-esperanza"})
    assert response.status_code == 400 and b"is itself merged into another" in response.content


def test_a_bad_choice_is_a_400_naming_the_field(moderator, dup):
    page = moderator.get(MERGE, {"into": "comedor-la-esperanza"})
    data = form_of(page.content.decode())
    data["choose_summary_es"] = "both"
    response = moderator.post(MERGE, data)
    assert response.status_code == 400
    assert 'href="#id_choose_summary_es"' in response.content.decode()
    assert not MergeRecord.objects.exists()


def test_a_form_without_its_version_is_a_400_naming_it(moderator, dup):
    response = moderator.post(MERGE, {"into": "comedor-la-esperanza"})
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert "The page's version: Open the comparison again" in body
    assert not MergeRecord.objects.exists()


def test_a_stale_form_is_a_409_showing_the_listings_as_they_are_now(moderator, dup):
    page = moderator.get(MERGE, {"into": "comedor-la-esperanza"})
    data = form_of(page.content.decode())
    Listing.objects.filter(pk=dup["a"].pk).update(summary_es="Ahora también cenas.")
    response = moderator.post(MERGE, data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed since this page was opened" in body and "Ahora también cenas." in body
    assert not MergeRecord.objects.exists()
    # Merging twice (two tabs) is refused too.
    fresh = form_of(body)
    assert moderator.post(MERGE, fresh).status_code == 302
    assert moderator.post(MERGE, fresh).status_code == 409
    assert MergeRecord.objects.count() == 1


def test_undo_from_the_audit_entry_restores_and_is_refused_after_30_days(
    moderator, dup, django_capture_on_commit_callbacks
):
    a, b, region = dup["a"], dup["b"], dup["region"]
    before_a, before_b = rows_of(a), rows_of(b)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(moderator, summary_es="source", contacts="source")
    record = MergeRecord.objects.get()
    queue = moderator.get("/en/moderation/").content.decode()
    assert f'href="/en/moderation/merges/{record.pk}/">See or undo' in queue
    kept = moderator.get("/en/moderation/listings/comedor-la-esperanza/merge/").content.decode()
    assert f'action="/en/moderation/merges/{record.pk}/undo/"' in kept
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.post(f"/en/moderation/merges/{record.pk}/undo/")
    assert response.status_code == 302
    assert response["Location"] == "/en/listings/comedor-esperanza/"
    assert rows_of(a) == before_a and rows_of(b) == before_b
    assert Need.objects.filter(listing=b).count() == 2
    assert tile_points(a, b) == {a.pk, b.pk}
    assert region_listings(region) == 2
    a.refresh_from_db()
    assert a.summary_es == "Comidas calientes de lunes a viernes."
    assert moderator.get("/en/listings/comedor-esperanza/").status_code == 200
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "merge",
        "merge_undo",
    ]
    # Again: already undone, a clear 409.
    again = moderator.post(f"/en/moderation/merges/{record.pk}/undo/")
    assert again.status_code == 409 and b"already been undone" in again.content

    second = merge.listing_merge(target=a, source=b, choices={}, moderator=record.moderator)
    MergeRecord.objects.filter(pk=second.pk).update(merged_at=second.merged_at - timedelta(days=31))
    late = moderator.post(f"/en/moderation/merges/{second.pk}/undo/")
    assert late.status_code == 409
    assert b"A merge can be undone for 30 days only" in late.content
    b.refresh_from_db()
    assert b.status == ListingStatus.MERGED


def test_the_queue_links_pending_listings_and_reports_to_the_merge(moderator, dup):
    ListingFactory(slug="nueva", name="Comedor Nuevo", status=ListingStatus.PENDING)
    body = moderator.get("/en/moderation/").content.decode()
    assert 'href="/en/moderation/listings/nueva/merge/"' in body
    assert 'href="/en/moderation/listings/comedor-esperanza/merge/"' in body  # its report
    listing = moderator.get("/en/listings/comedor-esperanza/").content.decode()
    assert 'href="/en/moderation/listings/comedor-esperanza/merge/"' in listing


def test_the_merge_page_of_a_merged_listing_says_where_it_went(moderator, dup, people):
    merge.listing_merge(target=dup["a"], source=dup["b"], choices={}, moderator=people["moderator"])
    body = moderator.get(MERGE).content.decode()
    assert "This listing was merged into “Comedor Popular La Esperanza”" in body
    assert "Undo the merge" in body


def test_the_admin_shows_merges_read_only(client, dup, people):
    record = merge.listing_merge(
        target=dup["a"], source=dup["b"], choices={}, moderator=people["moderator"]
    )
    client.force_login(with_totp(UserFactory(username="root", is_staff=True, is_superuser=True)))
    listing = client.get("/admin/directory/mergerecord/")
    assert listing.status_code == 200 and b"Comedor Popular Esperanza" in listing.content
    assert client.get(f"/admin/directory/mergerecord/{record.pk}/change/").status_code == 200
    assert client.get("/admin/directory/mergerecord/add/").status_code == 403


def test_the_merge_post_costs_a_bounded_number_of_queries(
    moderator, dup, django_assert_max_num_queries
):
    """Constant but for one update and one history row per need moved (two here)."""
    page = moderator.get(MERGE, {"into": "comedor-la-esperanza"})
    data = form_of(page.content.decode())
    with django_assert_max_num_queries(60):
        assert moderator.post(MERGE, data).status_code == 302


def test_names_are_escaped_on_the_merge_pages(moderator, dup, people):
    hostile = '<script>alert("x")</script> Comedor Popular Esperanza'
    Listing.objects.filter(pk=dup["a"].pk).update(name=hostile)
    for params in ({}, {"into": "comedor-la-esperanza"}):
        body = moderator.get(MERGE, params).content.decode()
        assert "<script>alert" not in body and "&lt;script&gt;alert" in body
    record = merge.listing_merge(
        target=Listing.objects.get(pk=dup["a"].pk),
        source=dup["b"],
        choices={},
        moderator=people["moderator"],
    )
    for path in (f"/en/moderation/merges/{record.pk}/", "/en/moderation/", MERGE):
        body = moderator.get(path).content.decode()
        assert "<script>alert" not in body, path
