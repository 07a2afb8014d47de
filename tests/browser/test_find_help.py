"""Journey 1 of DESIGN.md §1: a person without an account, on a phone, looks for food near a
city and near a ZIP code, opens the nearest result, reads its hours and who may go, and
reports a problem with it."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from directory.models import Report

from .helpers import assert_accessible, no_horizontal_scroll, shoot, t, tp

WHAT = {"es": "comida", "en": "food"}
ACCESS = ["Free of charge", "No ID required", "Walk-ins welcome"]


def search(site, lang: str, what: str, where: str):
    page = site.page
    page.get_by_label(t(lang, "What"), exact=True).fill(what)
    page.get_by_label(t(lang, "Where"), exact=True).fill(where)
    page.get_by_role("button", name=t(lang, "Search"), exact=True).click()
    page.wait_for_url("**/listings/?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == [what] and query["near"] == [where]
    return page


def result_names(page) -> list[str]:
    return page.locator("#results ol.cards > li h3").all_inner_texts()


@pytest.mark.parametrize("device", ["desktop"], indirect=True)
def test_on_a_wide_screen_the_results_sit_beside_their_map(site, pantry, device):
    site.visit("/", "en")
    page = search(site, "en", WHAT["en"], "Santa Ana, CA")
    assert result_names(page)[0] == "Despensa Solidaria Santa Ana"
    assert page.locator(".results-map .leaflet-container").first.is_visible()
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, "search-desktop-en")
    page.get_by_role("link", name="Despensa Solidaria Santa Ana").click()
    page.wait_for_url("**/en/listings/despensa-solidaria-santa-ana/")
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, "listing-desktop-en")


@pytest.mark.parametrize("device", ["phone"], indirect=True)
@pytest.mark.parametrize("lang", ["es", "en"])
def test_person_on_a_phone_finds_food_near_a_place_and_reports_a_problem(
    site, pantry, lang, device
):
    site.visit("/", lang)
    page = search(site, lang, WHAT[lang], "Santa Ana, CA")
    assert result_names(page) == [
        "Despensa Solidaria Santa Ana",
        "Cooperativa de Alimentos Anaheim",
    ]
    first = page.locator("#results ol.cards > li").first
    card_text = first.inner_text()
    for fact in ACCESS:
        assert t(lang, fact) in card_text
    assert re.search(r"\d", first.locator(".distance").inner_text())
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, f"search-{device}-{lang}")

    # The map of the results waits behind one control on a phone.
    map_toggle = page.locator("details.map-toggle")
    if map_toggle.count():
        assert not page.locator(".leaflet-container").first.is_visible()
        map_toggle.locator("summary").click()
        page.locator(".leaflet-container").first.wait_for(state="visible")
        assert_accessible(page)

    # The same search near one of the city's ZIP codes.
    page = search(site, lang, WHAT[lang], "92701")
    assert result_names(page)[0] == "Despensa Solidaria Santa Ana"
    assert_accessible(page)

    page.get_by_role("link", name="Despensa Solidaria Santa Ana").click()
    page.wait_for_url(f"**/{lang}/listings/despensa-solidaria-santa-ana/")
    assert page.get_by_role("heading", level=1).inner_text() == "Despensa Solidaria Santa Ana"
    hours = page.locator("table.hours tr")
    assert hours.count() == 7
    for row in hours.all():
        assert re.fullmatch(r"0?9[:.h]00\s*–\s*18[:.h]00", row.locator("td").inner_text().strip())
    assert page.locator(".open-status").inner_text().strip()
    access = page.get_by_role("heading", name=t(lang, "Who can go, and how"))
    assert access.is_visible()
    facts = page.locator("ul.facts--large > li").all_inner_texts()
    assert [fact.split(" ", 1)[1].strip() for fact in facts] == [t(lang, fact) for fact in ACCESS]
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, f"listing-{device}-{lang}")

    page.locator("summary", has_text=t(lang, "Report a problem")).click()
    page.get_by_label(tp(lang, "report", "The hours are wrong")).check()
    page.get_by_label(t(lang, "Tell us more (optional)")).fill("Los sábados abren a las 10.")
    assert_accessible(page)
    page.get_by_role("button", name=t(lang, "Send report")).click()
    page.wait_for_url("**/despensa-solidaria-santa-ana/?report=sent#report")
    assert page.get_by_role("heading", name=t(lang, "Thank you for your report")).is_visible()
    assert_accessible(page)
    report = Report.objects.get()
    assert (report.listing_id, report.reason, report.message, report.reporter_id) == (
        pantry.pk,
        "wrong_info",
        "[hours] Los sábados abren a las 10.",
        None,
    )


@pytest.mark.parametrize("device", ["desktop"], indirect=True)
def test_search_says_when_a_place_is_unknown_and_keeps_what_was_typed(site, pantry, device):
    site.visit("/", "es")
    page = site.page
    page.get_by_label(t("es", "What"), exact=True).fill("comida")
    page.get_by_label(t("es", "Where"), exact=True).fill("Atlantis, ZZ")
    page.get_by_role("button", name=t("es", "Search"), exact=True).click()
    page.wait_for_url("**/listings/?*")
    where = page.get_by_label(t("es", "Where"), exact=True)
    assert where.input_value() == "Atlantis, ZZ"
    assert page.get_by_label(t("es", "What"), exact=True).input_value() == "comida"
    assert "Atlantis, ZZ" in page.locator("#id_near_error").inner_text()
    assert_accessible(page)
