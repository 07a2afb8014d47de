"""`POST /api/v1/listings/{slug}/contact/`: the relay for API clients, documented, and as
silent about the leads' addresses as the page."""

import pytest
from django.core import mail

from relay.models import Offer

from .conftest import LEAD_ADDRESSES

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings/cocina/contact/"


def raw(response) -> bytes:
    return response.serialize()


def send(client, **changes):
    data = {
        "name": "Marisol",
        "email": "marisol@volunteer.example",
        "message": "I can cook on Saturdays.",
        "language": "en",
    }
    data.update(changes)
    return client.post(URL, data, content_type="application/json")


def test_a_message_is_accepted_and_reaches_every_lead(client, cocina):
    response = send(client, need=cocina["need"].pk)
    assert response.status_code == 202, response.content
    assert response.json() == {"status": "sent", "need": cocina["need"].pk, "language": "en"}
    for address in LEAD_ADDRESSES:
        assert address not in raw(response)
    assert sorted(m.to[0] for m in mail.outbox) == [a.decode() for a in sorted(LEAD_ADDRESSES)]
    assert all(m.reply_to == ["marisol@volunteer.example"] for m in mail.outbox)
    assert Offer.objects.get().need == cocina["need"]


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"email": "", "phone": ""}, 400, "email"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"message": "x" * 2001}, 400, "message"),
        ({"message": "https://a.example http://b.example www.c.example"}, 400, "message"),
        ({"website": "filled"}, 400, "website"),
        ({"need": 999999}, 400, "need"),
        ({"language": "de"}, 400, "language"),
        ({"name": ""}, 400, "name"),
    ],
)
def test_refusals_name_the_field_and_send_nothing(client, cocina, changes, status, field):
    response = send(client, **changes)
    assert response.status_code == status, response.content
    assert field in response.json()["errors"], response.json()
    for address in LEAD_ADDRESSES:
        assert address not in raw(response)
    assert mail.outbox == [] and not Offer.objects.exists()


def test_refusals_are_in_the_readers_language(client, cocina):
    response = client.post(
        URL,
        {"name": "M", "message": "Hola", "language": "es"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400
    assert "Da un correo o un teléfono" in response.json()["errors"]["email"][0]


def test_throttled_is_429(client, cocina, settings):
    settings.RELAY_PER_CLIENT_PER_HOUR = 1
    assert send(client).status_code == 202
    response = send(client)
    assert response.status_code == 429
    assert "detail" in response.json()["errors"]
    assert len(mail.outbox) == 2


def test_nobody_to_receive_is_409_and_an_unknown_listing_404(client, db):
    from tests.factories import ListingFactory

    ListingFactory(slug="sin-nadie")
    response = client.post(
        "/api/v1/listings/sin-nadie/contact/",
        {"name": "M", "email": "m@example.org", "message": "Hola", "language": "es"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert send(client).status_code == 404  # "cocina" does not exist here


def test_the_operation_is_in_the_openapi_document(client, db):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    assert b"/api/v1/listings/{slug}/contact/" in schema
    assert b"listings_contact" in schema


def test_the_detail_says_whether_it_takes_messages(client, cocina):
    detail = client.get("/api/v1/listings/cocina/").json()
    assert detail["accepts_messages"] is True
    assert detail["answers_within_days"] is None
    for address in LEAD_ADDRESSES:
        assert address not in client.get("/api/v1/listings/cocina/").content
