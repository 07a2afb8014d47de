"""Journey 3 of DESIGN.md §1: a volunteer filters the board by kind of need and skill near a
place, follows the filtered feed, and a new matching need reaches it."""

from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from django.contrib.gis.geos import Point

from directory.choices import NeedKind
from directory.geo import SRID
from directory.models import Listing
from tests.factories import ListingFactory, NeedFactory

from .helpers import assert_accessible, no_horizontal_scroll, shoot, t


@pytest.fixture
def needs(pantry):
    """One need that matches "skills / cooking near Santa Ana", and one that misses each
    filter: another kind, another skill, too far away."""
    mexico_city = ListingFactory(name="Comedor Popular Tacuba")  # 2,500 km away
    return {
        "match": NeedFactory(
            listing=pantry,
            kind=NeedKind.SKILLS,
            skills=["cooking"],
            title_es="Cocineras para el comedor del sábado",
            title_en="Cooks for the Saturday kitchen",
        ),
        "other_kind": NeedFactory(
            listing=pantry, kind=NeedKind.MONEY, title_es="Fondos para la renta del local"
        ),
        "other_skill": NeedFactory(
            listing=pantry,
            kind=NeedKind.SKILLS,
            skills=["accounting"],
            title_es="Alguien que lleve las cuentas",
        ),
        "far": NeedFactory(
            listing=mexico_city,
            kind=NeedKind.SKILLS,
            skills=["cooking"],
            title_es="Cocina para la olla común",
        ),
    }


def feed_titles(site, url: str) -> list[str]:
    response = site.page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo, feed.bozo_exception
    return [entry.title for entry in feed.entries]


@pytest.mark.parametrize(
    ("lang", "device"), [("es", "phone"), ("en", "desktop")], indirect=["device"]
)
def test_volunteer_filters_needs_near_a_place_and_follows_them(site, needs, lang, device):
    page = site.visit("/needs/", lang)
    assert_accessible(page)
    page.get_by_label(t(lang, "Where"), exact=True).fill("Santa Ana, CA")
    skill = page.get_by_role("textbox", name=t(lang, "Skills"), exact=True)
    if device == "phone":  # the filters fold behind one control; wide screens show them
        assert not skill.is_visible()
        page.get_by_text(t(lang, "Filters (%(n)s)", n=0)).click()
    page.get_by_role("checkbox", name=t(lang, "Skills"), exact=True).check()
    skill.fill("cooking")
    page.get_by_role("button", name=t(lang, "Apply filters")).click()
    page.wait_for_load_state()

    query = parse_qs(urlsplit(page.url).query)
    assert query["near"] == ["Santa Ana, CA"]
    assert query["kind"] == ["skills"] and query["skill"] == ["cooking"]
    cards = page.locator("ol.need-cards > li")
    assert cards.count() == 1
    card = cards.first
    title = (
        "Cocineras para el comedor del sábado" if lang == "es" else "Cooks for the Saturday kitchen"
    )
    assert card.get_by_role("heading", level=3).inner_text() == title
    assert (
        card.get_by_role("link", name="Despensa Solidaria Santa Ana").first.get_attribute("href")
        == f"/{lang}/listings/despensa-solidaria-santa-ana/"
    )
    assert "cooking" in card.locator(".need-tags").inner_text()
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, f"needs-{device}-{lang}")

    feed_link = page.get_by_role("link", name=t(lang, "Follow these needs (Atom feed)"))
    feed_url = site.base_url + feed_link.get_attribute("href")
    assert urlsplit(feed_url).path == f"/{lang}/needs/feed/"
    assert parse_qs(urlsplit(feed_url).query) == query  # the same filters, blanks left out
    listing = "Despensa Solidaria Santa Ana"
    assert feed_titles(site, feed_url) == [f"{title} · {listing}"]

    anaheim = Listing.objects.get(slug="cooperativa-alimentos-anaheim")
    NeedFactory(
        listing=anaheim,
        kind=NeedKind.SKILLS,
        skills=["cooking", "driving"],
        title_es="Manos para la cocina comunitaria",
        title_en="Hands for the community kitchen",
    )
    NeedFactory(listing=anaheim, kind=NeedKind.SKILLS, skills=["driving"], title_es="Choferes")
    new_title = (
        "Manos para la cocina comunitaria" if lang == "es" else "Hands for the community kitchen"
    )
    assert feed_titles(site, feed_url) == [
        f"{new_title} · Cooperativa de Alimentos Anaheim",
        f"{title} · {listing}",
    ]


def test_needs_board_keeps_needs_of_far_places_out_and_says_where_it_looked(site, needs):
    far = needs["far"]
    assert far.listing.location.distance(Point(-117.86783, 33.74557, srid=SRID)) > 15
    page = site.visit("/needs/?near=92701&kind=skills&skill=cooking", "en")
    titles = page.locator("ol.need-cards h3").all_inner_texts()
    assert titles == ["Cooks for the Saturday kitchen"]
