"""The home page in a real browser: both viewports, two languages, the language switcher."""

import pytest

from tests.factories import NeedFactory

from .helpers import assert_accessible, no_horizontal_scroll, shoot, t

HEADINGS = {
    "es": "Cooperativas, ayuda mutua y proyectos comunitarios cerca de ti",
    "en": "Co-operatives, mutual aid and community projects near you",
}


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
@pytest.mark.parametrize("lang", ["es", "en"])
def test_home_page_speaks_the_prefix_language_at_both_sizes(site, device, lang):
    NeedFactory(listing__name="Cocina Colectiva La Milpa")
    page = site.visit("/", lang)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.get_by_role("heading", level=1).inner_text() == HEADINGS[lang]
    assert page.get_by_role("heading", name="Cocina Colectiva La Milpa").is_visible()
    search = page.get_by_role("search")
    assert search.get_attribute("action") == f"/{lang}/listings/"
    assert search.get_by_label(t(lang, "What"), exact=True).get_attribute("name") == "q"
    assert search.get_by_label(t(lang, "Where"), exact=True).get_attribute("name") == "near"
    assert search.get_by_role("button", name=t(lang, "Search"), exact=True).is_visible()
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, f"home-{device}-{lang}")


@pytest.mark.parametrize("device", ["phone", "desktop"], indirect=True)
def test_language_switcher_keeps_the_page_and_its_query(site, device):
    page = site.visit("/needs/?kind=food", "es")
    switcher = page.get_by_role("navigation", name=t("es", "Language"))
    assert switcher.locator("[aria-current]").inner_text() == "Español"
    switcher.get_by_role("link", name="Português").click()
    page.wait_for_url("**/pt/needs/?kind=food")
    assert page.locator("html").get_attribute("lang") == "pt"
    page.get_by_role("navigation", name=t("pt", "Language")).get_by_role(
        "link", name="English"
    ).click()
    page.wait_for_url("**/en/needs/?kind=food")
    page.get_by_role("link", name="Tejido", exact=True).click()
    page.wait_for_url("**/en/")
    assert page.get_by_role("heading", level=1).inner_text() == HEADINGS["en"]


def test_root_follows_the_browsers_language(browser, server, guard, committed_db):
    context = browser.new_context(locale="fr-FR", extra_http_headers={"Accept-Language": "fr"})
    guard.watch(context)
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        assert page.url == server.url + "/fr/"
        assert page.locator("html").get_attribute("lang") == "fr"
    finally:
        context.close()
    assert guard.problems() == []
