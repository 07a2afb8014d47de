"""Open now, closes at and next opening, in the listing's own time zone."""

from datetime import UTC, datetime, time

import pytest
from django.utils import translation

from directory.hours import Period, describe, next_opening, status, week

MEXICO = "America/Mexico_City"  # UTC-6, no daylight saving time since 2022


def at(iso: str) -> datetime:
    """An instant given as Mexico City local time."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso).replace(tzinfo=ZoneInfo(MEXICO))


WEEKDAYS_9_TO_18 = [Period(d, time(9), time(18)) for d in range(1, 6)]


def test_it_is_open_inside_a_period_and_says_when_it_closes():
    # 2026-03-04 is a Wednesday.
    state = status(WEEKDAYS_9_TO_18, MEXICO, at("2026-03-04T10:30"))
    assert state.is_open and state.closes_at == time(18) and state.closes_weekday == 3


def test_it_is_closed_at_the_closing_minute_and_opens_tomorrow():
    state = status(WEEKDAYS_9_TO_18, MEXICO, at("2026-03-04T18:00"))
    assert not state.is_open
    assert (state.opens_at, state.opens_weekday, state.opens_in_days) == (time(9), 4, 1)


def test_it_opens_later_today_before_the_first_period():
    state = status(WEEKDAYS_9_TO_18, MEXICO, at("2026-03-04T07:15"))
    assert (state.is_open, state.opens_at, state.opens_in_days) == (False, time(9), 0)


def test_on_friday_evening_the_next_opening_is_monday():
    state = status(WEEKDAYS_9_TO_18, MEXICO, at("2026-03-06T19:00"))
    assert (state.opens_weekday, state.opens_in_days) == (1, 3)
    with translation.override("en"):
        assert describe(state) == "Closed · opens Monday at 9:00"


def test_status_uses_the_listings_time_zone_not_the_servers():
    # 15:30 UTC is 9:30 in Mexico City: open there, though 15:30 is not 9:30.
    utc = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    assert status([Period(3, time(9), time(10))], MEXICO, utc).is_open
    assert not status([Period(3, time(9), time(10))], "Asia/Tokyo", utc).is_open


def test_an_overnight_period_is_open_after_midnight_of_the_next_day():
    bar = [Period(5, time(20), time(2))]  # Friday 20:00 to Saturday 2:00
    saturday_1am = status(bar, MEXICO, at("2026-03-07T01:00"))
    assert saturday_1am.is_open and saturday_1am.closes_at == time(2)
    assert saturday_1am.closes_weekday == 6
    assert not status(bar, MEXICO, at("2026-03-07T02:00")).is_open


def test_a_sunday_overnight_period_wraps_into_monday():
    late = [Period(7, time(22), time(3))]
    assert status(late, MEXICO, at("2026-03-09T02:59")).is_open  # Monday
    state = status(late, MEXICO, at("2026-03-09T03:00"))
    assert (state.is_open, state.opens_weekday, state.opens_in_days) == (False, 7, 6)


def test_back_to_back_periods_close_at_the_end_of_the_last():
    split = [Period(1, time(9), time(12)), Period(1, time(12), time(18))]
    assert status(split, MEXICO, at("2026-03-02T10:00")).closes_at == time(18)


def test_a_lunch_break_gives_the_afternoon_opening():
    split = [Period(1, time(9), time(13)), Period(1, time(15), time(19))]
    state = status(split, MEXICO, at("2026-03-02T14:00"))
    assert (state.is_open, state.opens_at, state.opens_in_days) == (False, time(15), 0)


def test_open_around_the_clock_has_no_closing_time():
    always = [Period(d, time(0), time(23, 59)) for d in range(1, 8)]
    always += [Period(d, time(23, 59), time(0)) for d in range(1, 8)]
    state = status(always, MEXICO, at("2026-03-02T10:00"))
    assert state.is_open and state.closes_at is None


@pytest.mark.parametrize("zone", ["", "Not/AZone"])
def test_no_status_without_a_valid_time_zone(zone):
    assert status(WEEKDAYS_9_TO_18, zone, at("2026-03-04T10:00")) is None


def test_no_status_without_periods():
    assert status([], MEXICO, at("2026-03-04T10:00")) is None
    assert describe(None) == ""


def test_describe_in_english():
    with translation.override("en"):
        assert describe(status(WEEKDAYS_9_TO_18, MEXICO, at("2026-03-04T10:30"))) == (
            "Open now · closes at 18:00"
        )
        assert describe(status(WEEKDAYS_9_TO_18, MEXICO, at("2026-03-04T20:00"))) == (
            "Closed · opens tomorrow at 9:00"
        )


def test_week_lists_every_day_and_marks_today():
    days = week(WEEKDAYS_9_TO_18, MEXICO, at("2026-03-07T10:00"))  # Saturday
    assert [d.weekday for d in days] == [1, 2, 3, 4, 5, 6, 7]
    assert days[0].hours == (("9:00", "18:00"),) and days[5].hours == ()
    assert [d.is_today for d in days] == [False] * 5 + [True, False]


def test_next_opening_is_a_local_datetime():
    opening = next_opening(WEEKDAYS_9_TO_18, MEXICO, at("2026-03-06T19:00"))
    assert opening == at("2026-03-09T09:00")
    assert next_opening(WEEKDAYS_9_TO_18, MEXICO, at("2026-03-06T10:00")) == at("2026-03-06T10:00")
