"""The contact relay's page (DESIGN.md §9): a message reaches every lead by e-mail, the
sender never sees a lead's address, and every refusal says why and sends nothing."""

import time

import pytest
from django.core import mail

from relay import guard
from relay.models import Offer, OfferState

from .conftest import LEAD_ADDRESSES, form_data

pytestmark = pytest.mark.django_db
URL = "/es/listings/cocina/contact/"


def assert_no_lead_address(response):
    raw = response.serialize() if hasattr(response, "serialize") else bytes(response.content)
    for address in LEAD_ADDRESSES:
        assert address not in raw, address


def test_the_form_works_without_javascript_and_shows_no_address(client, cocina):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        'name="stamp"' in body
        and 'class="honeypot"' in body
        and "<script" not in body.split("<main")[-1].split("</main>")[0]
    )
    assert_no_lead_address(response)


def test_a_need_chosen_from_offer_help_is_preselected(client, cocina):
    need = cocina["need"]
    response = client.get(f"{URL}?need={need.pk}")
    assert f'<option value="{need.pk}" selected>' in response.content.decode()
    assert "Ofrecer ayuda" in response.content.decode() or "Offer help" in response.content.decode()


def test_every_lead_gets_the_message_in_their_language_with_the_sender_as_reply_to(
    client, cocina, django_capture_on_commit_callbacks
):
    need = cocina["need"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form_data(cocina["listing"], need=str(need.pk)))
    assert response.status_code == 302
    assert_no_lead_address(response)
    sent = client.get(response["Location"])
    assert sent.status_code == 200
    assert_no_lead_address(sent)
    assert len(mail.outbox) == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"ana.lead@cocina.example", "joao.lead@cocina.example"}
    for message in mail.outbox:
        assert message.reply_to == ["marisol@volunteer.example"]
        assert len(message.to) == 1 and not message.cc and not message.bcc
        headers = message.message().as_string()
        other = ({"ana.lead@cocina.example", "joao.lead@cocina.example"} - set(message.to)).pop()
        assert other not in headers
        assert "Puedo cocinar los sábados" in message.body
        html = message.alternatives[0][0]
        assert "Puedo cocinar los sábados" in html
    assert "Sobre la necesidad" in by_address["ana.lead@cocina.example"].body
    assert "Sobre a necessidade" in by_address["joao.lead@cocina.example"].body
    offer = Offer.objects.get()
    assert (offer.listing, offer.need, offer.state, offer.delivered_to) == (
        cocina["listing"],
        need,
        OfferState.NEW,
        2,
    )
    assert offer.language == "es"


def test_a_phone_alone_is_enough_and_neither_is_refused(client, cocina):
    listing = cocina["listing"]
    response = client.post(URL, form_data(listing, email="", phone="+1 213 555 0100"))
    assert response.status_code == 302
    assert mail.outbox[0].reply_to is None or mail.outbox[0].reply_to == []
    assert "+1 213 555 0100" in mail.outbox[0].body
    mail.outbox.clear()
    response = client.post(URL, form_data(listing, email="", phone=""))
    assert response.status_code == 400
    assert "Da un correo o un teléfono" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"website": "http://spam.example"}, 400, "campo que debía quedar vacío"),
        ({"stamp": "tampered"}, 400, "no se pudo comprobar"),
        ({"message": "x" * 2001}, 400, "2000"),
        (
            {"message": "Mira https://a.example y www.b.example y http://c.example"},
            400,
            "como máximo 2 enlaces",
        ),
    ],
    ids=["honeypot", "tampered-stamp", "over-long", "too-many-links"],
)
def test_refusals_say_why_and_send_nothing(client, cocina, changes, status, words):
    response = client.post(URL, form_data(cocina["listing"], **changes))
    assert response.status_code == status
    body = response.content.decode()
    assert words in body, body[:3000]
    assert 'class="error-summary"' in body
    assert mail.outbox == [] and not Offer.objects.exists()
    assert_no_lead_address(response)


