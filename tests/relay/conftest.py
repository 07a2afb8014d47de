import time

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache

from relay import guard
from tests.factories import ListingFactory, MembershipFactory, NeedFactory, UserFactory

#: The leads' addresses: no answer, page, header or error may hold them.
LEAD_ADDRESSES = (b"ana.lead@cocina.example", b"joao.lead@cocina.example")


@pytest.fixture(autouse=True)
def _throttles_afresh():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cocina(db):
    """A public listing with two leads (Spanish and Portuguese), an editor and an open need."""
    listing = ListingFactory(
        slug="cocina",
        name="Cocina Comunitaria Boyle Heights",
        location=Point(-118.2059, 34.0335, srid=4326),
        country="US",
        original_language="es",
    )
    need = NeedFactory(listing=listing, title_es="Voluntarias para cocinar", title_en="Cooks")
    ana = UserFactory(username="ana", email="ana.lead@cocina.example", preferred_language="es")
    joao = UserFactory(username="joao", email="joao.lead@cocina.example", preferred_language="pt")
    MembershipFactory(listing=listing, user=ana, role="lead")
    MembershipFactory(listing=listing, user=joao, role="lead")
    MembershipFactory(listing=listing, role="editor")
    return {"listing": listing, "need": need, "ana": ana, "joao": joao}


def form_data(listing, **changes) -> dict:
    """What a person sends after reading the form for ten seconds."""
    data = {
        "name": "Marisol",
        "email": "marisol@volunteer.example",
        "phone": "",
        "message": "Puedo cocinar los sábados por la mañana.",
        "language": "es",
        "need": "",
        "website": "",
        "stamp": guard.form_stamp(listing.pk, now=time.time() - 10),
    }
    data.update(changes)
    return data
