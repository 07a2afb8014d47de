"""Hostile text on every card and form of the pages is shown as text: the templates escape
each value once (never `&amp;amp;`), and neither template engine nor script evaluates it.

Each value goes in a listing's name, summary and locality, a category's name, a region's
name and a need's title and description, then through the search page (result cards,
the filters' category menu), the volunteer board (need cards, the region menu), the
listing page, the home page and the board's feed."""

import html

import pytest
from django.contrib.gis.geos import Point

from directory import services, stats
from directory.choices import NeedKind, RegionLevel
from tests.factories import CategoryFactory, ListingFactory, NeedFactory, RegionFactory

pytestmark = pytest.mark.django_db

SANTA_ANA = (-117.86783, 33.74557)
HOSTILE = ['"><img src=x onerror=alert(1)>', "{{7*7}}", "${7*7}", "</script>", "Pan & Rosas"]


@pytest.fixture(params=HOSTILE, ids=["markup", "jinja", "template-literal", "script", "ampersand"])
def hostile(request):
    value = request.param
    category = CategoryFactory(slug="food", name_en=f"Food {value}", name_es=f"Comida {value}")
    region = RegionFactory(slug="us-ca", name_en=f"California {value}", level=RegionLevel.ADMIN1)
    listing = ListingFactory(
        name=f"Cocina {value}",
        slug="cocina",
        summary_en=f"Meals {value} daily",
        summary_es=f"Comidas {value} diarias",
        locality=f"Santa Ana {value}",
        admin1="CA",
        country="US",
        location=Point(*SANTA_ANA, srid=4326),
    )
    listing.categories.set([category])
    services.listing_refresh_derived(listing)
    listing.regions.add(region)
    NeedFactory(
        listing=listing,
        kind=NeedKind.FOOD,
        title_en=f"Cooks {value}",
        description_en=f"Bring {value} aprons",
        skills=["cooking"],
    )
    stats.refresh()
    return value


def _assert_shown_as_text(body: str, value: str, *texts: str) -> None:
    """Each of `texts` (holding `value`) is in `body` escaped once, never raw nor twice, and
    never evaluated (`{{7*7}}` and `${7*7}` stay as typed, not 49)."""
    for text in texts:
        once = html.escape(text, quote=True)
        variants = {once, once.replace("&#x27;", "&#39;").replace("&quot;", "&#34;")}
        assert any(v in body for v in variants), f"{text!r} is not shown escaped once"
        if text != html.escape(text):  # markup, a script's end, a lone &: never raw
            assert text not in body
        if "7*7" in value:
            assert text.replace("7*7", "49").replace("{{49}}", "49") not in body
    for doubled in ("&amp;amp;", "&amp;lt;", "&amp;gt;", "&amp;quot;", "&amp;#34;"):
        assert doubled not in body
    assert "<img src=x" not in body


def test_the_search_page_shows_hostile_names_as_text(client, hostile):
    body = client.get("/en/listings/", {"near": f"{SANTA_ANA[1]},{SANTA_ANA[0]}"}).content.decode()
    assert '<li class="card">' in body
    _assert_shown_as_text(
        body, hostile, f"Cocina {hostile}", f"Meals {hostile} daily", f"Food {hostile}"
    )
    menu = body.split('<select name="category"')[1].split("</select>")[0]
    _assert_shown_as_text(menu, hostile, f"Food {hostile}")


def test_what_was_typed_in_the_search_form_is_shown_as_text(client, hostile):
    body = client.get("/en/listings/", {"q": f"x {hostile}", "open_at": hostile}).content.decode()
    form = body.split('<form class="search-form"')[1].split("</form>")[0]
    _assert_shown_as_text(form, hostile, f"x {hostile}")


def test_the_volunteer_board_shows_hostile_names_as_text(client, hostile):
    body = client.get("/en/needs/", {"near": f"{SANTA_ANA[1]},{SANTA_ANA[0]}"}).content.decode()
    assert '<li class="card need-card' in body
    _assert_shown_as_text(
        body, hostile, f"Cocina {hostile}", f"Cooks {hostile}", f"Bring {hostile} aprons"
    )
    menu = body.split('<select id="f-region"')[1].split("</select>")[0]
    _assert_shown_as_text(menu, hostile, f"California {hostile}")
    typed = client.get("/en/needs/", {"q": hostile, "skill": hostile}).content.decode()
    _assert_shown_as_text(typed.split('id="needs-form"')[1], hostile, hostile)


def test_the_listing_and_home_pages_show_hostile_names_as_text(client, hostile):
    listing = client.get("/en/listings/cocina/").content.decode()
    _assert_shown_as_text(listing, hostile, f"Cocina {hostile}", f"Meals {hostile} daily")
    home = client.get("/en/").content.decode()
    _assert_shown_as_text(home, hostile, f"Cocina {hostile}")


def test_the_feed_carries_hostile_text_escaped_once(client, hostile):
    body = client.get("/en/needs/feed/").content.decode()
    # The title is text in the XML; the entry's content is HTML, itself escaped in the XML.
    assert html.escape(f"Cooks {hostile}", quote=False) in body
    content = html.escape(f"Bring {hostile} aprons").replace("&quot;", "&#34;")
    assert html.escape(content, quote=False) in body
    assert "<img src=x" not in body
