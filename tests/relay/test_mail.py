"""Every e-mail is a translated template with a plain-text part, in the recipient's
language; names are escaped in the HTML part and left as written in the text part. One
test sends through a real SMTP server on loopback (aiosmtpd) and reads the message back."""

import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from django.core import mail as django_mail

from relay import mail
from relay.models import Offer

from .conftest import form_data

pytestmark = pytest.mark.django_db

MESSAGES = (
    "offer_to_leads",
    "offer_answered",
    "offer_not_a_fit",
    "still_current_reminder",
    "listing_archived",
)
SUBJECTS = {
    ("offer_answered", "es"): "respondió a tu oferta",
    ("offer_answered", "pt"): "respondeu à sua oferta",
    ("offer_answered", "fr"): "a répondu à votre offre",
    ("offer_answered", "en"): "answered your offer",
}


@pytest.fixture
def hostile(cocina):
    listing = cocina["listing"]
    listing.name = "<script>alert('x')</script> & Co"
    listing.save()
    offer = Offer.objects.create(
        listing=listing,
        need=cocina["need"],
        language="es",
        sender_name="Ana <b>",
        sender_email="ana@example.org",
        message="Hola <img src=x>",
    )
    return listing, offer, cocina["need"]


@pytest.mark.parametrize("language", ["es", "pt", "fr", "en"])
@pytest.mark.parametrize("name", MESSAGES)
def test_each_message_renders_in_each_language(hostile, name, language):
    listing, offer, need = hostile
    context = {
        "listing": listing,
        "offer": offer,
        "need": need,
        "mark_url": "https://t.example/m",
        "dashboard_url": "https://t.example/d",
        "confirm_url": "https://t.example/c",
        "listing_url": "https://t.example/l",
        "needs_url": "https://t.example/n",
        "reason": "Nobody confirmed it as current for a year.",
    }
    subject, text, html = mail.render(name, context, language)
    assert "\n" not in subject and subject.startswith("Tejido: ")
    assert f'<html lang="{language}">' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert('x')</script> & Co" in text  # plain text: as written
    assert "&lt;" not in text and "&amp;" not in text
    if (name, language) in SUBJECTS:
        assert SUBJECTS[(name, language)] in subject


def test_a_message_is_one_person_each(hostile):
    listing, offer, _need = hostile
    recipients = [mail.Recipient("a@example.org", "es"), mail.Recipient("b@example.org", "fr")]
    sent = mail.send(recipients, "offer_answered", {"listing": listing, "offer": offer})
    assert sent == 2
    assert [m.to for m in django_mail.outbox] == [["a@example.org"], ["b@example.org"]]
    assert django_mail.outbox[1].extra_headers["Content-Language"] == "fr"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_relayed_offer_through_a_real_smtp_server(client, cocina, settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        response = client.post("/es/listings/cocina/contact/", form_data(cocina["listing"]))
        assert response.status_code == 302
        deadline = time.monotonic() + 5
        while len(inbox.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    assert sorted(r for rcpts, _ in inbox.messages for r in rcpts) == [
        "ana.lead@cocina.example",
        "joao.lead@cocina.example",
    ]
    for rcpts, content in inbox.messages:
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert message["Reply-To"] == "marisol@volunteer.example"
        assert message["To"] == rcpts[0]
        other = {"ana.lead@cocina.example", "joao.lead@cocina.example"} - set(rcpts)
        assert other.pop().encode() not in content
        assert message.get_body(("plain",)).get_content().count("Puedo cocinar los sábados") == 1
        assert "Puedo cocinar los sábados" in message.get_body(("html",)).get_content()
    assert Offer.objects.get().delivered_to == 2
