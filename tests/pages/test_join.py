"""Asking to join a listing (DESIGN.md §9, duplicates): the request goes through the relay
to the leads (or to the moderators when none receives mail) without either side's address;
a lead accepts with one click (the requester becomes a co-lead, audited) or declines, and
the requester hears of it by e-mail."""

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import translation

from directory.choices import AuditAction, ListingStatus
from directory.models import AuditEvent, ListingMembership
from relay.models import JoinRequest, JoinState
from tests.duplicates_scenario import existing_kitchen
from tests.factories import ListingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LEAD_ADDRESS = "lead.cocina@example.org"
REQUESTER_ADDRESS = "rosa.private@example.org"
MESSAGE = "Cocino los martes con ustedes desde 2023; soy Rosa, la de las tortillas."


@pytest.fixture
def kitchen():
    lead = UserFactory(username="lead-cocina", email=LEAD_ADDRESS, preferred_language="es")
    listing = existing_kitchen(lead=lead)
    return {"listing": listing, "lead": lead}


@pytest.fixture
def rosa(client):
    person = UserFactory(username="rosa", email=REQUESTER_ADDRESS, preferred_language="pt")
    client.force_login(person)
    return person


def join_url(listing, lang="en") -> str:
    return f"/{lang}/listings/{listing.slug}/join/"


def ask(client, listing, **data):
    return client.post(join_url(listing), {"message": MESSAGE, **data})


# --- The listing page and the form -----------------------------------------------------------


def test_the_listing_page_offers_to_join_to_signed_in_people_who_do_not_keep_it(
    client, kitchen, rosa
):
    listing = kitchen["listing"]
    assert join_url(listing) in client.get(f"/en/listings/{listing.slug}/").content.decode()
    lead = Client()
    lead.force_login(kitchen["lead"])
    assert join_url(listing) not in lead.get(f"/en/listings/{listing.slug}/").content.decode()
    assert join_url(listing) not in Client().get(f"/en/listings/{listing.slug}/").content.decode()


