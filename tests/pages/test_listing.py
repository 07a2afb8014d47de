"""A listing's page: what the public may see of it, within 10 queries, and its report form."""

from datetime import time

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.core.cache import cache

from accounts.models import MODERATORS_GROUP
from directory.models import Contact, OpeningPeriod, Report
from pages.listing import REPORTS_PER_WINDOW
from tests.factories import (
    ContactFactory,
    ListingFactory,
    MembershipFactory,
    NeedFactory,
    UserFactory,
    with_totp,
)

pytestmark = pytest.mark.django_db

TRUE_LNG, TRUE_LAT = -117.86123, 33.74987


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def url(listing) -> str:
    return f"/en/listings/{listing.slug}/"


def true_coordinate_texts() -> list[str]:
    """The true point written every way a page could: rounded or cut to 3 decimals."""
    texts = []
    for value in (TRUE_LAT, TRUE_LNG):
        texts += [f"{value:.3f}", str(value)[: str(value).index(".") + 4]]
    return texts


@pytest.mark.parametrize("precision", ["area", "region", "hidden"])
def test_the_page_of_a_non_exact_listing_never_contains_its_true_coordinates(client, precision):
    listing = ListingFactory(
        location=Point(TRUE_LNG, TRUE_LAT, srid=4326),
        location_precision=precision,
        street_address="Calle Secreta 12",
        postal_code="92701",
    )
    body = client.get(url(listing)).content.decode()
    assert listing.name in body
    for text in true_coordinate_texts():
        assert text not in body, text
    assert "Calle Secreta" not in body  # the street is for exact listings only
    if precision == "hidden":
        assert "The location is not published." in body and "tejido-map" not in body


def test_an_exact_listing_shows_its_street_and_point(client):
    listing = ListingFactory(street_address="Avenida Juárez 5")
    body = client.get(url(listing)).content.decode()
    assert "Avenida Juárez 5" in body and "tejido-map" in body


def test_contacts_are_shown_by_visibility(client):
    listing = ListingFactory()
    ContactFactory(listing=listing, value="public@example.org")
    ContactFactory(listing=listing, value="members@example.org", visibility="signed_in")
    ContactFactory(listing=listing, value="leads@example.org", visibility="leads_only")
    anonymous = client.get(url(listing)).content.decode()
    assert "public@example.org" in anonymous
    assert "members@example.org" not in anonymous and "leads@example.org" not in anonymous
    client.force_login(UserFactory())
    stranger = client.get(url(listing)).content.decode()
    assert "members@example.org" in stranger and "leads@example.org" not in stranger
    client.force_login(MembershipFactory(listing=listing).user)
    assert "leads@example.org" in client.get(url(listing)).content.decode()


def test_only_http_links_and_mail_and_phone_become_links(client):
    listing = ListingFactory()
    Contact.objects.create(listing=listing, kind="social", value="javascript:alert(1)")
    Contact.objects.create(listing=listing, kind="phone", value="+525512345678")
    body = client.get(url(listing)).content.decode()
    assert 'href="javascript:' not in body
    assert 'href="tel:+525512345678"' in body


@pytest.mark.parametrize("status", ["pending", "draft", "rejected", "archived"])
def test_an_unpublished_listing_is_not_found_for_the_public(client, status):
    listing = ListingFactory(status=status)
    assert client.get(url(listing)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url(listing)).status_code == 404


def test_leads_and_moderators_see_their_unpublished_listing_with_its_state(client):
    listing = ListingFactory(status="pending")
    client.force_login(MembershipFactory(listing=listing).user)
    body = client.get(url(listing)).content.decode()
    assert "Not public: Pending review" in body
    assert f'href="/en/dashboard/listings/{listing.slug}/"' in body  # the edit link
    moderator = with_totp(UserFactory())
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    client.force_login(moderator)
    assert "Not public: Pending review" in client.get(url(listing)).content.decode()


def test_a_listing_name_and_summary_are_escaped(client):
    listing = ListingFactory(
        name="<img src=x onerror=alert(1)>",
        summary_es="`${alert(2)}` </script><script>alert(3)</script>",
        description_es="<b>hola</b>",
    )
    body = client.get(url(listing)).content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "</script><script>alert(3)" not in body
    assert "&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in body
    assert "<b>hola</b>" not in body


