"""What a handout (a street sheet, a text message) tells of a few listings besides their
row: the first public phone and the weekly opening periods, one query each for all of them."""

from ..choices import ContactKind, LocationPrecision, Visibility
from ..hours import Period
from ..models import Contact, OpeningPeriod


def public_phones(ids: list[int]) -> dict[int, str]:
    """The first public phone of each listing that has one."""
    phones: dict[int, str] = {}
    rows = Contact.objects.filter(
        listing_id__in=ids, kind=ContactKind.PHONE, visibility=Visibility.PUBLIC
    ).order_by("listing_id", "position", "id")
    for listing_id, value in rows.values_list("listing_id", "value"):
        phones.setdefault(listing_id, value)
    return phones


def opening_periods(ids: list[int]) -> dict[int, list[Period]]:
    """The weekly periods of each listing that has some."""
    periods: dict[int, list[Period]] = {}
    rows = OpeningPeriod.objects.filter(listing_id__in=ids).order_by(
        "listing_id", "weekday", "opens"
    )
    for listing_id, weekday, opens, closes in rows.values_list(
        "listing_id", "weekday", "opens", "closes"
    ):
        periods.setdefault(listing_id, []).append(Period(weekday, opens, closes))
    return periods


def public_distance(metres: float, precision: str) -> str:
    """A distance as handouts print it: "0.4 km", or whole km for a listing whose point is
    not exact (as the API's `distance_km`)."""
    km = metres / 1000
    if precision != LocationPrecision.EXACT:
        return f"{round(km):d} km"
    return f"{km:.1f} km"
