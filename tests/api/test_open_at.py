"""`open_at`: "open when I can go", a local weekday and time evaluated in each listing's own
time zone (UX.md "Is it open when I can go?"; DESIGN.md §3)."""

from datetime import time

import pytest
from django import forms

from directory.fields import WeekTimeField
from directory.models import OpeningPeriod
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

SATURDAY_10 = (6, time(10, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sat 10:00", SATURDAY_10),
        ("Saturday 10:00", SATURDAY_10),
        ("sábado 10h", SATURDAY_10),
        ("SAB 10", SATURDAY_10),
        ("sáb. 10:00", SATURDAY_10),
        ("samedi 10h00", SATURDAY_10),
        ("sam 10:00", SATURDAY_10),
        ("6T10:00", SATURDAY_10),
        ("sat 10am", SATURDAY_10),
        ("sat 10pm", (6, time(22, 0))),
        ("sat 12am", (6, time(0, 0))),
        ("segunda-feira 9:30", (1, time(9, 30))),
        ("miércoles 18:00", (3, time(18, 0))),
        ("qua 18:00", (3, time(18, 0))),
        ("jeudi 7h", (4, time(7, 0))),
        ("7T23:59", (7, time(23, 59))),
    ],
)
def test_week_times_read_in_four_languages_and_iso(text, expected):
    assert WeekTimeField().clean(text) == expected


@pytest.mark.parametrize("text", ["funday 10:00", "sat", "sat 24:00", "sat 10:61", "8T10:00"])
def test_a_bad_week_time_is_refused(text):
    with pytest.raises(forms.ValidationError):
        WeekTimeField().clean(text)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["slug"] for item in response.json()["results"])


@pytest.fixture
def hours():
    """Saturday mornings in Mexico City, Saturday mornings in Los Angeles, and a bar open
    from Friday 22:00 to Saturday 02:00."""
    for slug, tz in (("cdmx", "America/Mexico_City"), ("la", "America/Los_Angeles")):
        listing = ListingFactory(slug=slug, timezone=tz)
        OpeningPeriod.objects.create(
            listing=listing, weekday=6, opens=time(9, 0), closes=time(13, 0)
        )
    late = ListingFactory(slug="late", timezone="America/Mexico_City")
    OpeningPeriod.objects.create(listing=late, weekday=5, opens=time(22, 0), closes=time(2, 0))
    ListingFactory(slug="no-hours")


@pytest.mark.parametrize(
    ("open_at", "expected"),
    [
        ("sat 10:00", ["cdmx", "la"]),  # local time at each listing, not one clock
        ("6T09:00", ["cdmx", "la"]),  # opening minute included
        ("sat 13:00", []),  # closing minute excluded
        ("sun 10:00", []),
        ("fri 23:00", ["late"]),
        ("sat 01:30", ["late"]),  # Friday's period runs past midnight
        ("sat 02:00", []),
        ("vendredi 22h", ["late"]),
    ],
)
def test_open_at_matches_each_listings_local_hours(api, hours, open_at, expected):
    assert slugs(api.get("/api/v1/listings/", {"open_at": open_at})) == expected


def test_open_at_combines_with_other_filters(api, hours):
    response = api.get("/api/v1/listings/", {"open_at": "sat 10:00", "q": "nothing-like-it"})
    assert slugs(response) == []


def test_a_bad_open_at_is_a_400_in_the_readers_language(api):
    response = api.get(
        "/api/v1/listings/", {"open_at": "funday 10"}, headers={"accept-language": "es"}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["open_at"]
    assert response.json()["errors"]["open_at"][0].startswith("Indica un día y una hora")
