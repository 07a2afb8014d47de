"""The volunteer board `/needs/`: the API's filters plus a place, nearest first, only what
the public may see, bad input next to its field in the reader's language, a query budget."""

import datetime
import re

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from directory import stats
from directory.choices import (
    ListingStatus,
    LocationPrecision,
    NeedKind,
    NeedStatus,
    RegionLevel,
    Urgency,
)
from tests.factories import (
    ListingFactory,
    MembershipFactory,
    NeedFactory,
    PlaceFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SANTA_ANA = (-117.86783, 33.74557)


def need_ids(response) -> list[int]:
    """Ids of the needs on the page's cards, in page order."""
    return [
        int(n)
        for n in re.findall(r'<li class="card need-card[^"]*" id="need-(\d+)"', _body(response))
    ]


def _body(response) -> str:
    return response.content.decode()


def _near_santa_ana(km_east: float, **listing):
    """A published exact listing `km_east` km east of Santa Ana (1° of longitude there
    is about 92.6 km)."""
    lng = SANTA_ANA[0] + km_east / 92.6
    return ListingFactory(location=Point(lng, SANTA_ANA[1], srid=4326), **listing)


@pytest.fixture
def santa_ana():
    PlaceFactory()  # Santa Ana, CA (the city)
    PlaceFactory(
        kind="postal_code",
        name="Santa Ana",
        ascii_name="santa ana",
        postal_code="92701",
        point=Point(*SANTA_ANA, srid=4326),
        population=0,
    )


@pytest.fixture
def drivers(santa_ana):
    """Volunteer drivers wanted at 12 km and 3 km, and needs that must not match."""
    far = NeedFactory(
        listing=_near_santa_ana(12), kind=NeedKind.VOLUNTEERS, skills=["driving"], title_en="Far"
    )
    near = NeedFactory(
        listing=_near_santa_ana(3),
        kind=NeedKind.VOLUNTEERS,
        skills=["driving", "lifting"],
        title_en="Near",
    )
    other_skill = NeedFactory(
        listing=_near_santa_ana(1), kind=NeedKind.VOLUNTEERS, skills=["cooking"]
    )
    other_kind = NeedFactory(listing=_near_santa_ana(2), kind=NeedKind.FOOD, skills=["driving"])
    out_of_range = NeedFactory(
        listing=_near_santa_ana(400), kind=NeedKind.VOLUNTEERS, skills=["driving"]
    )
    return {"near": near, "far": far, "others": [other_skill, other_kind, out_of_range]}


@pytest.mark.parametrize("place", ["92701", "Santa Ana, CA", "santa ana"])
def test_board_filters_by_kind_and_skill_near_a_place_nearest_first(client, drivers, place):
    response = client.get(
        "/en/needs/", {"near": place, "radius_km": "50", "kind": "volunteers", "skill": "driving"}
    )
    assert response.status_code == 200
    assert need_ids(response) == [drivers["near"].pk, drivers["far"].pk]
    body = _body(response)
    assert "2 open needs" in body
    assert "3.0 km away" in body and "12 km away" in body


def test_board_lists_only_current_needs_of_public_listings(client):
    today = timezone.localdate()
    shown = NeedFactory(ends_on=today)
    NeedFactory(
        ends_on=today - datetime.timedelta(days=1), starts_on=today - datetime.timedelta(days=9)
    )
    NeedFactory(status=NeedStatus.FULFILLED)
    NeedFactory(status=NeedStatus.CLOSED)
    NeedFactory(listing__status=ListingStatus.PENDING)
    NeedFactory(listing__status=ListingStatus.ARCHIVED)
    NeedFactory(listing__emergency_hidden_at=timezone.now())
    NeedFactory(listing__hidden_by_reports=True)
    response = client.get("/en/needs/")
    assert need_ids(response) == [shown.pk]


def test_card_says_who_gives_and_how_to_help_in_the_readers_language(client):
    listing = ListingFactory(name="Despensa El Telar", slug="despensa-el-telar", locality="Oaxaca")
    MembershipFactory(listing=listing, user=UserFactory(username="telar"), role="lead")
    need = NeedFactory(
        listing=listing,
        kind=NeedKind.FOOD,
        title_es="Arroz y frijol",
        title_en="Rice and beans",
        description_es="Para la despensa del sábado.",
        quantity=20,
        unit="kg",
        urgency=Urgency.URGENT,
        ends_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    body = _body(client.get("/en/needs/"))
    assert "Donate food here" in body
    assert '<h3 lang="en">Rice and beans</h3>' in body
    # No English description: the original, with a note of its language.
    assert 'lang="es">Para la despensa del sábado.</p>' in body and "Written in Spanish" in body
    assert "20 kg" in body and "Urgent</strong>" in body
    assert '<a href="/en/listings/despensa-el-telar/">Despensa El Telar</a>' in body
    # The way to help: the relay's form with this need chosen.
    assert f'href="/en/listings/despensa-el-telar/contact/?need={need.pk}">Offer help' in body
    assert "Confirmed today" in body


def test_a_need_whose_project_receives_no_mail_offers_only_the_way_to_reach_it(client):
    """The relay reaches an active lead with an e-mail address; without one, a card has no
    "Offer help" button (its form would only say that nobody receives it)."""
    quiet = ListingFactory(name="Huerta Sin Correo", slug="huerta-sin-correo")
    MembershipFactory(listing=quiet, user=UserFactory(username="sin-correo", email=""), role="lead")
    MembershipFactory(
        listing=quiet, user=UserFactory(username="inactiva", is_active=False), role="lead"
    )
    MembershipFactory(listing=quiet, user=UserFactory(username="editora"), role="editor")
    NeedFactory(listing=quiet, title_en="Seeds")
    reached = ListingFactory(name="Huerta Con Correo", slug="huerta-con-correo")
    MembershipFactory(listing=reached, user=UserFactory(username="con-correo"), role="lead")
    NeedFactory(listing=reached, title_en="Tools")
    body = _body(client.get("/en/needs/"))
    assert "/en/listings/huerta-sin-correo/contact/" not in body
    assert '<a class="need-contact" href="/en/listings/huerta-sin-correo/">' in body
    assert "/en/listings/huerta-con-correo/contact/?need=" in body


def test_board_escapes_need_and_listing_text(client):
    NeedFactory(
        title_es="<script>alert(1)</script>",
        description_es="<img src=x onerror=alert(2)>",
        listing__name="<b>Co-op</b>",
        skills=["x-y"],
    )
    body = _body(client.get("/es/needs/"))
    assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<b>Co-op</b>" not in body and "&lt;b&gt;Co-op&lt;/b&gt;" in body


def test_bad_input_comes_back_next_to_its_field_in_spanish(client, santa_ana):
    NeedFactory()
    response = client.get("/es/needs/", {"near": "92701", "radius_km": "abc", "urgency": "nope"})
    assert response.status_code == 400
    body = _body(response)
    radius = re.search(r'<p class="field-error" id="f-radius_km-error">(.*?)</p>', body, re.S)
    urgency = re.search(r'<p class="field-error" id="f-urgency-error">(.*?)</p>', body, re.S)
    assert radius and "Introduzca un número." in radius.group(1)
    assert urgency and "Escoja una opción válida. nope no es una de las opciones disponibles." in (
        urgency.group(1)
    )
    # The summary links to each field; what was typed is kept; nothing is listed.
    assert '<a href="#f-radius_km">' in body and '<a href="#f-urgency">' in body
    assert 'value="92701"' in body and 'value="abc" selected' in body
    assert need_ids(response) == []


@pytest.mark.parametrize(
    "query",
    [
        {"near": "Atlantis, ZZ"},
        {"near": "99999"},
        {"near": "95,200"},
        {"skill": "Not A Tag"},
        {"language": "!!"},
        {"region": "nowhere"},
        {"ordering": "distance"},
        {"page": "0"},
        {"page": "abc"},
        {"bbox": "1,2,3"},
        {"lat": "nan", "lng": "1"},
        {"unknown": "1"},
        {"near": "\x00"},
    ],
)
def test_any_bad_query_is_a_page_with_a_message_never_a_500(client, query):
    response = client.get("/es/needs/", query)
    assert response.status_code == 400
    assert 'class="error-summary"' in _body(response)


def test_a_place_with_several_matches_asks_which_one(client):
    PlaceFactory(name="San José", ascii_name="san jose", country="CR", admin1="08", population=1000)
    PlaceFactory(name="San José", ascii_name="san jose", country="US", admin1="CA", population=1100)
    NeedFactory()
    response = client.get("/en/needs/", {"near": "San Jose"})
    body = _body(response)
    assert response.status_code == 200
    assert "Which “San Jose” do you mean?" in body
    assert "near=San+Jos%C3%A9%2C+CA" in body
    assert need_ids(response) == []


def test_area_listing_true_coordinates_appear_nowhere_in_the_board(client, santa_ana):
    listing = ListingFactory(
        location=Point(-117.86783, 33.74557, srid=4326),
        location_precision=LocationPrecision.AREA,
        street_address="1200 Calle Secreta",
        postal_code="92701",
        locality="Santa Ana",
    )
    NeedFactory(listing=listing)
    response = client.get("/en/needs/", {"near": "Santa Ana, CA", "radius_km": "10"})
    assert need_ids(response) == [listing.needs.get().pk]
    body = _body(response)
    for fragment in ("117.86783", "33.74557", "117.8678", "33.7456", "117.868", "33.746"):
        assert fragment not in body
    assert "1200 Calle Secreta" not in body
    assert "about 1 km away" in body  # from the cell centre, in whole km


def test_no_dead_end_when_nothing_matches(client, santa_ana):
    NeedFactory(listing=_near_santa_ana(80), kind=NeedKind.FOOD)
    response = client.get("/en/needs/", {"near": "92701", "radius_km": "25", "kind": "legal"})
    body = _body(response)
    assert need_ids(response) == []
    assert "No open need matches all of this." in body
    assert "/en/needs/?near=92701&amp;kind=legal&amp;radius_km=50" in body
    assert "/en/needs/?near=92701&amp;radius_km=25" in body  # without the kind


def test_pages_keep_the_filters(client):
    for n in range(23):
        NeedFactory(kind=NeedKind.MONEY, title_es=f"Necesidad {n}")
    NeedFactory(kind=NeedKind.FOOD)
    first = client.get("/en/needs/", {"kind": "money"})
    assert len(need_ids(first)) == 20
    assert '<a rel="next" href="/en/needs/?kind=money&amp;page=2">' in _body(first)
    second = client.get("/en/needs/", {"kind": "money", "page": "2"})
    assert len(need_ids(second)) == 3
    assert '<a rel="prev" href="/en/needs/?kind=money">' in _body(second)
    assert set(need_ids(first)).isdisjoint(need_ids(second))


def test_board_links_its_feed_with_the_same_filters(client):
    NeedFactory()
    body = _body(client.get("/es/needs/", {"kind": "food", "urgency": "urgent"}))
    feed = "/es/needs/feed/?kind=food&amp;urgency=urgent"
    link = (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Necesidades abiertas (canal Atom)"'
    )
    assert f'{link} href="{feed}">' in body
    assert f'<a href="{feed}">' in body


def test_filters_control_counts_the_filters_in_use(client):
    NeedFactory()
    body = _body(
        client.get("/en/needs/", {"kind": ["food", "money"], "skill": "driving", "q": "x"})
    )
    assert "<summary>Filters (2)</summary>" in body


def test_board_keeps_a_query_budget_whatever_the_page_size(
    client, santa_ana, django_assert_max_num_queries
):
    region = RegionFactory(slug="mx-test")
    for n in range(30):
        listing = _near_santa_ana(n % 9 + 1)
        listing.regions.add(region)
        NeedFactory(listing=listing, kind=NeedKind.VOLUNTEERS, description_es=f"Descripción {n}")
    # place (1) + region slug (1) + page with its count (1) + descriptions (1) + regions menu (1)
    with django_assert_max_num_queries(6):
        response = client.get(
            "/es/needs/",
            {
                "near": "Santa Ana, CA",
                "radius_km": "500",
                "kind": "volunteers",
                "region": "mx-test",
            },
        )
    assert response.status_code == 200 and len(need_ids(response)) == 20


def _region_menu(response) -> list[tuple[str, bool]]:
    """(slug, selected) of the region menu's options, in order."""
    menu = _body(response).split('<select id="f-region"')[1].split("</select>")[0]
    return [
        (slug, bool(selected))
        for slug, selected in re.findall(r'<option value="([^"]*)"( selected)?>', menu)
    ]


def test_the_region_menu_offers_countries_and_states_with_needs(client, santa_ana):
    country = RegionFactory(slug="us", name_en="United States", level=RegionLevel.COUNTRY)
    state = RegionFactory(slug="us-ca", name_en="California", level=RegionLevel.ADMIN1)
    county = RegionFactory(slug="us-ca-orange", name_en="Orange", level=RegionLevel.ADMIN2)
    RegionFactory(slug="us-nv", name_en="Nevada", level=RegionLevel.ADMIN1)  # no needs
    listing = _near_santa_ana(2)
    listing.regions.add(country, state, county)
    NeedFactory(listing=listing, kind=NeedKind.FOOD)
    stats.refresh()  # the statistics count needs by region (on commit, or each minute)
    menu = _region_menu(client.get("/en/needs/"))
    assert menu == [("", False), ("us", False), ("us-ca", False)]
    # A county (followed from its region page) is shown chosen, the others as before.
    menu = _region_menu(client.get("/en/needs/", {"region": "us-ca-orange"}))
    assert menu == [("", False), ("us", False), ("us-ca", False), ("us-ca-orange", True)]
    chosen = _region_menu(client.get("/en/needs/", {"region": "us-ca"}))
    assert ("us-ca", True) in chosen and ("us", False) in chosen
