"""The text-message look-up: a gateway's signed request in, the three nearest open
resources out, in the language of the words, in GSM-7 and as few segments as it can; no
number nor message text kept but a keyed hash for the rate limit."""

import xml.etree.ElementTree as ET
from datetime import time

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from twilio.request_validator import RequestValidator

from directory.choices import ContactKind, ListingKind
from directory.demo import load_categories
from directory.models import Category, Listing, OpeningPeriod
from sms import gsm
from tests.factories import ContactFactory, ListingFactory, PlaceFactory

pytestmark = pytest.mark.django_db

TOKEN = "test-gateway-token"
URL = "http://testserver/sms/inbound/"
SENDER = "+15625550123"


@pytest.fixture(autouse=True)
def gateway(settings):
    settings.SMS_AUTH_TOKEN = TOKEN
    settings.SMS_REQUIRE_SIGNATURE = True
    settings.SMS_MAX_PER_HOUR = 10
    cache.clear()
    yield
    cache.clear()


def listing(
    name, category, lng, lat, *, phone="", hours=True, precision="exact", zone="America/Los_Angeles"
):
    item = ListingFactory(
        name=name,
        kind=ListingKind.MUTUAL_AID,
        location=Point(lng, lat, srid=4326),
        location_precision=precision,
        timezone=zone,
    )
    item.categories.add(Category.objects.get(slug=category))
    if phone:
        ContactFactory(listing=item, kind=ContactKind.PHONE, value=phone)
    if hours:
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(listing=item, weekday=day, opens=time(0, 0), closes=time(23, 59))
            for day in range(1, 8)
        )
    return item


@pytest.fixture
def directory_data():
    load_categories()
    PlaceFactory(
        kind="postal_code",
        name="Artesia",
        ascii_name="artesia",
        postal_code="90701",
        admin1="CA",
        point=Point(-118.0814, 33.8668, srid=4326),
        population=0,
    )
    PlaceFactory()  # Santa Ana, CA
    PlaceFactory(
        kind="postal_code",
        name="Miami",
        ascii_name="miami",
        postal_code="33101",
        admin1="FL",
        point=Point(-80.1918, 25.7617, srid=4326),
        population=0,
    )
    PlaceFactory(
        name="Porto Alegre",
        ascii_name="porto alegre",
        country="BR",
        admin1="23",
        point=Point(-51.2177, -30.0346, srid=4326),
        population=1_372_741,
    )
    listing("Despensa Solidaria de Artesia", "food-banks", -118.08, 33.87, phone="+15625550100")
    listing("Cocina Comunitaria Norwalk", "community-kitchens", -118.09, 33.90)
    listing("Banco de Alimentos Cerritos", "food-banks", -118.06, 33.86, precision="area")
    listing("Comedor Bellflower", "community-kitchens", -118.12, 33.88)
    listing("Closed Pantry", "food-banks", -118.081, 33.867, hours=False)
    listing("Santa Ana Tenant Shelter", "shelters", -117.87, 33.75)
    listing("Abrigo Comunitário Porto Alegre", "shelters", -51.22, -30.03, zone="America/Sao_Paulo")
    listing("Asesoría Legal Pequeña Habana", "legal-aid", -80.20, 25.77, zone="America/New_York")


