"""The reply to a text message: the three nearest open resources (name, hours today, public
phone, distance), the next three on MORE, how to use it on HELP, and a useful answer when
the place is unknown or nothing is near. Written in GSM-7 (gsm.py) to fit one segment where
it can, never more than three.

Everything comes from public data with the public rules (DESIGN.md §6): public points,
distances rounded to whole km for listings that are not exact, public phones only.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext

from directory import hours
from directory.models import Category
from directory.selectors import ListingQuery, public_listings
from directory.selectors.handouts import opening_periods, public_distance, public_phones
from pages.places import resolve

from . import gsm
from .words import Request, language_for

PER_REPLY = 3
MAX_SEGMENTS = 3
RADIUS_KM = 50
#: Shortest a name is cut to, so that a reply fits one segment.
NAME_AT_LEAST = 18


@dataclass(frozen=True)
class Search:
    """A search to continue with MORE: what, where and how far the reader has read."""

    category: str
    lng: float
    lat: float
    place: str
    language: str
    offset: int = 0
    #: Only listings open now (the first answer); the nearest whatever their hours when
    #: none is open.
    open_now: bool = True


def help_text(language: str) -> str:
    with override(language):
        return gsm.spell(
            _(
                "Tejido: send what you need and where, e.g. “food 90701” or “shelter near "
                "Santa Ana CA”. Words: food, shelter, legal help, health, clothes. MORE: the "
                "next 3."
            )
        )


def _category(slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first() if slug else None


def start(request: Request) -> tuple[str, Search | None]:
    """The reply to a new search, and the search to continue on MORE (None if nothing)."""
    if not request.place:
        return _fit([_ask_where(language_for(request))]), None
    near = resolve(request.place)
    if near.point is None and near.choices:
        # The likeliest of a few: a basic phone cannot choose from a list.
        near = resolve(near.choices[0].near)
    language = language_for(request, near.country)
    if near.point is not None:
        with override(language):
            near = resolve(near.text)  # the place's name in the reply's language
    if near.point is None:
        with override(language):
            message = _(
                "Tejido does not know the place “%(place)s”. Send a US ZIP code or a city "
                "with its state or country, e.g. “food 90701”."
            ) % {"place": request.place[:40]}
        return _fit([message]), None
    search = Search(
        category=request.category,
        lng=near.point.x,
        lat=near.point.y,
        place=near.label,
        language=language,
    )
    return more(search)


def _ask_where(language: str) -> str:
    with override(language):
        return _("Where? Send what you need and a US ZIP code or a city, e.g. “food 90701”.")


def more(search: Search) -> tuple[str, Search | None]:
    """The next three of `search` (from its offset), and the search moved past them."""
    category = _category(search.category)
    point = Point(search.lng, search.lat, srid=4326)
    rows = _nearest(category, point, search)
    if not rows and search.open_now and not search.offset:
        # Nothing open now: the nearest all the same, each saying when it opens.
        search = Search(**{**search.__dict__, "open_now": False})
        rows = _nearest(category, point, search)
    with override(search.language):
        what = category.name if category is not None else pgettext("text message", "Help")
        if not rows:
            if search.offset:
                text = _("Tejido: that is all within %(km)s km.") % {"km": RADIUS_KM}
            else:
                text = _(
                    "Tejido: nothing for %(what)s within %(km)s km of %(place)s. Try another "
                    "word (food, shelter, legal help, health) or place."
                ) % {"what": what, "km": RADIUS_KM, "place": search.place}
            return _fit([text]), None
        head = _("%(what)s near %(place)s:") % {"what": what, "place": search.place}
        lines = _lines(rows, timezone.now())
        tail = _("MORE: next 3") if len(rows) == PER_REPLY else ""
        moved = Search(**{**search.__dict__, "offset": search.offset + len(rows)})
        return _fit([head, *lines, tail], names=True), moved


def _nearest(category, point, search: Search) -> list[tuple]:
    query = ListingQuery(
        category=category, point=point, radius_km=RADIUS_KM, open_now=search.open_now
    )
    columns = ("id", "name", "timezone", "location_precision", "distance_m")
    window = slice(search.offset, search.offset + PER_REPLY)
    return list(public_listings(query).values_list(*columns)[window])


def _lines(rows: list[tuple], now: datetime) -> list[tuple]:
    ids = [row[0] for row in rows]
    phones, periods = public_phones(ids), opening_periods(ids)
    lines = []
    for number, (listing_id, name, zone, precision, metres) in enumerate(rows, start=1):
        parts = [_today(periods.get(listing_id, []), zone, now)]
        if phone := phones.get(listing_id):
            parts.append(phone)
        parts.append(public_distance(metres, precision))
        lines.append((f"{number}) ", name, " - " + " - ".join(filter(None, parts))))
    return lines


def _today(periods: list[hours.Period], zone: str, now: datetime) -> str:
    """Today's hours in a few words ("open till 18:00"): a text message has no room for
    the listing page's sentence."""
    state = hours.status(periods, zone, now) if periods else None
    if state is None:
        return ""
    if not state.is_open:
        return pgettext("text message", "closed now")
    if state.closes_at is None:
        return pgettext("text message", "open 24 h")
    return pgettext("text message", "open till %(time)s") % {"time": hours.clock(state.closes_at)}


def _fit(parts: list, *, names: bool = False) -> str:
    """Join the reply's lines in GSM-7; cut the names (lines given as (number, name, rest))
    until it fits one segment, but not below NAME_AT_LEAST characters; never past
    MAX_SEGMENTS."""

    def render(limit: int | None) -> str:
        out = []
        for part in parts:
            if isinstance(part, tuple):
                number, name, rest = part
                if limit is not None and len(name) > limit:
                    name = name[: limit - 1].rstrip() + "."
                out.append(f"{number}{name}{rest}")
            elif part:
                out.append(part)
        return gsm.spell("\n".join(out))

    text = render(None)
    if names:
        # As few segments as cutting names (to NAME_AT_LEAST) can reach, with the longest
        # names that still reach it.
        fewest = gsm.segments(render(NAME_AT_LEAST))
        limit = max((len(p[1]) for p in parts if isinstance(p, tuple)), default=0)
        while gsm.segments(text) > fewest and limit > NAME_AT_LEAST:
            limit -= 1
            text = render(limit)
    while gsm.segments(text) > MAX_SEGMENTS:
        text = text[:-10].rstrip() + "..."
    return text
