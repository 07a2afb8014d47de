"""The guard every browser test relies on does catch what it is there to catch."""

import pytest

from .helpers import DEVICES, Guard


@pytest.fixture
def unguarded_page(browser, guard):
    """A page whose Content-Security-Policy is bypassed, so that requests reach the guard."""
    context = browser.new_context(**DEVICES["desktop"], bypass_csp=True)
    guard.watch(context)
    yield context.new_page()
    context.close()


def test_guard_records_other_hosts_dialogs_errors_and_tiles_apart(
    unguarded_page, server, guard, committed_db
):
    page = unguarded_page
    page.goto(server.url + "/en/")
    page.evaluate("() => fetch('https://cdn.example.org/x.js').catch(() => null)")
    page.evaluate(
        "() => new Promise(done => { const img = new Image(); img.onerror = img.onload = done;"
        " img.src = 'https://a.tile.openstreetmap.org/1/0/0.png'; })"
    )
    page.evaluate("() => alert('hello')")
    page.evaluate("() => { setTimeout(() => { throw new Error('boom'); }, 0); }")
    page.evaluate("() => console.error('broken')")
    page.wait_for_timeout(100)

    assert guard.foreign == ["https://cdn.example.org/x.js"]
    assert guard.tiles == ["https://a.tile.openstreetmap.org/1/0/0.png"]
    assert guard.dialogs == ["alert: hello"]
    assert [error.split("\n")[0] for error in guard.page_errors] == ["boom"]
    assert [error.split(" (")[0] for error in guard.console_errors] == ["broken"]
    problems = guard.problems()
    assert len(problems) == 4 and not any("tile.openstreetmap.org" in p for p in problems)


def test_content_security_policy_violations_count_as_console_errors(site, guard):
    page = site.visit("/", "en")
    page.evaluate("() => fetch('https://cdn.example.org/x.js').catch(() => null)")
    page.wait_for_timeout(100)
    assert guard.foreign == []  # the policy stopped it before the network
    assert guard.console_errors
    assert all("Content Security Policy" in error for error in guard.console_errors)
    guard.console_errors.clear()  # seen; the site fixture checks the rest


def test_guard_starts_empty():
    assert Guard(origin="127.0.0.1:1").problems() == []


def test_live_server_serves_the_static_files_pages_use(site):
    for path in ("/static/css/site.css", "/static/vendor/leaflet/leaflet.js"):
        response = site.page.request.get(site.base_url + path)
        assert response.status == 200, path
        assert len(response.body()) > 1000
