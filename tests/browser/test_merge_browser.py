"""Duplicates (DESIGN.md §9): a moderator, with the pages in Spanish on a laptop, opens a
near-duplicate from the moderation queue, merges it into the original taking one field from
the duplicate, and lands on the original; the duplicate's old address leads there."""

import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point

from accounts.models import MODERATORS_GROUP
from directory.choices import ListingStatus
from directory.geo import SRID
from directory.models import AuditEvent, Listing
from tests.factories import ListingFactory, NeedFactory, UserFactory, with_totp

from .helpers import assert_accessible, no_horizontal_scroll, shoot, t

LANG = "es"
NEW_SUMMARY = "Comida caliente y despensa también los sábados."


@pytest.fixture
def duplicates(committed_db):
    moderator = UserFactory(username="moderadora")
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    with_totp(moderator)  # moderation needs a second factor
    original = ListingFactory(
        kind="mutual_aid",
        name="Comedor Popular La Esperanza",
        slug="comedor-la-esperanza",
        summary_es="Comidas calientes de lunes a viernes.",
        location=Point(-99.13321, 19.43261, srid=SRID),
        street_address="Calle Luna 10",
    )
    duplicate = ListingFactory(
        kind="mutual_aid",
        name="Comedor Popular Esperanza",
        slug="comedor-esperanza",
        status=ListingStatus.PENDING,
        summary_es=NEW_SUMMARY,
        location=Point(-99.13301, 19.43271, srid=SRID),
        street_address="Calle Luna 12",
    )
    NeedFactory(listing=duplicate, title_es="Voluntarias para servir")
    return original, duplicate, moderator


def test_a_moderator_merges_a_near_duplicate_into_the_original_in_spanish(open_as, duplicates):
    original, duplicate, moderator = duplicates
    site = open_as(moderator, "desktop")

    page = site.visit("/moderation/", LANG)
    item = page.locator(f"#review-{duplicate.slug}")
    shoot(page, "merge-queue-desktop-es")
    item.get_by_role(
        "link", name=re.compile(re.escape(t(LANG, "A duplicate? Merge into…")))
    ).click()
    page.wait_for_url(f"**/{LANG}/moderation/listings/{duplicate.slug}/merge/")
    assert_accessible(page)
    no_horizontal_scroll(page)
    shoot(page, "merge-pick-desktop-es")
    candidates = page.get_by_role("region", name=t(LANG, "Listings with a similar name"))
    candidates.get_by_role(
        "link", name=t(LANG, "Merge into “%(name)s”", name=original.name)
    ).click()
    page.wait_for_url(re.compile(r".*/merge/\?into=comedor-la-esperanza$"))

    # The diff: one fieldset per differing field, the original's value chosen.
    summary = page.locator("fieldset#id_choose_summary_es")
    assert "Comidas calientes de lunes a viernes." in summary.inner_text()
    assert NEW_SUMMARY in summary.inner_text()
    keep = summary.get_by_role("radio", name=re.compile(re.escape(t(LANG, "The listing to keep"))))
    assert keep.is_checked()
    assert page.locator("fieldset#id_choose_street_address").count() == 1
    assert_accessible(page)
    no_horizontal_scroll(page)
    phone = open_as(moderator, "phone")
    small = phone.visit(f"/moderation/listings/{duplicate.slug}/merge/?into={original.slug}", LANG)
    no_horizontal_scroll(small)
    shoot(small, "merge-diff-phone-es")
    summary.get_by_role("radio", name=re.compile(re.escape(t(LANG, "The duplicate")))).check()
    shoot(page, "merge-diff-desktop-es")
    page.get_by_role("button", name=t(LANG, "Merge into “%(name)s”", name=original.name)).click()

    # Lands on the original, which now has the duplicate's summary and need.
    page.wait_for_url(f"**/{LANG}/listings/{original.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == original.name
    notice = page.locator(".notices").inner_text()
    assert duplicate.name in notice and original.name in notice
    assert NEW_SUMMARY in page.locator(".listing__summary").inner_text()
    assert "Voluntarias para servir" in page.content()
    assert_accessible(page)
    shoot(page, "merge-landed-desktop-es")
    duplicate.refresh_from_db()
    assert duplicate.status == ListingStatus.MERGED and duplicate.merged_into_id == original.pk
    assert Listing.objects.get(pk=original.pk).street_address == "Calle Luna 10"
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["merge"]

    # The duplicate's old address leads to the original, for anyone.
    public = open_as(None, "phone")
    old = public.visit(f"/listings/{duplicate.slug}/", LANG)
    assert old.url.endswith(f"/{LANG}/listings/{original.slug}/")
    assert old.get_by_role("heading", level=1).inner_text() == original.name

    # The moderator finds the merge in the audit log, with its undo.
    page = site.visit("/moderation/", LANG)
    audit = page.get_by_role("region", name=t(LANG, "Recent decisions"))
    assert t(LANG, "Duplicate listings merged") in audit.inner_text()
    audit.get_by_role("link", name=t(LANG, "See or undo")).click()
    assert page.get_by_role("button", name=t(LANG, "Undo the merge")).is_visible()
    assert_accessible(page)
    shoot(page, "merge-record-desktop-es")