def test_text_in_another_language_says_which_it_is(client):
    listing = ListingFactory(original_language="pt", summary_es="", description_pt="Olá, vizinhos.")
    body = client.get(url(listing)).content.decode()
    assert "Olá, vizinhos." in body and "Written in Portuguese" in body
    assert 'lang="pt"' in body


def test_hours_needs_and_access_in_plain_words(client):
    listing = ListingFactory(
        timezone="America/Mexico_City", access=["no_id_required"], languages=["es", "nah"]
    )
    for day in range(1, 8):
        OpeningPeriod.objects.create(listing=listing, weekday=day, opens=time(9), closes=time(17))
    NeedFactory(listing=listing, kind="money")
    body = client.get(url(listing)).content.decode()
    assert "Monday" in body and "9:00–17:00" in body
    assert ("Open now · closes at 17:00" in body) or ("Closed · opens" in body)
    assert "Asks for donations of money" in body
    assert '<span class="facts__icon" aria-hidden="true">⊘</span> No ID required' in body
    assert "Spanish" in body and "Nahuatl" in body


def test_share_links(client):
    listing = ListingFactory(name="Pan & Rosas")
    body = client.get(url(listing)).content.decode()
    assert (
        'href="sms:?&amp;body=Pan%20%26%20Rosas%20http%3A%2F%2Ftestserver%2Fen%2Flistings%2F'
        in body
    )
    assert "data-copy=" in body


def test_the_listing_page_keeps_a_query_budget(client, django_assert_max_num_queries):
    listing = ListingFactory(timezone="America/Mexico_City")
    for n in range(5):
        ContactFactory(listing=listing)
        NeedFactory(listing=listing)
        OpeningPeriod.objects.create(listing=listing, weekday=n + 1, opens=time(9), closes=time(17))
    # listing (1) + categories, contacts, hours (3) + needs (1) + the relay's reach (1)
    with django_assert_max_num_queries(6):
        assert client.get(url(listing)).status_code == 200
    client.force_login(MembershipFactory(listing=listing).user)
    # + session, user, role, groups
    with django_assert_max_num_queries(11):
        assert client.get(url(listing)).status_code == 200


def test_the_report_form_writes_one_report_and_thanks(client):
    listing = ListingFactory()
    response = client.post(
        f"{url(listing)}report/", {"reason": "hours", "message": "Abre a las 10", "website": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url(listing)}?report=sent#report"
    report = Report.objects.get()
    assert (report.listing, report.reason, report.message) == (
        listing,
        "wrong_info",
        "[hours] Abre a las 10",
    )
    assert report.reporter is None
    assert "Thank you for your report" in client.get(response["Location"]).content.decode()


def test_the_report_form_refuses_the_honeypot(client):
    listing = ListingFactory()
    response = client.post(f"{url(listing)}report/", {"reason": "closed", "website": "http://spam"})
    assert response.status_code == 302
    assert Report.objects.count() == 0


def test_a_report_without_a_reason_says_so_next_to_the_field(client):
    listing = ListingFactory()
    response = client.post(f"{url(listing)}report/", {"message": "x"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_reason_error"' in body and "Choose what is wrong." in body
    assert Report.objects.count() == 0


def test_reports_are_throttled_per_client_and_listing(client):
    listing, other = ListingFactory(), ListingFactory()
    for _n in range(2):
        client.post(f"{url(listing)}report/", {"reason": "other"})
    from pages.listing import _client_key

    class FakeRequest:
        META = {"REMOTE_ADDR": "127.0.0.1"}

    cache.set(_client_key(FakeRequest(), listing), REPORTS_PER_WINDOW, 3600)
    response = client.post(f"{url(listing)}report/", {"reason": "other"})
    assert response.status_code == 429
    assert "Try again in an hour" in response.content.decode()
    assert Report.objects.filter(listing=listing).count() == 2
    assert client.post(f"{url(other)}report/", {"reason": "other"}).status_code == 302


def test_the_third_report_hides_the_listing_and_still_thanks(client):
    listing = ListingFactory()
    for _n in range(2):
        client.post(f"{url(listing)}report/", {"reason": "closed"})
    response = client.post(f"{url(listing)}report/", {"reason": "closed"})
    assert response.status_code == 200
    assert "Thank you for your report" in response.content.decode()
    assert client.get(url(listing)).status_code == 404
