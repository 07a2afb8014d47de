"""Journey 2 of DESIGN.md §1: a project lead signs up, confirms the e-mail address from the
message Tejido sends, signs in, lists the project with only its neighbourhood public, adds two
needs and sees it waiting for a moderator."""

import re

import pytest
from django.core import mail
from django.test import Client

from directory.choices import ListingStatus, LocationPrecision
from directory.models import Listing

from .helpers import assert_accessible, no_horizontal_scroll, shoot, t

PASSWORD = "una clave larga de prueba 7"
#: The listing's true point: only its ~1 km cell (centre 33.745, -117.875) may be public.
TRUE_LAT, TRUE_LNG = "33.74912", "-117.87345"


def sign_up(site, lang: str, username: str, email: str):
    page = site.visit("/accounts/signup/", lang)
    assert_accessible(page)
    page.get_by_label(t(lang, "Email"), exact=True).fill(email)
    page.get_by_label(t(lang, "Username"), exact=True).fill(username)
    page.get_by_label(t(lang, "Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t(lang, "Password (again)"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t(lang, "Sign Up"), exact=True).click()
    page.wait_for_url(f"**/{lang}/accounts/confirm-email/")
    assert_accessible(page)

    (message,) = mail.outbox
    assert message.to == [email]
    link = re.search(r"https?://\S+/confirm-email/\S+/", message.body).group(0)
    assert link.startswith(f"{site.base_url}/{lang}/accounts/confirm-email/")
    page.goto(link)
    assert email in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name=t(lang, "Confirm"), exact=True).click()
    page.wait_for_url(re.compile(rf"/{lang}/(dashboard|accounts/login)/$"))
    if page.url.endswith("/dashboard/"):  # confirmed in the browser it signed up in
        page.get_by_role("button", name=t(lang, "Sign out")).click()
        page.wait_for_url(f"**/{lang}/")
        page.get_by_role("link", name=t(lang, "Sign in"), exact=True).click()
        page.wait_for_url(f"**/{lang}/accounts/login/**")

    page.locator("input[name=login]").fill(email)
    page.get_by_label(t(lang, "Password"), exact=True).fill(PASSWORD)
    assert_accessible(page)
    page.get_by_role("button", name=t(lang, "Sign In"), exact=True).click()
    page.wait_for_url(f"**/{lang}/dashboard/")
    return page


def decimal(lang: str, text: str) -> str:
    """A number as a reader of `lang` types it (a decimal comma in Spanish)."""
    return text.replace(".", ",") if lang == "es" else text


def fill_listing(page, lang: str, name: str):
    page.get_by_role("radio", name=t(lang, "Mutual aid"), exact=True).check()
    page.get_by_label(t(lang, "Name"), exact=True).fill(name)
    page.get_by_label(t(lang, "Which language do you mainly write in?")).select_option("es")
    summary = page.locator("#id_summary_es")
    if not summary.is_visible():
        page.locator("details.language-group > summary").first.click()
    summary.fill("Ollas comunes para familias del barrio, sin preguntas.")
    page.get_by_label(t(lang, "Latitude"), exact=True).fill(decimal(lang, TRUE_LAT))
    page.get_by_label(t(lang, "Longitude"), exact=True).fill(decimal(lang, TRUE_LNG))
    area_label = t(lang, "Neighbourhood (about 1 km)")
    page.get_by_role("radio", name=area_label, exact=True).check()
    page.get_by_label(t(lang, "City or town"), exact=True).fill("Santa Ana")
    page.get_by_label(t(lang, "State or province"), exact=True).fill("CA")
    page.get_by_label(t(lang, "Country"), exact=True).select_option("US")
    page.get_by_role("checkbox", name=t(lang, "No ID required"), exact=True).check()


def add_need(page, lang: str, listing_name: str, kind: str, title: str, skills: str = ""):
    page.locator(f"#listing-{Listing.objects.get(name=listing_name).slug}").get_by_role(
        "link", name=t(lang, "Add a need")
    ).click()
    page.wait_for_url("**/needs/new/")
    page.get_by_label(t(lang, "What do you need?")).select_option(kind)
    page.get_by_label(t(lang, "Which language do you write in?")).select_option("es")
    title_field = page.locator("#id_title_es")
    if not title_field.is_visible():
        page.locator("details.language-group > summary").first.click()
    title_field.fill(title)
    if skills:
        page.get_by_label(t(lang, "Skills that help (optional)")).fill(skills)
    assert_accessible(page)
    page.get_by_role("button", name=t(lang, "Save the need")).click()
    page.wait_for_url(f"**/{lang}/dashboard/")


@pytest.mark.parametrize(
    ("lang", "device"), [("es", "phone"), ("en", "desktop")], indirect=["device"]
)
def test_lead_signs_up_lists_a_project_with_two_needs_and_sees_it_pending(site, lang, device):
    name = f"Ollas Comunes del Barrio ({lang})"
    page = sign_up(site, lang, f"lead-{lang}", f"lead-{lang}@example.org")
    page.get_by_role("link", name=t(lang, "Add a listing")).first.click()
    page.wait_for_url(f"**/{lang}/dashboard/listings/new/")
    assert_accessible(page)
    fill_listing(page, lang, name)
    no_horizontal_scroll(page)
    shoot(page, f"listing-form-{device}-{lang}")
    page.get_by_role("button", name=t(lang, "Send for review"), exact=True).click()
    page.wait_for_url(f"**/{lang}/dashboard/")

    listing = Listing.objects.get(name=name)
    assert listing.status == ListingStatus.PENDING
    assert listing.location_precision == LocationPrecision.AREA
    assert (round(listing.location.y, 5), round(listing.location.x, 5)) == (
        float(TRUE_LAT),
        float(TRUE_LNG),
    )
    assert [m.user.username for m in listing.memberships.all()] == [f"lead-{lang}"]

    add_need(page, lang, name, "food", "Arroz y frijoles para 40 familias")
    add_need(page, lang, name, "volunteers", "Manos para servir los sábados", "cooking")
    assert sorted(listing.needs.values_list("kind", flat=True)) == ["food", "volunteers"]

    card = page.locator(f"#listing-{listing.slug}")
    assert t(lang, "Waiting for a moderator") in card.locator(".status").inner_text()
    assert card.locator(".dash-need").all_inner_texts()[0].strip()
    titles = card.locator(".dash-need strong").all_inner_texts()
    assert sorted(titles) == ["Arroz y frijoles para 40 familias", "Manos para servir los sábados"]
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, f"dashboard-{device}-{lang}")

    # The lead sees its page with what is missing; nobody else finds it yet.
    page = site.visit(f"/listings/{listing.slug}/", lang)
    banner = page.locator(".banner--warning").inner_text()
    assert t(lang, "Not public: %(state)s", state=t(lang, "Pending review")) in banner
    assert_accessible(page)
    assert Client().get(f"/{lang}/listings/{listing.slug}/").status_code == 404
