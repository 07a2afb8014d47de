"""Text typed by anyone is shown as text: on the search page, the listing page, the volunteer
board and in the popups of their maps. Nothing it holds runs (no dialog, no script error)."""

import pytest
from django.contrib.gis.geos import Point

from directory import services
from directory.choices import NeedKind
from directory.geo import SRID
from tests.factories import ListingFactory, NeedFactory

from .helpers import assert_accessible, t

NAME = "<img src=x onerror=alert(1)>"
SUMMARY = "Comida `gratis` ${alert(1)} </script><script>alert(2)</script> y más"
NEED = "Voluntarias </script><img src=y onerror=alert(3)> ${alert(4)}"


@pytest.fixture
def hostile(santa_ana):
    listing = ListingFactory(
        name=NAME,
        slug="hostile",
        summary_es=SUMMARY,
        summary_en=SUMMARY,
        description_es=SUMMARY,
        location=Point(-117.8700, 33.7450, srid=SRID),
        locality="Santa Ana",
        admin1="CA",
        country="US",
    )
    services.listing_refresh_derived(listing)
    NeedFactory(listing=listing, kind=NeedKind.VOLUNTEERS, title_es=NEED, title_en=NEED)
    return listing


def assert_nothing_injected(page):
    """The hostile markup made no element: no <img> with those sources, no stray <script>."""
    assert page.locator("img[src='x'], img[src='y']").count() == 0
    for script in page.locator("script:not([src])").all():
        code = script.inner_html()
        if script.get_attribute("type") == "application/json":
            assert "<" not in code  # data only, with its markup escaped
        else:
            assert "alert(" not in code


def open_first_popup(page, name: str):
    """Opens the popup of the map's first point (the map is behind a toggle on phones)."""
    if not page.locator(".leaflet-container").first.is_visible():
        page.locator("details:has(.leaflet-container) > summary").first.click()
    page.locator(".leaflet-container").first.wait_for(state="visible")
    page.locator(".leaflet-overlay-pane path.leaflet-interactive").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    page.locator(".leaflet-popup").evaluate(  # Leaflet fades it in: let it finish for axe
        "el => new Promise(done => { const check = () => getComputedStyle(el).opacity === '1'"
        " ? done() : requestAnimationFrame(check); check(); })"
    )
    assert popup.locator(".map-popup__name").inner_text() == name
    return popup


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
@pytest.mark.parametrize("lang", ["es", "en"])
def test_hostile_names_and_summaries_show_as_text_everywhere(site, hostile, lang, device):
    page = site.visit("/listings/?near=Santa+Ana%2C+CA", lang)
    card = page.locator("#results ol.cards > li").first
    assert card.get_by_role("heading", level=3).inner_text() == NAME
    assert card.locator(".card__summary").inner_text() == SUMMARY
    assert_nothing_injected(page)
    open_first_popup(page, NAME)
    assert_accessible(page)

    card.get_by_role("link", name=NAME).click()
    page.wait_for_url(f"**/{lang}/listings/hostile/")
    assert page.get_by_role("heading", level=1).inner_text() == NAME
    assert page.locator(".listing__summary").inner_text() == SUMMARY
    assert page.title().startswith(NAME)
    needs = page.get_by_role("region", name=t(lang, "What it needs"))
    assert needs.get_by_role("heading", level=3).inner_text() == NEED
    page.locator(".leaflet-container").first.wait_for(state="visible")
    assert_nothing_injected(page)
    assert_accessible(page)

    page = site.visit("/needs/?near=Santa+Ana%2C+CA", lang)
    need_card = page.locator("ol.need-cards > li").first
    assert need_card.get_by_role("heading", level=3).inner_text() == NEED
    assert need_card.get_by_role("link", name=NAME).first.is_visible()
    assert_nothing_injected(page)
    if page.locator(".leaflet-container").count():
        open_first_popup(page, NAME)
    assert_accessible(page)
    # Any dialog, uncaught error or console error fails the test in the `site` fixture.
