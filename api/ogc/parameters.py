"""The query parameters OGC API - Features adds to Tejido's filters: `limit` and `offset`
(the page), `datetime` (an instant or an interval), and `f`, `crs`, `bbox-crs` (accepted
with their only values). The filters themselves are the FilterSets of `directory.filters`."""

from dataclasses import dataclass
from datetime import UTC, datetime, time

from django import forms
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

#: Features per page: 100 unless asked (the spec's example is 10; GIS clients read more),
#: at most 10,000 (a larger `limit` is lowered to it, as the spec allows).
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
#: Deep offsets cost a scan of every row before them: beyond this, no `next` link.
MAX_OFFSET = 100_000
#: Matches counted exactly past the page: `numberMatched` is given when the count is exact.
COUNT_AHEAD = 10_000

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: Parameters of every items request besides the collection's filters.
ITEM_PARAMETERS = frozenset({"limit", "offset", "datetime", "f", "crs", "bbox-crs"})


class WindowForm(forms.Form):
    limit = forms.IntegerField(min_value=1, required=False)
    offset = forms.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False)


@dataclass(frozen=True)
class Window:
    limit: int
    offset: int

    @property
    def cap(self) -> int:
        """The count is exact below this (COUNT_AHEAD past the page)."""
        return self.offset + self.limit + COUNT_AHEAD


def window(params) -> Window:
    form = WindowForm(params)
    if not form.is_valid():
        raise ValidationError(form.errors)
    limit = min(form.cleaned_data["limit"] or DEFAULT_LIMIT, MAX_LIMIT)
    return Window(limit=limit, offset=form.cleaned_data["offset"] or 0)


def check_crs(params) -> None:
    """Only CRS84 is offered (`crs` and `bbox-crs` of Part 2 are accepted with it)."""
    for name in ("crs", "bbox-crs"):
        if name in params and params[name] != CRS84:
            raise ValidationError({name: [_("Only %(crs)s is offered.") % {"crs": CRS84}]})


def _instant(text: str, *, end: bool) -> datetime | None:
    """A bound of an interval: None when open (`..` or empty); a date is its whole day
    (UTC); a time without offset is UTC."""
    if text in ("", ".."):
        return None
    if "T" not in text.upper():
        day = parse_date(text)  # ValueError when not a real date
        if day is None:
            raise ValueError(text)
        moment = datetime.combine(day, time.max if end else time.min)
    else:
        moment = parse_datetime(text.upper())
        if moment is None:
            raise ValueError(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def interval(params) -> tuple[datetime | None, datetime | None] | None:
    """`datetime` as (start, end), either open (None); None without the parameter."""
    text = params.get("datetime")
    if text is None:
        return None
    message = _("Give an RFC 3339 date-time or date, or an interval: start/end, ../end or start/..")
    parts = text.strip().split("/")
    if len(parts) > 2 or parts == [""] or parts == [".."]:
        raise ValidationError({"datetime": [message]})
    try:
        if len(parts) == 1:
            start, end = _instant(parts[0], end=False), _instant(parts[0], end=True)
            if "T" in parts[0].upper():
                end = start
        else:
            start, end = _instant(parts[0], end=False), _instant(parts[1], end=True)
    except ValueError:
        raise ValidationError({"datetime": [message]}) from None
    if start is None and end is None:
        raise ValidationError({"datetime": [message]})
    if start is not None and end is not None and start > end:
        raise ValidationError({"datetime": [_("The start must not be after the end.")]})
    return start, end


def utc_text(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with `Z`, as OGC examples write it."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now_text() -> str:
    return utc_text(datetime.now(UTC).replace(microsecond=0))
