"""A lead lists a project that is already on Tejido (DESIGN.md §9, duplicates): on a phone,
in Portuguese, the dashboard form warns before saving, links to the listing and to asking
its leads to join it, and saves once the lead says it is a different project."""

# ruff: noqa: F811 (the fixtures imported from .duplicates are the tests' arguments)

import re

import pytest

from directory.choices import ListingStatus
from directory.models import Listing
from tests.duplicates_scenario import NEAR_NAME

from .duplicates import (  # noqa: F401 (fixtures)
    duplicate_warning,
    fill_listing_form,
    kitchen,
    moderator,
    pending_near_duplicate,
    saved,
    second_lead,
    submit_new_listing,
)
from .helpers import assert_accessible, no_horizontal_scroll, shoot, t

LANG = "pt"


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_lead_is_warned_of_a_near_duplicate_then_saves_a_different_project(
    open_as,
    kitchen,
    second_lead,
    device,
):
    site = open_as(second_lead, device)
    page = site.visit("/dashboard/listings/new/", LANG)
    fill_listing_form(page, LANG)
    submit_new_listing(page, LANG)

    warning = duplicate_warning(page, LANG)
    assert not saved()
    link = warning.get_by_role("link", name=kitchen.name, exact=True)
    assert link.get_attribute("href") == f"/{LANG}/listings/{kitchen.slug}/"
    join = warning.get_by_role("link", name=t(LANG, "Ask to join it"), exact=True)
    assert join.get_attribute("href") == f"/{LANG}/listings/{kitchen.slug}/join/"
    text = warning.inner_text()
    assert "Los Angeles" in text and kitchen.street_address not in text
    # What was typed is still there.
    assert page.get_by_label(t(LANG, "Name"), exact=True).input_value() == NEAR_NAME
    no_horizontal_scroll(page)
    assert_accessible(page)
    warning.scroll_into_view_if_needed()
    shoot(page, f"duplicate-warning-{device}-{LANG}")

    # The join form is one tap away (and keeps the reader's language).
    join.click()
    page.wait_for_url(f"**/{LANG}/listings/{kitchen.slug}/join/")
    title = t(LANG, "Ask to join %(name)s", name=kitchen.name)
    assert page.get_by_role("heading", level=1).inner_text() == title
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, f"join-form-{device}-{LANG}")
    page.go_back()
    page.wait_for_load_state()

    # "This is a different project" saves what was typed.
    if not page.locator("#similar").count():  # the browser kept no copy of the POST's page
        fill_listing_form(page, LANG)
        submit_new_listing(page, LANG)
    button = t(LANG, "This is a different project: save it")
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(f"**/{LANG}/dashboard/")
    created = Listing.objects.get(name=NEAR_NAME)
    assert created.status == ListingStatus.PENDING
    assert [m.user for m in created.memberships.all()] == [second_lead]
    assert Listing.objects.count() == 2
    no_horizontal_scroll(page)
    shoot(page, f"duplicate-saved-{device}-{LANG}")


def test_a_lead_lists_a_near_duplicate_in_portuguese_and_a_moderator_merges_it_in_spanish(
    open_as, kitchen, second_lead, moderator
):
    """The whole way of a duplicate: made on a phone in Portuguese (warned, and saved as "a
    different project" anyway), then merged at 1280 px in Spanish into the listing that was
    there first, whose page the duplicate's address then opens."""
    lead = open_as(second_lead, "phone")
    page = lead.visit("/dashboard/listings/new/", "pt")
    fill_listing_form(page, "pt")
    submit_new_listing(page, "pt")
    duplicate_warning(page, "pt")
    page.get_by_role("button", name=t("pt", "This is a different project: save it")).click()
    page.wait_for_url("**/pt/dashboard/")
    duplicate = Listing.objects.get(name=NEAR_NAME)
    assert duplicate.status == ListingStatus.PENDING

    site = open_as(moderator, "desktop")
    page = site.visit("/moderation/", "es")
    review = page.locator(f"#review-{duplicate.slug}")
    aside = review.locator("aside.suspected")
    assert aside.get_by_role("link", name=kitchen.name, exact=True).is_visible()
    facts = review.locator(".review-facts")
    beside = aside.bounding_box()["x"] > facts.bounding_box()["x"] + facts.bounding_box()["width"]
    assert beside, "at 1280 px the suspected duplicate sits beside the listing"
    no_horizontal_scroll(page)
    assert_accessible(page)
    review.scroll_into_view_if_needed()
    shoot(page, "duplicate-queue-desktop-es")

    review.get_by_role("link", name=t("es", "A duplicate? Merge into…")).click()
    page.wait_for_url(f"**/es/moderation/listings/{duplicate.slug}/merge/")
    candidates = page.get_by_role("region", name=t("es", "Listings with a similar name"))
    candidates.get_by_role("link", name=t("es", "Merge into “%(name)s”", name=kitchen.name)).click()
    page.wait_for_url(re.compile(rf".*/merge/\?into={kitchen.slug}$"))
    # The kitchen keeps its name and address: its values are chosen by default.
    name = page.locator("fieldset#id_choose_name")
    assert name.get_by_role("radio", name=re.compile(t("es", "The listing to keep"))).is_checked()
    assert_accessible(page)
    no_horizontal_scroll(page)
    shoot(page, "duplicate-merge-diff-desktop-es")
    page.get_by_role("button", name=t("es", "Merge into “%(name)s”", name=kitchen.name)).click()

    page.wait_for_url(f"**/es/listings/{kitchen.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == kitchen.name
    shoot(page, "duplicate-merged-desktop-es")
    duplicate.refresh_from_db()
    assert duplicate.status == ListingStatus.MERGED and duplicate.merged_into_id == kitchen.pk
    # The person who listed it again now keeps the kitchen with its first lead.
    assert set(kitchen.memberships.values_list("user__username", flat=True)) == {
        "lead-cocina",
        second_lead.username,
    }
    # Its address, on the lead's phone, opens the kitchen.
    old = lead.visit(f"/listings/{duplicate.slug}/", "pt")
    assert old.url.endswith(f"/pt/listings/{kitchen.slug}/")
