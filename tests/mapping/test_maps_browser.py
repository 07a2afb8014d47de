"""The small maps in a real Chromium, under the site's Content-Security-Policy: hostile names
stay text, nothing leaves the machine (the basemap is Tejido's own), and nothing is refused or
fails."""

import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.staticfiles import finders

from directory.choices import LocationPrecision
from mapping.maps import place_map, results_map

from . import HOSTILE_NAME, map_page

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

POINTS = [
    {
        "lat": 19.4326,
        "lng": -99.1332,
        "name": HOSTILE_NAME,
        "url": "/en/listings/hostile/",
        "kind": "cooperative",
        "label": f"1 km · {HOSTILE_NAME}",
    },
    {
        "lat": 19.4105,
        "lng": -99.1701,
        "name": "Cocina Común",
        "url": "javascript:alert(4)",
        "kind": "mutual_aid",
    },
    {
        "lat": 19.3905,
        "lng": -99.1001,
        "name": "Huerto La Esperanza",
        "url": "/en/listings/huerto/",
        "kind": "community_project",
        "label": "Community project · 5 km",
    },
]


@pytest.fixture
def served_page():
    """A page of four maps, served from 127.0.0.1 with the CSP header its response got."""
    basemap_requests = []
    response = map_page(
        [
            results_map(POINTS),
            place_map(19.4326, -99.1332, precision=LocationPrecision.EXACT),
            place_map(19.435, -99.135, precision=LocationPrecision.AREA),
            place_map(19.45, -99.15, precision=LocationPrecision.REGION),
        ]
    )
    body, policy = response.content, response["Content-Security-Policy"]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = unquote(urlsplit(self.path).path)
            if path == "/":
                self._send(200, body, "text/html; charset=utf-8", policy)
                return
            # The basemap's own API (tests/mapping/test_basemap.py, and drawn from PostGIS in
            # tests/browser/test_basemap_browser.py): here a version and empty tiles.
            if path == "/api/v1/tiles/basemap/version":
                basemap_requests.append(path)
                self._send(200, b'{"version": "1"}', "application/json")
                return
            if path.startswith("/api/v1/tiles/basemap/") and path.endswith(".pbf"):
                basemap_requests.append(path)
                self._send(200, b"", "application/vnd.mapbox-vector-tile")
                return
            found = path.startswith("/static/") and finders.find(path[len("/static/") :])
            if found:
                kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
                self._send(200, Path(found).read_bytes(), kind)
            else:
                self._send(404, b"not found", "text/plain")

        def _send(self, status, content, kind, csp=None):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("X-Content-Type-Options", "nosniff")
            if csp:
                self.send_header("Content-Security-Policy", csp)
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", policy, basemap_requests
    server.shutdown()
    server.server_close()


def test_maps_render_hostile_names_as_text_with_no_request_elsewhere_and_no_error(served_page):
    from playwright.sync_api import expect, sync_playwright

    url, policy, basemap_requests = served_page
    assert "'unsafe-inline'" not in policy and "'nonce-" in policy
    tile_host = urlsplit(settings.TILE_URL).hostname
    tiles, leaks, dialogs, console_errors, page_errors = [], [], [], [], []

    def route(request_route):
        host = urlsplit(request_route.request.url).hostname
        if host == "127.0.0.1":
            request_route.continue_()
            return
        (tiles if host == tile_host else leaks).append(request_route.request.url)
        request_route.abort()  # offline: tiles are counted, not fetched

    def on_console(message):
        where = message.location.get("url", "") if message.location else ""
        if message.type == "error" and urlsplit(where).hostname != tile_host:
            console_errors.append(message.text)

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            context.route("**/*", route)
            context.add_init_script(
                "window.__violations = [];"
                "document.addEventListener('securitypolicyviolation', function (e) {"
                "  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI); });"
            )
            page = context.new_page()
            page.on("console", on_console)
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("dialog", on_dialog)
            page.goto(url)
            expect(page.locator(".tejido-map.is-ready")).to_have_count(4)
            page.wait_for_selector("img.leaflet-marker-icon")

            # the maps drew what they should: three points, one marker, two cells
            circles = page.locator(".tejido-map--results path.leaflet-interactive")
            assert circles.count() == 3
            # the results map fitted its view to the points of its data block: all inside
            frame = page.locator(".tejido-map--results .folium-map").bounding_box()
            for circle in circles.all():
                box = circle.bounding_box()
                centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
                assert frame["x"] < centre_x < frame["x"] + frame["width"]
                assert frame["y"] < centre_y < frame["y"] + frame["height"]
            fills = circles.evaluate_all("paths => paths.map(p => p.getAttribute('fill'))")
            assert fills == ["#0072B2", "#D55E00", "#009E73"]
            assert page.locator("img.leaflet-marker-icon").count() == 1
            assert page.locator("img.leaflet-marker-icon").evaluate("i => i.naturalWidth") > 0
            assert page.locator(".tejido-map--place .leaflet-overlay-pane path").count() == 2
            for box in page.locator(".folium-map").all():
                assert box.bounding_box()["height"] > 200

            # the hostile name opens a popup as text, with a link to its page
            marker = page.get_by_role("button", name=HOSTILE_NAME, exact=True)
            marker.click()
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for()
            assert popup.locator(".map-popup__name").text_content() == HOSTILE_NAME
            assert popup.locator(".map-popup__label").text_content() == f"1 km · {HOSTILE_NAME}"
            assert popup.locator("img, script").count() == 0
            assert popup.locator("a").get_attribute("href") == "/en/listings/hostile/"
            page.wait_for_timeout(300)
            page.screenshot(path=str(SHOTS / "map-390.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

            # keyboard: a marker takes focus and Enter opens its popup; a bad URL is no link
            page.get_by_role("button", name="Cocina Común", exact=True).focus()
            page.keyboard.press("Enter")
            page.locator(".map-popup__name", has_text="Cocina Común").wait_for()
            # the first popup closes (after Leaflet's 200 ms fade)
            expect(page.locator(".leaflet-popup")).to_have_count(1)
            assert popup.locator("strong.map-popup__name").text_content() == "Cocina Común"
            assert popup.locator("a").count() == 0
            assert page.evaluate(
                "['/en/x', '//evil.example/', '/\\\\evil.example', 'javascript:alert(1)',"
                " 'https://evil.example/', ' /x'].map(TejidoMaps.sitePath)"
            ) == ["/en/x", None, None, None, None, None]

            violations = page.evaluate("window.__violations")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.reload()
            expect(page.locator(".tejido-map.is-ready")).to_have_count(4)
            page.get_by_role("button", name="Huerto La Esperanza", exact=True).click()
            page.locator(".map-popup__name", has_text="Huerto La Esperanza").wait_for()
            page.wait_for_timeout(300)
            page.screenshot(path=str(SHOTS / "map-1280.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280
            axe = Axe().run(page, context=".tejido-map").response["violations"]
            serious = [v["id"] for v in axe if v.get("impact") in ("serious", "critical")]
            assert serious == []

            violations += page.evaluate("window.__violations")
            alerted = page.evaluate("typeof window.alert === 'function'")
        finally:
            browser.close()

    assert alerted and dialogs == []
    assert leaks == []
    # the own basemap (TILE_URL empty): no tile server elsewhere; each map asked ours
    assert tiles == []
    assert "/api/v1/tiles/basemap/version" in basemap_requests
    assert len([p for p in basemap_requests if p.endswith(".pbf")]) >= 4
    assert violations == []
    assert console_errors == []
    assert page_errors == []
