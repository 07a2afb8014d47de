"""Offers tracked to an answer (DESIGN.md §10): leads mark them from the dashboard or from
a signed link, the volunteer hears back, retention forgets the sender, and the listing
shows "usually answers within N days" from three answered offers up."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from relay import links, services
from relay.models import Offer, OfferState
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(cocina):
    return Offer.objects.create(
        listing=cocina["listing"],
        need=cocina["need"],
        language="pt",
        sender_name="Marisol",
        sender_email="marisol@volunteer.example",
        sender_phone="+1 213 555 0100",
        message="Posso cozinhar aos sábados.",
    )


def test_the_dashboard_lists_offers_and_a_lead_marks_one_answered(
    client, cocina, offer, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(cocina["ana"])
    with django_assert_max_num_queries(12):
        page = client.get("/es/dashboard/offers/")
    body = page.content.decode()
    assert "Marisol" in body and "Posso cozinhar aos sábados." in body
    assert "marisol@volunteer.example" in body
    index = client.get("/es/dashboard/").content.decode()
    assert "1 oferta de ayuda esperando respuesta" in index
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/es/dashboard/offers/{offer.pk}/", {"state": "answered"})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.state == OfferState.ANSWERED and offer.answered_at is not None
    (note,) = mail.outbox
    assert note.to == ["marisol@volunteer.example"]
    assert "respondeu" in note.subject  # Portuguese: the volunteer's language


def test_an_editor_or_a_stranger_cannot_see_or_mark_offers(client, cocina, offer):
    editor = cocina["listing"].memberships.get(role="editor").user
    for person in (editor, UserFactory(username="nadie")):
        client.force_login(person)
        assert "Marisol" not in client.get("/es/dashboard/offers/").content.decode()
        assert (
            client.post(f"/es/dashboard/offers/{offer.pk}/", {"state": "answered"}).status_code
            == 403
        )
    offer.refresh_from_db()
    assert offer.state == OfferState.NEW


def test_a_bad_state_changes_nothing(client, cocina, offer):
    client.force_login(cocina["ana"])
    client.post(f"/es/dashboard/offers/{offer.pk}/", {"state": "new"})
    offer.refresh_from_db()
    assert offer.state == OfferState.NEW


def test_the_signed_link_marks_without_signing_in(
    client, offer, django_capture_on_commit_callbacks
):
    path = links.offer_link(offer, "es").split("8000", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200
    assert 'value="answered"' in page.content.decode()
    offer.refresh_from_db()
    assert offer.state == OfferState.NEW  # opening the link (a mail scanner) changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path, {"state": "not_a_fit"})
    assert done.status_code == 200
    offer.refresh_from_db()
    assert offer.state == OfferState.NOT_A_FIT and offer.answered_at is not None
    assert len(mail.outbox) == 1
    reused = client.get(path)
    assert reused.status_code == 410
    assert "ya se usó" in reused.content.decode() and "/accounts/login/" in reused.content.decode()
    assert client.post(path, {"state": "answered"}).status_code == 410
    offer.refresh_from_db()
    assert offer.state == OfferState.NOT_A_FIT


def test_an_expired_or_tampered_link_says_so(client, settings, offer):
    path = links.offer_link(offer, "es").split("8000", 1)[-1]
    later = timezone.now().timestamp() + (settings.OFFER_LINK_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        expired = client.get(path)
    assert expired.status_code == 410 and "ha caducado" in expired.content.decode()
    tampered = client.get(path[:-3] + ("AAA" if not path.endswith("AAA/") else "BBB") + "/")
    assert tampered.status_code == 404 and "no funciona" in tampered.content.decode()
    assert client.post(path[:-5] + "xxxx/", {"state": "answered"}).status_code == 404
    offer.refresh_from_db()
    assert offer.state == OfferState.NEW


def test_retention_deletes_words_and_contact_and_keeps_the_counts(offer, cocina):
    old = Offer.objects.create(
        listing=cocina["listing"],
        language="es",
        sender_name="Viejo",
        sender_email="viejo@example.org",
        message="Hace tiempo.",
        created_at=timezone.now() - timedelta(days=91),
        state=OfferState.ANSWERED,
        answered_at=timezone.now() - timedelta(days=90),
    )
    call_command("purge_offers", "--dry-run")
    old.refresh_from_db()
    assert old.message == "Hace tiempo." and old.redacted_at is None
    assert services.purge_offers(dry_run=True) == 1
    assert services.purge_offers() == 1
    old.refresh_from_db()
    assert (old.sender_name, old.sender_email, old.sender_phone, old.message) == ("", "", "", "")
    assert old.redacted_at is not None and old.state == OfferState.ANSWERED
    assert Offer.objects.filter(listing=cocina["listing"]).count() == 2
    offer.refresh_from_db()
    assert offer.message  # the recent one is kept
    assert services.purge_offers() == 0  # idempotent


def _answered(listing, days: float, n: int = 1):
    now = timezone.now()
    for _ in range(n):
        Offer.objects.create(
            listing=listing,
            language="es",
            created_at=now - timedelta(days=10),
            state=OfferState.ANSWERED,
            answered_at=now - timedelta(days=10) + timedelta(days=days),
        )


def test_answers_within_appears_at_three_answered_offers_and_not_at_two(client, cocina):
    listing = cocina["listing"]
    _answered(listing, 1.5, n=2)
    Offer.objects.create(listing=listing, language="es")  # waiting: does not count
    assert services.answer_days(listing) is None
    assert "Suele responder" not in client.get("/es/listings/cocina/").content.decode()
    assert client.get("/api/v1/listings/cocina/").json()["answers_within_days"] is None
    _answered(listing, 4)
    assert services.answer_days(listing) == 2  # median 1.5 days, rounded up
    assert "Suele responder en 2 días" in client.get("/es/listings/cocina/").content.decode()
    assert client.get("/api/v1/listings/cocina/").json()["answers_within_days"] == 2


def test_answers_older_than_180_days_do_not_count(cocina):
    listing = cocina["listing"]
    now = timezone.now()
    for _ in range(3):
        Offer.objects.create(
            listing=listing,
            language="es",
            created_at=now - timedelta(days=200),
            state=OfferState.ANSWERED,
            answered_at=now - timedelta(days=199),
        )
    assert services.answer_days(listing) is None


def test_needs_with_many_waiting_offers_come_first_for_the_lead(client, cocina):
    from tests.factories import NeedFactory

    listing = cocina["listing"]
    quiet = cocina["need"]
    busy = NeedFactory(listing=listing, title_es="Choferes")
    for _ in range(3):
        Offer.objects.create(listing=listing, need=busy, language="es")
    Offer.objects.create(listing=listing, need=quiet, language="es")
    client.force_login(cocina["ana"])
    index = client.get("/es/dashboard/").content.decode()
    assert index.index("Choferes") < index.index(quiet.title_es)
    assert "3 ofertas esperando" in index
    offers = client.get("/es/dashboard/offers/").content.decode()
    assert offers.index("Choferes") < offers.index(quiet.title_es)
