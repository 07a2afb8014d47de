"""Opening hours in a listing's own time zone: open now, closes at, next opening.

Pure Python over weekly periods (ISO weekday 1-7, opens, closes) with the same rules as the
`open_now` SQL of `directory.selectors`: a period whose `closes` is before its `opens` runs
past midnight into the next day. A listing without a (valid) time zone has no status: the
SQL cannot say it is open either.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

#: At most this many chained periods (9-12, 12-18...) are followed to find a closing time.
MAX_CHAIN = 14


@dataclass(frozen=True)
class Period:
    weekday: int  # ISO: 1 = Monday ... 7 = Sunday
    opens: time
    closes: time

    @property
    def overnight(self) -> bool:
        return self.closes < self.opens


@dataclass(frozen=True)
class OpenStatus:
    """What a reader needs to know now. Times are local to the listing."""

    is_open: bool
    #: While open: when it closes, and on which ISO weekday (it may be tomorrow).
    closes_at: time | None = None
    closes_weekday: int | None = None
    #: While closed: the next opening, and in how many days (0 = later today).
    opens_at: time | None = None
    opens_weekday: int | None = None
    opens_in_days: int | None = None


def zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_now(timezone_name: str, now: datetime) -> datetime | None:
    """`now` (aware) in the listing's time zone, or None without a valid zone."""
    tz = zone(timezone_name)
    return None if tz is None else now.astimezone(tz)


WEEK = 7 * 24 * 60


def _intervals(periods: list[Period]) -> list[tuple[int, int]]:
    """Periods as [start, end) minutes from Monday 00:00 (end may pass the week's end)."""
    out = []
    for p in periods:
        start = (p.weekday - 1) * 24 * 60 + p.opens.hour * 60 + p.opens.minute
        length = (p.closes.hour * 60 + p.closes.minute) - (p.opens.hour * 60 + p.opens.minute)
        if p.overnight:
            length += 24 * 60
        if length > 0:
            out.append((start, start + length))
    return sorted(out)


def _covering(intervals: list[tuple[int, int]], minute: int) -> tuple[int, int] | None:
    for start, end in intervals:
        for shift in (0, -WEEK, WEEK):
            if start + shift <= minute < end + shift:
                return start + shift, end + shift
    return None


def status(periods: list[Period], timezone_name: str, now: datetime) -> OpenStatus | None:
    """Open or closed at `now` (an aware datetime), in the zone `timezone_name`; None when
    there are no periods or no valid time zone."""
    local = local_now(timezone_name, now)
    if local is None or not periods:
        return None
    intervals = _intervals(periods)
    if not intervals:
        return None
    minute = (local.isoweekday() - 1) * 24 * 60 + local.hour * 60 + local.minute
    covering = _covering(intervals, minute)
    if covering is not None:
        end = covering[1]
        for _step in range(MAX_CHAIN):  # 9-12 then 12-18: it closes at 18
            following = _covering(intervals, end)
            if following is None or following[1] <= end:
                break
            end = following[1]
        if end - minute >= WEEK:  # open around the clock
            return OpenStatus(is_open=True)
        end %= WEEK
        return OpenStatus(
            is_open=True,
            closes_at=time(end % (24 * 60) // 60, end % 60),
            closes_weekday=end // (24 * 60) + 1,
        )
    ahead = min((start - minute) % WEEK for start, _end in intervals)
    start = (minute + ahead) % WEEK
    today_start = minute - local.hour * 60 - local.minute
    days = (minute + ahead - today_start) // (24 * 60)
    return OpenStatus(
        is_open=False,
        opens_at=time(start % (24 * 60) // 60, start % 60),
        opens_weekday=start // (24 * 60) + 1,
        opens_in_days=days,
    )


#: ISO weekday names, translated when read (`weekday_name`).
WEEKDAY_NAMES = {
    1: gettext_lazy("Monday"),
    2: gettext_lazy("Tuesday"),
    3: gettext_lazy("Wednesday"),
    4: gettext_lazy("Thursday"),
    5: gettext_lazy("Friday"),
    6: gettext_lazy("Saturday"),
    7: gettext_lazy("Sunday"),
}


def weekday_name(weekday: int) -> str:
    return str(WEEKDAY_NAMES[weekday])


def clock(t: time) -> str:
    """A local time as people read it on a door: 9:00, 18:30."""
    return f"{t.hour}:{t.minute:02d}"


def describe(state: OpenStatus | None) -> str:
    """ "Open now · closes at 18:00", "Closed · opens Monday at 9:00"... ("" without status)."""
    if state is None:
        return ""
    if state.is_open:
        if state.closes_at is None:
            return _("Open now · open around the clock")
        return _("Open now · closes at %(time)s") % {"time": clock(state.closes_at)}
    when = {"time": clock(state.opens_at), "day": weekday_name(state.opens_weekday)}
    if state.opens_in_days == 0:
        return _("Closed · opens today at %(time)s") % when
    if state.opens_in_days == 1:
        return _("Closed · opens tomorrow at %(time)s") % when
    return pgettext("opening hours", "Closed · opens %(day)s at %(time)s") % when


@dataclass(frozen=True)
class Day:
    weekday: int
    name: str
    hours: tuple[tuple[str, str], ...]
    is_today: bool


def week(periods: list[Period], timezone_name: str = "", now: datetime | None = None):
    """The seven days from Monday, each with its periods as ("9:00", "13:00") in order;
    `is_today` in the listing's zone when `now` is given."""
    local = local_now(timezone_name, now) if now is not None else None
    today = local.isoweekday() if local is not None else None
    days = []
    for weekday in range(1, 8):
        hours = tuple(
            (clock(p.opens), clock(p.closes))
            for p in sorted(periods, key=lambda p: p.opens)
            if p.weekday == weekday
        )
        days.append(Day(weekday, weekday_name(weekday), hours, weekday == today))
    return days


def next_opening(periods: list[Period], timezone_name: str, now: datetime) -> datetime | None:
    """The next local datetime at which the listing opens (now or later), or None."""
    state = status(periods, timezone_name, now)
    if state is None:
        return None
    local = local_now(timezone_name, now)
    if state.is_open:
        return local
    day = (local + timedelta(days=state.opens_in_days)).date()
    return datetime.combine(day, state.opens_at, tzinfo=local.tzinfo)
