"""Reading the messy values of real files: country spellings, contacts, OSM opening hours."""

import difflib
import re
from datetime import time
from functools import cache, lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from ..choices import ContactKind
from ..validators import normalize_contact_value

#: Spellings found in real files that no country list holds (constituent countries, local
#: names, common abbreviations). Keys are slugified.
COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern-ireland": "GB",
    "great-britain": "GB",
    "deutschland": "DE",
    "osterreich": "AT",
    "belgique": "BE",
    "belgie": "BE",
    "ellada": "GR",
    "latvija": "LV",
    "slovenija": "SI",
    "romania": "RO",
    "portogallo": "PT",
    "espana": "ES",
    "italia": "IT",
    "hrvatska": "HR",
    "magyarorszag": "HU",
    "polska": "PL",
    "eesti": "EE",
    "suomi": "FI",
    "usa": "US",
    "united-states-of-america": "US",
    "mexique": "MX",
    "brasil": "BR",
}
GREEK = {"ελλαδα": "GR", "ελλάδα": "GR"}


@cache
def _country_names() -> dict[str, str]:
    """Slugified English, French and Spanish names of every country -> ISO code."""
    from django.utils import translation

    names: dict[str, str] = {}
    for language in ("en", "fr", "es", "pt"):
        with translation.override(language):
            for code, name in countries:
                names.setdefault(slugify(str(name)), code)
    return names


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries)


@lru_cache(maxsize=4096)  # a file names the same few countries on every row
def country_code(value: str) -> tuple[str, bool]:
    """(ISO alpha-2, guessed) for a country as written: a code, a name in a few languages,
    a known alias, or a near spelling (guessed: the report says so); ("", False) when
    nothing fits."""
    text = value.strip()
    if not text:
        return "", False
    if len(text) == 2 and text.isalpha() and text.upper() in _country_codes():
        return text.upper(), False
    if text.casefold() in GREEK:
        return GREEK[text.casefold()], False
    key = slugify(text)
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key], False
    names = _country_names()
    if key in names:
        return names[key], False
    close = difflib.get_close_matches(key, [*names, *COUNTRY_ALIASES], n=1, cutoff=0.8)
    if close:
        return names.get(close[0]) or COUNTRY_ALIASES[close[0]], True
    return "", False


def contact(kind: str, value: str, country: str) -> str:
    """The stored form of a contact, or ValidationError. Phones written without their
    country code are read in the listing's country; web addresses without a scheme get
    https://."""
    value = value.strip()
    if kind == ContactKind.WEBSITE and re.match(r"^(www\.)?[\w-]+(\.[\w-]+)+(/|$)", value):
        value = f"https://{value}"
    try:
        return normalize_contact_value(kind, value)
    except ValidationError:
        if kind != ContactKind.PHONE:
            raise
    for attempt, region in ((value, country or None), (f"+{value}", None)):
        try:
            number = phonenumbers.parse(attempt, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": value})


# --- OpenStreetMap opening_hours: the simple forms -------------------------------------------

DAYS = {"mo": 1, "tu": 2, "we": 3, "th": 4, "fr": 5, "sa": 6, "su": 7}
_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAYS = rf"{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*"
_SPAN = r"\d{1,2}:\d{2}-\d{1,2}:\d{2}"
RULE = re.compile(rf"^(?:(?P<days>{_DAYS})\s+)?(?P<times>{_SPAN}(?:,{_SPAN})*|off|closed)$")


class HoursNotUnderstood(ValueError):
    pass


def _clock(text: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    if hour == 24 and minute == 0:
        return time(0, 0)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise HoursNotUnderstood(text)
    return time(hour, minute)


def _days(text: str | None) -> list[int]:
    if not text:
        return list(range(1, 8))
    days: list[int] = []
    for part in text.split(","):
        first, _dash, last = part.partition("-")
        start, end = DAYS[first.lower()], DAYS[(last or first).lower()]
        days.extend(((start - 1 + step) % 7) + 1 for step in range((end - start) % 7 + 1))
    return days


def opening_periods(text: str) -> list[tuple[int, time, time]]:
    """Weekly periods (ISO weekday, opens, closes) of OSM opening_hours in its simple forms:
    `Mo-Fr 09:00-17:00; Sa 10:00-14:00`, `Mo,We 08:00-12:00,14:00-18:00`, `24/7`, `Su off`.
    Later rules replace earlier ones for their days, as in OSM. Anything else raises
    HoursNotUnderstood."""
    text = text.strip()
    if text == "24/7":
        return [(day, time(0, 0), time(23, 59)) for day in range(1, 8)]
    by_day: dict[int, list[tuple[time, time]]] = {}
    for rule in filter(None, (part.strip() for part in text.split(";"))):
        match = RULE.match(rule)
        if match is None:
            raise HoursNotUnderstood(rule)
        spans = []
        if match["times"] not in ("off", "closed"):
            for span in match["times"].split(","):
                opens, closes = (_clock(part) for part in span.split("-"))
                if opens == closes:
                    raise HoursNotUnderstood(span)
                spans.append((opens, closes))
        for day in _days(match["days"]):
            by_day[day] = spans
    if not by_day:
        raise HoursNotUnderstood(text)
    return [(day, opens, closes) for day in sorted(by_day) for opens, closes in by_day[day]]