def signed_post(client, body, *, sender=SENDER, token=TOKEN, signature=None):
    params = {"From": sender, "To": "+15625559999", "Body": body}
    if signature is None:
        signature = RequestValidator(token).compute_signature(URL, params)
    return client.post("/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)


def message(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    found = root.findall("Message")
    return found[0].text if found else ""


def test_comida_and_a_zip_code_answers_in_spanish_with_the_nearest_open_ones(
    client, directory_data
):
    text = message(signed_post(client, "comida 90701"))

    lines = text.split("\n")
    assert lines[0] == "Alimentacion near 90701 Artesia, CA:".replace("near", "cerca de")
    # Three answers with a phone take two segments whatever the names: they are kept whole.
    assert (
        lines[1] == "1) Despensa Solidaria de Artesia - abierto hasta 23:59 - +15625550100 - 0.4 km"
    )
    assert gsm.segments(text) == 2
    assert "+15625550100" in lines[1]
    assert "Closed Pantry" not in text  # no hours: not known to be open
    assert "3) " in text and "MAS: 3 mas" in text
    assert "Cerritos - abierto hasta 23:59 - 2 km" in text  # an area listing: whole km
    assert all(char in gsm.GSM7 for char in text)
    assert gsm.segments(text) <= 3


def test_food_near_a_town_and_state_answers_in_english(client, directory_data):
    text = message(signed_post(client, "food near Santa Ana CA"))

    assert text.startswith("Food near Santa Ana, CA, United States of America:")
    assert "Santa Ana Tenant Shelter" not in text  # a shelter, not food


def test_abrigo_in_a_brazilian_city_answers_in_portuguese(client, directory_data):
    text = message(signed_post(client, "abrigo Porto Alegre"))

    assert text.startswith("Abrigos e albergues perto de Porto Alegre")
    assert "Abrigo Comunitario Porto Alegre" in text  # á spelled in GSM-7
    assert "aberto até 23:59" in text  # é is GSM-7


def test_ayuda_legal_and_a_zip_code_answers_in_spanish(client, directory_data):
    text = message(signed_post(client, "ayuda legal 33101"))

    assert text.startswith("Asesoria legal cerca de 33101 Miami, FL:")
    assert "1) Asesoria Legal Pequeña Habana - abierto hasta 23:59 - 1.2 km" in text  # ñ: GSM-7
    assert gsm.segments(text) == 1


@pytest.mark.parametrize(
    ("body", "start"),
    [
        ("AYUDA", "Tejido: envia"),
        ("HELP", "Tejido: send"),
        ("ajuda", "Tejido: envie"),
        ("aide", "Tejido : envoyez"),
    ],
)
def test_help_says_how_to_use_it_in_its_language(client, directory_data, body, start):
    text = message(signed_post(client, body))

    assert text.startswith(gsm.spell(start))
    assert gsm.segments(text) == 1


def test_more_gives_the_next_three_then_says_that_is_all(client, directory_data):
    first = message(signed_post(client, "comida 90701"))
    more = message(signed_post(client, "MAS"))
    last = message(signed_post(client, "mas"))

    assert "1) " in first and "4) " not in first
    assert more.startswith("1) ") is False and "Comedor Bellflower" in more
    assert "Tejido: eso es todo" in last


def test_more_without_a_search_asks_for_one(client, directory_data):
    text = message(signed_post(client, "MORE"))

    assert text.startswith("Tejido: send a new search first")


def test_an_unknown_place_and_nothing_near_get_useful_answers(client, directory_data):
    unknown = message(signed_post(client, "food Nowhereville"))
    nothing = message(signed_post(client, "clinic 90701", sender="+15625550199"))

    assert unknown.startswith(
        "Tejido does not know the place “Nowhereville”".replace("“", '"').replace("”", '"')
    )
    assert nothing.startswith("Tejido: nothing for Free clinics within 50 km of 90701 Artesia, CA")


def test_an_unsigned_or_wrongly_signed_request_is_refused(client, directory_data):
    unsigned = client.post("/sms/inbound/", {"From": SENDER, "Body": "food 90701"})
    forged = signed_post(client, "food 90701", token="not-the-token")
    tampered = signed_post(
        client,
        "food 90701",
        signature=RequestValidator(TOKEN).compute_signature(URL, {"Body": "x"}),
    )

    assert [unsigned.status_code, forged.status_code, tampered.status_code] == [403, 403, 403]


def test_a_number_over_its_rate_is_told_once_then_answered_nothing(
    client, directory_data, settings
):
    settings.SMS_MAX_PER_HOUR = 2
    answers = [message(signed_post(client, "food 90701")) for _ in range(4)]

    assert answers[0].startswith("Food near") and answers[1].startswith("Food near")
    assert answers[2] == "Tejido: too many messages. Try again in an hour."
    assert answers[3] == ""
    other = message(signed_post(client, "food 90701", sender="+15625550777"))
    assert other.startswith("Food near")


def test_no_number_and_no_message_text_is_kept(client, directory_data):
    signed_post(client, "comida 90701")
    kept = " ".join(str(key) + str(value) for key, value in cache._cache.items())  # locmem

    assert SENDER not in kept and SENDER[1:] not in kept
    assert "comida" not in kept and "90701" not in kept.replace("90701 Artesia", "")
    assert Listing.objects.filter(name__icontains="comida 90701").count() == 0


def test_unsigned_requests_are_refused_in_production_settings(client, settings):
    settings.SMS_AUTH_TOKEN = ""
    settings.SMS_REQUIRE_SIGNATURE = True

    assert client.post("/sms/inbound/", {"From": SENDER, "Body": "food"}).status_code == 403


# --- GSM-7 ------------------------------------------------------------------------------------


def test_characters_gsm7_lacks_are_spelled_with_those_it_has():
    assert (
        gsm.spell("Alimentação, Santé, “ayuda” – Œuvre…")
        == 'Alimentacao, Santé, "ayuda" - OEuvre...'
    )
    assert gsm.spell("Niño, café, über, Ça") == "Niño, café, über, Ça"  # in GSM-7 already
    assert gsm.spell("中") == "?"


def test_segments_are_counted_by_gsm7_rules():
    assert gsm.segments("a" * 160) == 1
    assert gsm.segments("a" * 161) == 2
    assert gsm.segments("a" * 306) == 2
    assert gsm.segments("a" * 307) == 3
    assert gsm.segments("€" * 80) == 1  # two septets each
    assert gsm.segments("€" * 81) == 2
    assert gsm.segments("á" * 70) == 1  # UCS-2: 70 characters
    assert gsm.segments("á" * 71) == 2


def test_a_look_up_takes_a_bounded_number_of_queries(
    client, directory_data, django_assert_max_num_queries
):
    # The gazetteer (twice: the place, then its name in the reply's language), the
    # category, the three nearest, their phones, their hours.
    with django_assert_max_num_queries(8):
        assert message(signed_post(client, "comida 90701")).startswith("Alimentacion")
