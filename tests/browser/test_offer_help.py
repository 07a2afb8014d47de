"""A volunteer offers help on a need from the board, without an account and without seeing
any lead's address; the lead finds the offer on the dashboard and marks it answered, and the
volunteer is told (DESIGN.md §9, §10)."""

import pytest
from django.core import mail

from directory.choices import NeedKind
from relay.models import Offer, OfferState
from tests.factories import MembershipFactory, NeedFactory, UserFactory

from .helpers import assert_accessible, no_horizontal_scroll, shoot, t

LEAD_ADDRESS = "coordinadora.despensa@example.org"


@pytest.fixture
def lead_and_need(pantry, settings):
    settings.RELAY_MIN_FILL_SECONDS = 0  # a test types faster than a person
    lead = UserFactory(username="coordinadora", email=LEAD_ADDRESS, preferred_language="es")
    MembershipFactory(listing=pantry, user=lead, role="lead")
    need = NeedFactory(
        listing=pantry,
        kind=NeedKind.SKILLS,
        skills=["cooking"],
        title_es="Cocineras para el comedor del sábado",
        title_en="Cooks for the Saturday kitchen",
    )
    return lead, need


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_a_volunteer_offers_help_and_the_lead_marks_it_answered(site, open_as, lead_and_need):
    lead, need = lead_and_need
    lang = "es"
    # The need on the project's page leads to the same form, with the need chosen.
    page = site.visit(f"/listings/{need.listing.slug}/", lang)
    offer_link = page.locator(f'.needs a[href$="/contact/?need={need.pk}"]')
    assert t(lang, "Offer help") in offer_link.inner_text()
    assert LEAD_ADDRESS not in page.content()
    shoot(page, "listing-write-to-the-project-es-390")
    page = site.visit("/needs/", lang)
    card = page.locator("ol.need-cards > li").filter(has_text="Cocineras para el comedor")
    shoot(page, "needs-board-offer-help-es-390")
    card.get_by_role("link", name=t(lang, "Offer help")).click()
    page.wait_for_url(f"**/{lang}/listings/{need.listing.slug}/contact/?need={need.pk}")
    assert_accessible(page)
    no_horizontal_scroll(page)
    assert LEAD_ADDRESS not in page.content()
    # The need chosen on the card is the one the form sends.
    assert page.locator("select[name=need]").input_value() == str(need.pk)
    page.get_by_label(t(lang, "Your name"), exact=True).fill("Marisol")
    page.get_by_label(t(lang, "Your e-mail"), exact=True).fill("marisol@example.net")
    page.get_by_label(t(lang, "Your message"), exact=True).fill(
        "Puedo cocinar los sábados por la mañana. Tengo carnet de manipuladora."
    )
    shoot(page, "offer-help-form-es-390")
    page.get_by_role("button", name=t(lang, "Send message")).click()
    page.wait_for_url(f"**/{lang}/listings/{need.listing.slug}/contact/sent/**")
    assert_accessible(page)
    assert LEAD_ADDRESS not in page.content()
    shoot(page, "offer-help-sent-es-390")

    (to_lead,) = mail.outbox
    assert to_lead.to == [LEAD_ADDRESS]
    assert to_lead.reply_to == ["marisol@example.net"]
    assert "Cocineras para el comedor del sábado" in to_lead.body
    offer = Offer.objects.get()
    assert offer.need == need and offer.state == OfferState.NEW

    dashboard = open_as(lead, "desktop")
    page = dashboard.visit("/dashboard/", lang)
    page.get_by_role("link", name=t(lang, "Offers of help")).click()
    page.wait_for_url(f"**/{lang}/dashboard/offers/")
    assert_accessible(page)
    entry = page.locator(f"#offer-{offer.pk}")
    assert "Puedo cocinar los sábados" in entry.inner_text()
    shoot(page, "offers-dashboard-es-1280")
    entry.get_by_role("button", name=t(lang, "I answered")).click()
    page.wait_for_url(f"**/{lang}/dashboard/offers/**")
    assert t(lang, "Marked as answered. Thank you for answering.") in page.content()
    shoot(page, "offers-dashboard-answered-es-1280")

    offer.refresh_from_db()
    assert offer.state == OfferState.ANSWERED and offer.answered_at is not None
    told = mail.outbox[-1]
    assert told.to == ["marisol@example.net"]
    assert LEAD_ADDRESS not in told.message().as_string()
