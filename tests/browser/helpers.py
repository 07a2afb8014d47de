"""What the browser tests share: a guard that keeps every page on the test server, the axe check
and the screenshots.

A page visited by a test may only talk to the live server (the basemap is Tejido's own,
TILE_URL being empty). Raster tiles of tile.openstreetmap.org, should a test configure them,
are the one outside request a page is allowed to *attempt*: they are aborted and counted
apart. Anything else, a console error, an uncaught exception or a dialog (``alert`` and
friends) fails the test.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.utils import translation

#: A raster tile host a test may configure (TILE_URL): attempted, aborted, counted apart.
TILE_HOST = re.compile(r"(^|\.)tile\.openstreetmap\.org$")

#: The viewports the pages are designed for: a cheap phone first, then a laptop.
DEVICES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 1,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
}

LANGUAGES = ("es", "pt", "fr", "en")

_axe = Axe()


def t(lang: str, message: str, **values) -> str:
    """`message` as the pages show it in `lang`: the tests find labels and buttons by the
    words a reader sees, whether the catalog has translated them yet or not."""
    with translation.override(lang):
        text = translation.gettext(message)
    return text % values if values else text


def tp(lang: str, context: str, message: str) -> str:
    with translation.override(lang):
        return translation.pgettext(context, message)


def tn(lang: str, singular: str, plural: str, count: int, **values) -> str:
    with translation.override(lang):
        text = translation.ngettext(singular, plural, count)
    return text % {"counter": count, **values}


@dataclass
class Guard:
    """Everything a page did that a test should not have to look for itself."""

    origin: str  # "127.0.0.1:<port>"
    foreign: list[str] = field(default_factory=list)
    tiles: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    #: Pages (documents) loaded: their status is the test's to check (a form with errors
    #: answers 400 by design), not a console error.
    documents: set[str] = field(default_factory=set)

    def route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc == self.origin:
            if route.request.resource_type == "document":
                self.documents.add(url)
            route.continue_()
            return
        if TILE_HOST.search(parts.hostname or ""):
            self.tiles.append(url)
        else:
            self.foreign.append(url)
        route.abort()

    def console(self, message) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        if "net::ERR_FAILED" in message.text and (where in self.tiles or where in self.foreign):
            return  # a request this guard aborted: a basemap tile, or already reported
        if where in self.documents and "the server responded with a status of 4" in message.text:
            return  # the page itself answered 4xx, as bad input should
        self.console_errors.append(f"{message.text} ({where})")

    def page_error(self, error) -> None:
        self.page_errors.append(str(error))

    def dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def watch(self, context) -> None:
        context.route("**/*", self.route)
        context.on("page", self.watch_page)

    def watch_page(self, page) -> None:
        page.on("console", self.console)
        page.on("pageerror", self.page_error)
        page.on("dialog", self.dialog)

    def problems(self) -> list[str]:
        found = []
        found += [f"request to another host: {url}" for url in self.foreign]
        found += [f"console error: {text}" for text in self.console_errors]
        found += [f"uncaught exception: {text}" for text in self.page_errors]
        found += [f"dialog opened: {text}" for text in self.dialogs]
        return found


class Site:
    """The live server as a test sees it: URLs under a language prefix, one guarded page."""

    def __init__(self, page, base_url: str, guard: Guard):
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.guard = guard

    def url(self, path: str = "/", lang: str | None = "en") -> str:
        if not path.startswith("/"):
            path = "/" + path
        prefix = f"/{lang}" if lang else ""
        return f"{self.base_url}{prefix}{path}"

    def visit(self, path: str = "/", lang: str | None = "en", *, status: int = 200):
        """Opens ``/<lang><path>``, checks the status of the document and returns the page."""
        response = self.page.goto(self.url(path, lang))
        assert response is not None
        assert response.status == status, f"{response.url}: {response.status}, wanted {status}"
        return self.page

    def path(self) -> str:
        """The current page's path and query, without the server's address."""
        return self.page.url.removeprefix(self.base_url)


def serious_violations(page, context=None) -> list[dict]:
    results = _axe.run(page, context=context)
    return [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in ("serious", "critical")
    ]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        impact, rule = violation["impact"], violation["id"]
        lines.append(f"[{impact}] {rule}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node.get("target", []))
            lines.append(f"    at {target}: {node.get('html', '')[:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def assert_accessible(page, context=None) -> None:
    """No axe violation of impact "serious" or "critical" on the page as it is now."""
    violations = serious_violations(page, context)
    assert not violations, f"axe on {page.url}:\n" + describe_violations(violations)


def shots_dir() -> Path:
    directory = Path(os.environ.get("TEJIDO_SHOTS") or Path(tempfile.gettempdir()) / "tejido-shots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def shoot(page, name: str) -> Path:
    """A full-page PNG named ``<name>.png`` in $TEJIDO_SHOTS (docs/screenshots for the README)."""
    path = shots_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def no_horizontal_scroll(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
