"""The Atom feed of the board: the board's filters, newest first, escaped, within a budget."""

import datetime

import feedparser
import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from directory.choices import ListingStatus, NeedKind, NeedStatus
from directory.models import Need
from tests.factories import ListingFactory, MembershipFactory, NeedFactory, PlaceFactory

pytestmark = pytest.mark.django_db


def read_feed(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/atom+xml")
    return response, feedparser.parse(response.content)


def test_feed_of_a_filter_holds_a_new_matching_need_and_not_another(client):
    PlaceFactory()
    listing = ListingFactory(
        name="Cocina Común", slug="cocina-comun", location=Point(-117.86, 33.75, srid=4326)
    )
    MembershipFactory(listing=listing, role="lead")  # the relay reaches its lead
    NeedFactory(listing=listing, kind=NeedKind.FOOD, title_en="Older food need")
    params = {"near": "Santa Ana, CA", "kind": "food"}
    _response, before = read_feed(client, "/en/needs/feed/", params)
    assert [entry.title for entry in before.entries] == ["Older food need · Cocina Común"]

    new = NeedFactory(listing=listing, kind=NeedKind.FOOD, title_en="Rice for Saturday")
    NeedFactory(listing=listing, kind=NeedKind.MONEY, title_en="Rent")
    NeedFactory(kind=NeedKind.FOOD, title_en="Food far away")  # Mexico City
    _response, after = read_feed(client, "/en/needs/feed/", params)
    titles = [entry.title for entry in after.entries]
    assert titles == ["Rice for Saturday · Cocina Común", "Older food need · Cocina Común"]
    entry = after.entries[0]
    assert entry.link == "http://testserver/en/listings/cocina-comun/"
    created = new.created_at.astimezone(datetime.UTC)
    assert entry.id == f"tag:testserver,{created:%Y-%m-%d}:need/{new.pk}"
    updated = datetime.datetime(*entry.updated_parsed[:6], tzinfo=datetime.UTC)
    assert abs(updated - Need.objects.get(pk=new.pk).updated_at) < datetime.timedelta(seconds=1)
    # The entry links the form that relays an offer to the project (addresses stay hidden).
    offer_form = f"http://testserver/en/listings/cocina-comun/contact/?need={new.pk}"
    assert f'href="{offer_form}"' in entry.summary
    assert after.feed.title == "Open needs near Santa Ana, CA, United States of America · Tejido"
    assert after.feed.link == "http://testserver/en/needs/?near=Santa+Ana%2C+CA&kind=food"


def test_feed_id_is_the_same_in_every_language(client):
    need = NeedFactory(title_es="Voluntarias", title_en="Volunteers")
    _r, spanish = read_feed(client, "/es/needs/feed/")
    _r, english = read_feed(client, "/en/needs/feed/")
    assert spanish.entries[0].id == english.entries[0].id
    assert spanish.entries[0].title.startswith("Voluntarias · ")
    assert english.entries[0].title.startswith("Volunteers · ")
    assert spanish.feed.language == "es" and str(need.pk) in spanish.entries[0].id


def test_feed_leaves_out_what_the_public_may_not_see(client):
    today = timezone.localdate()
    shown = NeedFactory(title_es="Visible")
    NeedFactory(
        ends_on=today - datetime.timedelta(days=1), starts_on=today - datetime.timedelta(days=5)
    )
    NeedFactory(status=NeedStatus.FULFILLED)
    NeedFactory(listing__status=ListingStatus.PENDING)
    _r, feed = read_feed(client, "/es/needs/feed/")
    assert [entry.title for entry in feed.entries] == [f"Visible · {shown.listing.name}"]


def test_feed_escapes_need_text(client):
    NeedFactory(
        title_es="<script>alert(1)</script>",
        description_es="<img src=x onerror=alert(2)>",
        listing__name="<b>Co-op</b>",
    )
    response, feed = read_feed(client, "/es/needs/feed/")
    raw = response.content.decode()
    assert "<script>" not in raw and "<img" not in raw and "<b>" not in raw
    # A text title comes back as the text that was written; HTML content as escaped text.
    assert feed.entries[0].title == "<script>alert(1)</script> · <b>Co-op</b>"
    assert "&lt;img src=x onerror=alert(2)&gt;" in feed.entries[0].summary


@pytest.mark.parametrize(
    "query",
    [{"radius_km": "abc", "lat": "1", "lng": "2"}, {"urgency": "nope"}, {"near": "Atlantis"}],
)
def test_bad_filter_is_a_400_in_plain_words(client, query):
    response = client.get("/es/needs/feed/", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert next(iter(query)) in response.content.decode() or "near" in response.content.decode()


def test_feed_has_at_most_50_entries_newest_first(client, django_assert_max_num_queries):
    PlaceFactory()
    listing = ListingFactory(location=Point(-117.86, 33.75, srid=4326))
    for n in range(55):
        NeedFactory(listing=listing, title_es=f"Necesidad {n}", description_es=f"Texto {n}")
    # place (1) + page (1) + descriptions (1)
    with django_assert_max_num_queries(4):
        _r, feed = read_feed(client, "/es/needs/feed/", {"near": "Santa Ana, CA"})
    assert len(feed.entries) == 50
    assert feed.entries[0].title.startswith("Necesidad 54 ")
    assert feed.entries[-1].title.startswith("Necesidad 5 ")


def test_an_entry_of_a_project_that_receives_no_mail_links_its_page(client):
    listing = ListingFactory(name="Huerta", slug="huerta")
    need = NeedFactory(listing=listing, title_en="Seeds")
    _response, feed = read_feed(client, "/en/needs/feed/")
    summary = feed.entries[0].summary
    assert f"contact/?need={need.pk}" not in summary
    assert 'href="http://testserver/en/listings/huerta/">How to reach Huerta</a>' in summary
