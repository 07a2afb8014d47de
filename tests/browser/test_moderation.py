"""Journey 5 of DESIGN.md §1 with the lead of journey 2: a moderator sends a new listing back
with a reason, the lead reads it, edits and sends it again, the moderator approves it; the
public page then shows its ~1 km cell and never its true point."""

import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.utils import translation
from django_countries import countries

from accounts.models import MODERATORS_GROUP
from directory import services
from directory.choices import ListingStatus, LocationPrecision, NeedKind
from directory.geo import SRID
from tests.factories import (
    ListingFactory,
    MembershipFactory,
    NeedFactory,
    UserFactory,
    with_totp,
)

from .helpers import assert_accessible, no_horizontal_scroll, shoot, t

#: The true point (33.74912, -117.87345) lies in the cell 33.74..33.75 x -117.88..-117.87.
TRUE_POINT = Point(-117.87345, 33.74912, srid=SRID)
#: Any rendering of the true point to 3 decimals or more starts with one of these.
TRUE_DIGITS = ("33.749", "117.873")
REASON = "Falta decir qué días abren y quién puede ir."


@pytest.fixture
def pending(committed_db):
    lead = UserFactory(username="lead")
    moderator = with_totp(UserFactory(username="mod"))
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    listing = ListingFactory(
        kind="mutual_aid",
        name="Ollas Comunes del Barrio",
        slug="ollas-comunes-del-barrio",
        status=ListingStatus.PENDING,
        location=TRUE_POINT,
        location_precision=LocationPrecision.AREA,
        summary_es="Ollas comunes para familias del barrio.",
        street_address="1414 W Camile St",
        locality="Santa Ana",
        admin1="CA",
        postal_code="92703",
        country="US",
    )
    services.listing_refresh_derived(listing)
    MembershipFactory(listing=listing, user=lead)
    NeedFactory(listing=listing, kind=NeedKind.FOOD, title_es="Arroz y frijoles")
    return listing, lead, moderator


def review(page, slug):
    return page.locator(f"#review-{slug}")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_moderator_rejects_lead_resubmits_moderator_approves_and_only_the_cell_is_public(
    open_as, pending, santa_ana, lang
):
    listing, lead, moderator = pending
    moderation = open_as(moderator, "desktop")
    owner = open_as(lead, "phone")

    page = moderation.visit("/moderation/", lang)
    item = review(page, listing.slug)
    assert item.get_by_role("heading", level=3).inner_text() == listing.name
    assert_accessible(page)
    shoot(page, f"moderation-desktop-{lang}")
    item.get_by_label(t(lang, "Why is it not published? The lead will read this.")).fill(REASON)
    item.get_by_role("button", name=t(lang, "Send back to the lead")).click()
    page.wait_for_url(f"**/{lang}/moderation/")
    listing.refresh_from_db()
    assert (listing.status, listing.moderation_note) == (ListingStatus.REJECTED, REASON)
    assert review(page, listing.slug).count() == 0
    audit = page.get_by_role("region", name=t(lang, "Recent decisions")).inner_text()
    assert REASON in audit

    # The lead reads the reason on the dashboard, edits the listing and sends it again.
    mine = owner.visit("/dashboard/", lang)
    card = mine.locator(f"#listing-{listing.slug}")
    assert card.locator(".moderation-note").inner_text().strip() == REASON
    assert_accessible(mine)
    no_horizontal_scroll(mine)
    card.get_by_role("link", name=re.compile(re.escape(t(lang, "Edit")))).first.click()
    mine.wait_for_url(f"**/{lang}/dashboard/listings/{listing.slug}/")
    assert REASON in mine.locator(".moderation-note").inner_text()
    hours_notes = mine.locator("#id_opening_hours_notes_es")
    if not hours_notes.is_visible():
        mine.locator("details.language-group > summary").first.click()
    hours_notes.fill("Martes y jueves de 17 a 20 h. Cualquier persona puede venir.")
    mine.get_by_role("button", name=t(lang, "Save the changes")).click()
    mine.wait_for_url(f"**/{lang}/dashboard/")
    card = mine.locator(f"#listing-{listing.slug}")
    card.get_by_role("button", name=t(lang, "Send for review")).click()
    mine.wait_for_url(f"**/{lang}/dashboard/")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PENDING
    assert (
        t(lang, "Waiting for a moderator") in mine.locator(f"#listing-{listing.slug}").inner_text()
    )

    # The moderator sees what changed and approves it.
    page = moderation.visit("/moderation/", lang)
    item = review(page, listing.slug)
    assert "Martes y jueves de 17 a 20 h." in item.locator("table.diff").inner_text()
    assert_accessible(page)
    item.get_by_role("button", name=re.compile(re.escape(t(lang, "Approve and publish")))).click()
    page.wait_for_url(f"**/{lang}/moderation/")
    listing.refresh_from_db()
    assert (listing.status, listing.moderation_note) == (ListingStatus.PUBLISHED, "")

    # Anyone now finds it, at its cell.
    public = open_as(None, "phone")
    page = public.visit(f"/listings/{listing.slug}/", lang)
    assert page.get_by_role("heading", level=1).inner_text() == listing.name
    page.locator(".leaflet-container").first.wait_for(state="visible")
    html = page.content()
    for digits in TRUE_DIGITS:
        assert digits not in html
    assert "Camile" not in html  # the street stays with the leads; the postal code is public
    with translation.override(lang):
        country = str(countries.name("US"))
    assert page.locator(".address").inner_text() == f"Santa Ana, CA, 92703, {country}"
    for bound in ("33.74", "33.75", "-117.88", "-117.87"):  # the cell's edges
        assert re.search(rf"{re.escape(bound)}(?!\d)", html), bound
    assert page.locator(".leaflet-overlay-pane path").count() == 1  # the cell, drawn
    assert page.locator(".leaflet-marker-icon").count() == 0
    assert_accessible(page)
    no_horizontal_scroll(page)
    shoot(page, f"listing-area-phone-{lang}")
    search = public.visit("/listings/?near=Santa+Ana%2C+CA", lang)
    assert search.locator("#results ol.cards > li h3").all_inner_texts() == [listing.name]
    assert all(digits not in search.content() for digits in TRUE_DIGITS)
