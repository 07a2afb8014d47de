"""One flat row per listing, shared by the CSV and GeoPackage exports. Its columns are a
superset of the `tejido-csv` import preset (`source_id` is the slug), so an export loads
back as it is; lists are space-separated, opening hours in OpenStreetMap syntax."""

from collections import defaultdict

from directory.choices import ContactKind

from .records import PublicRecord

TABULAR_COLUMNS = (
    "slug",
    "name",
    "kind",
    "categories",
    "location_precision",
    "lat",
    "lng",
    "locality",
    "admin1",
    "postal_code",
    "country",
    "languages",
    "access",
    "need_kinds",
    "verified_on",
    "last_confirmed_at",
    "updated_at",
    "url",
    # The columns of the `tejido-csv` import preset the ones above lack.
    "source_id",
    "street_address",
    "website",
    "email",
    "phone",
    "summary",
    "description",
    "language",
    "opening_hours",
)

OSM_DAYS = {1: "Mo", 2: "Tu", 3: "We", 4: "Th", 5: "Fr", 6: "Sa", 7: "Su"}


def osm_opening_hours(periods: list[tuple]) -> str:
    """Weekly periods as an OpenStreetMap `opening_hours` value: `Mo 09:00-13:00,16:00-19:00;
    Sa 10:00-14:00` (a period past midnight reads `Fr 22:00-02:00`, as OSM writes it)."""
    by_day: dict[int, list[str]] = defaultdict(list)
    for weekday, opens, closes in sorted(periods):
        by_day[weekday].append(f"{opens:%H:%M}-{closes:%H:%M}")
    return "; ".join(f"{OSM_DAYS[day]} {','.join(spans)}" for day, spans in by_day.items())


def tabular_row(record: PublicRecord) -> dict:
    """The row of TABULAR_COLUMNS: text as the CSV writes it, lat/lng as numbers or None."""
    item, coordinates = record.item, record.coordinates
    address = item["address"]
    return {
        "slug": item["slug"],
        "name": item["name"],
        "kind": item["kind"],
        "categories": " ".join(item["categories"]),
        "location_precision": item["location_precision"],
        "lat": coordinates[1] if coordinates else None,
        "lng": coordinates[0] if coordinates else None,
        "locality": address.get("locality", ""),
        "admin1": address.get("admin1", ""),
        "postal_code": address.get("postal_code", ""),
        "country": address.get("country", ""),
        "languages": " ".join(item["languages"]),
        "access": " ".join(item["access"]),
        "need_kinds": " ".join(item["need_kinds"]),
        "verified_on": item["verified_on"].isoformat() if item["verified_on"] else "",
        "last_confirmed_at": item["last_confirmed_at"].isoformat(),
        "updated_at": item["updated_at"].isoformat(),
        "url": item["url"],
        "source_id": item["slug"],
        "street_address": address.get("street", ""),
        "website": record.first_contact(ContactKind.WEBSITE),
        "email": record.first_contact(ContactKind.EMAIL),
        "phone": record.first_contact(ContactKind.PHONE),
        "summary": record.text("summary"),
        "description": record.text("description"),
        "language": item["original_language"],
        "opening_hours": osm_opening_hours(record.periods),
    }