def test_a_form_sent_too_fast_is_refused_and_kept(client, cocina):
    listing = cocina["listing"]
    response = client.post(URL, form_data(listing, stamp=guard.form_stamp(listing.pk)))
    assert response.status_code == 400
    body = response.content.decode()
    assert "muy rápido" in body
    assert "Puedo cocinar los sábados" in body  # nothing lost: the words are in the form
    assert mail.outbox == [] and not Offer.objects.exists()


def test_a_form_left_open_for_days_is_refused_and_kept(client, cocina):
    listing = cocina["listing"]
    old = guard.form_stamp(listing.pk, now=time.time() - 3 * 86400)
    response = client.post(URL, form_data(listing, stamp=old))
    assert response.status_code == 400
    assert "más de un día" in response.content.decode()
    assert mail.outbox == []


def test_the_client_throttle(client, cocina, settings):
    settings.RELAY_PER_CLIENT_PER_HOUR = 2
    listing = cocina["listing"]
    for _ in range(2):
        assert client.post(URL, form_data(listing)).status_code == 302
    mail.outbox.clear()
    response = client.post(URL, form_data(listing))
    assert response.status_code == 429
    assert "varios mensajes en la última hora" in response.content.decode()
    assert mail.outbox == [] and Offer.objects.count() == 2


def test_the_listing_throttle_counts_every_client(client, cocina, settings):
    settings.RELAY_PER_LISTING_PER_DAY = 2
    listing = cocina["listing"]
    for n in range(2):
        data = form_data(listing)
        assert client.post(URL, data, REMOTE_ADDR=f"10.0.0.{n}").status_code == 302
    response = client.post(URL, form_data(listing), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "muchos mensajes hoy" in response.content.decode()


def test_the_need_throttle(client, cocina, settings):
    settings.RELAY_PER_NEED_PER_DAY = 1
    listing, need = cocina["listing"], cocina["need"]
    assert client.post(URL, form_data(listing, need=str(need.pk))).status_code == 302
    response = client.post(URL, form_data(listing, need=str(need.pk)), REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429
    assert "con esta necesidad hoy" in response.content.decode()
    # Without the need, the listing still takes messages.
    assert client.post(URL, form_data(listing), REMOTE_ADDR="10.0.0.7").status_code == 302


def test_a_need_of_another_listing_is_refused(client, cocina):
    from tests.factories import NeedFactory

    other = NeedFactory()
    response = client.post(URL, form_data(cocina["listing"], need=str(other.pk)))
    assert response.status_code == 400
    assert mail.outbox == []


def test_a_listing_without_leads_says_so(client, db):
    from tests.factories import ListingFactory

    listing = ListingFactory(slug="sin-nadie")
    page = client.get("/es/listings/sin-nadie/contact/")
    assert "Nadie recibe todavía mensajes" in page.content.decode()
    response = client.post("/es/listings/sin-nadie/contact/", form_data(listing))
    assert response.status_code == 409
    assert mail.outbox == []


def test_hidden_and_archived_listings_take_no_messages(client, cocina):
    listing = cocina["listing"]
    listing.status = "archived"
    listing.save()
    assert client.get(URL).status_code == 404
    assert client.post(URL, form_data(listing)).status_code == 404


def test_a_mail_server_that_refuses_keeps_nothing_and_says_so(client, cocina, settings):
    settings.EMAIL_BACKEND = "tests.relay.test_relay_page.RefusingBackend"
    response = client.post(URL, form_data(cocina["listing"]))
    assert response.status_code == 503
    body = response.content.decode()
    assert "no se pudo enviar" in body and "Puedo cocinar los sábados" in body
    assert not Offer.objects.exists()
    assert_no_lead_address(response)


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused({"ana.lead@cocina.example": (550, b"no")})


def test_the_listing_page_and_the_need_cards_lead_to_the_form(client, cocina):
    page = client.get("/es/listings/cocina/").content.decode()
    assert 'href="/es/listings/cocina/contact/"' in page
    assert f'href="/es/listings/cocina/contact/?need={cocina["need"].pk}"' in page
    board = client.get("/es/needs/").content.decode()
    assert f"/es/listings/cocina/contact/?need={cocina['need'].pk}" in board
