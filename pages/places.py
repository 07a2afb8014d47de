"""The "Where" of a search: a city, a US ZIP code or `lat,lng`, resolved to one point, to
a few places to choose from ("did you mean"), or to nothing (the typed text is kept)."""

import math
import re
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from directory.gazetteer import places_matching
from directory.geo import SRID

#: Candidates read from the gazetteer for one look-up.
CANDIDATES = 6
#: Among places of the same name, the most populous wins when it is this many times larger
#: than the next; otherwise the reader chooses.
DOMINANT = 5

COORDINATES = re.compile(r"^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*,\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Choice:
    """A place offered in "did you mean": its label and the text that selects it."""

    label: str
    near: str


@dataclass
class Near:
    text: str = ""
    point: Point | None = None
    label: str = ""
    choices: list[Choice] = field(default_factory=list)
    error: str = ""
    #: The point came from coordinates (the browser's location or a typed lat,lng).
    coordinates: bool = False
    #: The country of the place found (ISO code), when it was found in the gazetteer.
    country: str = ""


def place_label(place) -> str:
    """ "Santa Ana, California, United States", "90701 Artesia, CA"."""
    if place.kind == "postal_code":
        return f"{place.postal_code} {place.name}, {place.admin1}"
    region = place.admin1_name or (place.admin1 if place.country.code == "US" else "")
    country = countries.name(place.country.code)
    return ", ".join(part for part in (place.name, region, country) if part)


def place_near(place) -> str:
    """The "Where" text that selects `place` again: "Santa Ana, CA", "Santa Ana, 20, VE"."""
    if place.kind == "postal_code":
        return place.postal_code
    code = place.country.code
    if code == "US":
        return f"{place.name}, {place.admin1}" if place.admin1 else f"{place.name}, US"
    if place.admin1:
        return f"{place.name}, {place.admin1}, {code}"
    return f"{place.name}, {code}"


def _coordinates(text: str) -> Near | None:
    match = COORDINATES.match(text)
    if match is None:
        return None
    lat, lng = float(match.group(1)), float(match.group(2))
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        return Near(
            text=text,
            error=_("Coordinates are latitude (−90 to 90), then longitude (−180 to 180)."),
        )
    return Near(
        text=text,
        point=Point(lng, lat, srid=SRID),
        label=text.strip(),
        coordinates=True,
    )


def _candidates(text: str) -> list:
    parts = [part.strip() for part in text.split(",")]
    if len(parts) >= 3 and parts[0]:  # name, state code, country
        name, admin, country = parts[0], parts[1], parts[-1]
        found = list(places_matching(f"{name}, {country}")[: CANDIDATES * 4])
        return [p for p in found if admin.lower() in (p.admin1.lower(), p.admin1_name.lower())][
            :CANDIDATES
        ]
    return list(places_matching(text)[:CANDIDATES])


def resolve(text: str) -> Near:
    """Resolve the "Where" text; at most one query (the gazetteer)."""
    text = (text or "").strip()[:200]
    if not text:
        return Near()
    near = _coordinates(text)
    if near is not None:
        return near
    unknown = Near(
        text=text,
        error=_(
            "We could not find “%(place)s”. Try a city with its state or country "
            "(for example “Santa Ana, CA”), or a US ZIP code."
        )
        % {"place": text},
    )
    if "\x00" in text:
        return unknown
    places = _candidates(text)
    if not places:
        return unknown
    if text.isdigit():
        exact = [p for p in places if p.postal_code == text]
        if exact:
            return _found(text, exact[0])
        return _choose(text, places)
    key = slugify(text.split(",")[0]).replace("-", " ")
    exact = [p for p in places if p.ascii_name == key]
    qualified = "," in text
    if len(exact) == 1 or (exact and qualified):
        return _found(text, exact[0])
    if len(exact) > 1:
        first, second = exact[0], exact[1]
        if first.population >= DOMINANT * max(second.population, 1):
            return _found(text, first)
        return _choose(text, exact)
    if len(places) == 1:
        return _found(text, places[0])
    return _choose(text, places)


def _found(text: str, place) -> Near:
    return Near(text=text, point=place.point, label=place_label(place), country=place.country.code)


def _choose(text: str, places: list) -> Near:
    return Near(
        text=text, choices=[Choice(label=place_label(p), near=place_near(p)) for p in places]
    )