def test_the_form_needs_an_account(kitchen):
    response = Client().get(join_url(kitchen["listing"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_request_reaches_the_leads_without_either_address(client, kitchen, rosa):
    listing = kitchen["listing"]
    form = client.get(join_url(listing))
    assert form.status_code == 200
    response = ask(client, listing)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your request is sent" in page
    (sent,) = mail.outbox
    assert sent.to == [LEAD_ADDRESS]
    assert sent.reply_to == []  # Rosa did not share her address
    assert REQUESTER_ADDRESS not in sent.body + str(sent.message())
    assert "rosa" in sent.subject and MESSAGE in sent.body
    assert sent.extra_headers["Content-Language"] == "es"  # the lead's language
    # Nothing the requester sees holds the lead's address.
    for body in (form.content, response.content):
        assert LEAD_ADDRESS.encode() not in body
    for value in response.headers.values():
        assert LEAD_ADDRESS not in value
    join = JoinRequest.objects.get()
    assert (join.state, join.delivered_to, join.to_moderators) == ("pending", 1, False)


def test_sharing_the_address_is_the_requesters_choice(client, kitchen, rosa):
    ask(client, kitchen["listing"], share_email="on")
    (sent,) = mail.outbox
    assert sent.reply_to == [REQUESTER_ADDRESS]


def test_without_a_lead_who_receives_mail_the_moderators_get_it(client, people, rosa):
    listing = ListingFactory(slug="sin-lideres")
    MembershipFactory(listing=listing, user=UserFactory(username="mudo", email=""), role="lead")
    response = ask(client, listing)
    assert response.status_code == 200
    (sent,) = mail.outbox
    assert sent.to == [people["moderator"].email]
    assert JoinRequest.objects.get().to_moderators
    # The moderators answer from their queue.
    moderator = Client()
    moderator.force_login(people["moderator"])
    queue = moderator.get("/en/moderation/").content.decode()
    assert f"/en/dashboard/join-requests/{JoinRequest.objects.get().pk}/" in queue


EMPTY = "Say in a few words who you are in this project."


def _links_message() -> str:
    return translation.ngettext(
        "Write at most %(allowed)d link in your message (it has %(found)d).",
        "Write at most %(allowed)d links in your message (it has %(found)d).",
        2,
    ) % {"allowed": 2, "found": 3}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"message": ""}, lambda: translation.gettext(EMPTY)),
        ({"message": "x" * 1001}, None),
        ({"message": "http://a.example http://b.example http://c.example"}, _links_message),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_in_the_readers_language(client, kitchen, rosa, data, expected):
    response = client.post(f"/pt/listings/{kitchen['listing'].slug}/join/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_message"' in page and 'id="id_message-error"' in page
    assert 'lang="pt"' in page
    if expected is not None:
        with translation.override("pt"):
            assert expected() in page
    assert not JoinRequest.objects.exists() and not mail.outbox


def test_asking_twice_or_when_already_keeping_it_is_refused(client, kitchen, rosa):
    listing = kitchen["listing"]
    assert ask(client, listing).status_code == 200
    again = ask(client, listing)
    assert again.status_code == 400
    assert "You have already asked to join it" in again.content.decode()
    lead = Client()
    lead.force_login(kitchen["lead"])
    page = lead.get(join_url(listing)).content.decode()
    assert "You already keep this listing." in page
    assert JoinRequest.objects.count() == 1


@override_settings(RELAY_JOINS_PER_PERSON_PER_DAY=2)
def test_one_person_may_ask_a_few_times_a_day(client, rosa):
    for n in range(2):
        listing = ListingFactory(slug=f"l-{n}")
        MembershipFactory(listing=listing, role="lead")
        assert ask(client, listing).status_code == 200
    listing = ListingFactory(slug="l-3")
    MembershipFactory(listing=listing, role="lead")
    response = ask(client, listing)
    assert response.status_code == 429
    assert "You have asked to join several listings today." in response.content.decode()
    assert JoinRequest.objects.count() == 2


@override_settings(RELAY_JOINS_PER_LISTING_PER_DAY=1)
def test_one_listing_receives_a_few_requests_a_day(client, kitchen, rosa):
    assert ask(client, kitchen["listing"]).status_code == 200
    other = Client()
    other.force_login(UserFactory(username="otra"))
    assert ask(other, kitchen["listing"]).status_code == 429


def test_only_public_listings_take_requests(client, rosa):
    listing = ListingFactory(slug="pendiente", status=ListingStatus.PENDING)
    assert client.get(join_url(listing)).status_code == 404
    assert ask(client, listing).status_code == 404


# --- The leads' answer -----------------------------------------------------------------------


@pytest.fixture
def asked(client, kitchen, rosa):
    ask(client, kitchen["listing"])
    mail.outbox.clear()
    return JoinRequest.objects.get()


def decide(client, join, decision):
    return client.post(f"/en/dashboard/join-requests/{join.pk}/", {"decision": decision})


def test_the_lead_sees_it_on_the_dashboard_and_accepts_with_one_click(
    kitchen, asked, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    lead = Client()
    lead.force_login(kitchen["lead"])
    # session, user (2); listings (1); categories, needs (2); the requests (1)
    with django_assert_max_num_queries(7):
        dashboard = lead.get("/en/dashboard/").content.decode()
    assert MESSAGE[:30] in dashboard and "rosa" in dashboard
    assert REQUESTER_ADDRESS not in dashboard  # not shared
    with django_assert_max_num_queries(30), django_capture_on_commit_callbacks(execute=True):
        response = decide(lead, asked, "accept")
    assert response.status_code == 302
    membership = ListingMembership.objects.get(listing=kitchen["listing"], user=asked.requester)
    assert membership.role == "lead"
    asked.refresh_from_db()
    assert asked.state == JoinState.ACCEPTED and asked.decided_by == kitchen["lead"]
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_GRANTED)
    assert event.actor == kitchen["lead"] and event.data["username"] == "rosa"
    (told,) = mail.outbox
    assert told.to == [REQUESTER_ADDRESS]
    assert told.extra_headers["Content-Language"] == "pt"
    assert LEAD_ADDRESS not in str(told.message())
    # Answered: off the dashboard, and a second click changes nothing.
    assert MESSAGE[:30] not in lead.get("/en/dashboard/").content.decode()
    decide(lead, asked, "decline")
    asked.refresh_from_db()
    assert asked.state == JoinState.ACCEPTED


def test_the_lead_may_decline(kitchen, asked, django_capture_on_commit_callbacks):
    lead = Client()
    lead.force_login(kitchen["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        assert decide(lead, asked, "decline").status_code == 302
    asked.refresh_from_db()
    assert asked.state == JoinState.DECLINED
    assert not ListingMembership.objects.filter(user=asked.requester).exists()
    (told,) = mail.outbox
    assert told.to == [REQUESTER_ADDRESS]
    with translation.override("pt"):
        assert translation.gettext("Your request to join “%(listing)s”").split("“")[0] in (
            told.subject
        )


@pytest.mark.parametrize("who", ["stranger", "editor", "requester"])
def test_only_a_lead_or_a_moderator_may_answer(kitchen, asked, people, who):
    MembershipFactory(listing=kitchen["listing"], user=people["editor"], role="editor")
    person = asked.requester if who == "requester" else people[who]
    other = Client()
    other.force_login(person)
    assert decide(other, asked, "accept").status_code in (403, 404)
    asked.refresh_from_db()
    assert asked.state == JoinState.PENDING
    assert not ListingMembership.objects.filter(user=asked.requester).exists()


def test_a_moderator_may_answer(kitchen, asked, people):
    moderator = Client()
    moderator.force_login(people["moderator"])
    assert decide(moderator, asked, "accept").status_code == 302
    assert ListingMembership.objects.filter(user=asked.requester, role="lead").exists()


def test_answers_need_a_post_with_csrf(kitchen, asked):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(kitchen["lead"])
    assert strict.get(f"/en/dashboard/join-requests/{asked.pk}/").status_code == 405
    assert decide(strict, asked, "accept").status_code == 403
    asked.refresh_from_db()
    assert asked.state == JoinState.PENDING


def test_an_unknown_answer_changes_nothing(kitchen, asked):
    lead = Client()
    lead.force_login(kitchen["lead"])
    response = decide(lead, asked, "maybe")
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.state == JoinState.PENDING


def test_the_duplicate_warning_links_to_the_join_form(client, kitchen, rosa):
    from tests.directory.test_duplicates import kitchen_post

    response = client.post("/en/dashboard/listings/new/", kitchen_post())
    form_link = join_url(kitchen["listing"])
    assert form_link in response.content.decode()
    assert client.get(form_link).status_code == 200


def test_the_requesters_words_are_escaped_on_the_dashboard(client, kitchen, rosa):
    ask(client, kitchen["listing"], message='<script>alert("x")</script> soy Rosa')
    lead = Client()
    lead.force_login(kitchen["lead"])
    page = lead.get("/en/dashboard/").content.decode()
    assert '<script>alert("x")' not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; soy Rosa" in page
