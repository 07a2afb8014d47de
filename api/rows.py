"""The lean read path: rows fetched with `values_list` become plain dicts (JSON) or GeoJSON
features here, without serializer instances (DESIGN.md §7). The shapes are described for
OpenAPI by the read serializers in `api.schema`; tests validate responses against them."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from directory.admin1 import address_admin1
from directory.freshness import freshness
from directory.privacy import PUBLIC_ADDRESS_FIELDS, public_distance_km
from directory.selectors import NEED_ROW_COLUMNS, ROW_COLUMNS

LANGUAGES = ("es", "pt", "fr", "en")
_LISTING = {name: index for index, name in enumerate(ROW_COLUMNS)}
_NEED = {name: index for index, name in enumerate(NEED_ROW_COLUMNS)}
_ADDRESS_KEYS = {
    "street_address": "street",
    "locality": "locality",
    "admin1": "admin1",
    "postal_code": "postal_code",
    "country": "country",
}


def texts(row, first: int) -> dict[str, str]:
    """{language: text} of four consecutive per-language columns, empty ones left out."""
    return {code: row[first + i] for i, code in enumerate(LANGUAGES) if row[first + i]}


def public_address(
    precision: str, values: dict[str, str], language: str | None = None
) -> dict[str, str]:
    """The address fields the precision reveals; admin1 as a name in `language` (a GeoNames
    code becomes the state or province name; US postal abbreviations stay)."""
    address = {
        _ADDRESS_KEYS[name]: values[name]
        for name in PUBLIC_ADDRESS_FIELDS[precision]
        if values.get(name)
    }
    if "admin1" in address:
        address["admin1"] = address_admin1(values.get("country", ""), address["admin1"], language)
    return address


class Rows:
    """Turns rows into JSON items (with a `location` object) or GeoJSON features."""

    def __init__(self, with_distance: bool):
        self.with_distance = with_distance
        self.now = timezone.now()  # one clock for the whole page's freshness
        self.language = get_language()

    def item(self, row) -> tuple[dict, list[float] | None]:
        raise NotImplementedError

    def json(self, rows) -> list[dict]:
        items = []
        for row in rows:
            properties, coordinates = self.item(row)
            properties["location"] = point(coordinates)
            items.append(properties)
        return items

    def features(self, rows) -> list[dict]:
        return [feature(*self.item(row)) for row in rows]


class ListingRows(Rows):
    """Builds list items from `directory.selectors.public_listing_rows` tuples."""

    def __init__(self, request, *, with_distance: bool):
        super().__init__(with_distance)
        self.base = request.build_absolute_uri(reverse("api:listing-list"))

    def item(self, row) -> tuple[dict, list[float] | None]:
        """(properties, [lng, lat] or None)."""
        c = _LISTING
        precision = row[c["location_precision"]]
        lng, lat = row[c["lng"]], row[c["lat"]]
        properties = {
            "id": row[c["id"]],
            "slug": row[c["slug"]],
            "url": f"{self.base}{row[c['slug']]}/",
            "name": row[c["name"]],
            "kind": row[c["kind"]],
            "summary": texts(row, c["summary_es"]),
            "original_language": row[c["original_language"]],
            "categories": row[c["category_slugs"]],
            "location_precision": precision,
            "address": public_address(
                precision,
                {name: row[c[name]] for name in _ADDRESS_KEYS},
                self.language,
            ),
            "languages": row[c["languages"]],
            "access": row[c["access"]],
            "open_now": row[c["is_open"]],
            "need_kinds": row[c["need_kinds"]],
            "verified_on": row[c["verified_on"]],
            "last_confirmed_at": row[c["last_confirmed_at"]],
            "freshness": freshness(row[c["last_confirmed_at"]], self.now).value,
            "updated_at": row[c["updated_at"]],
            "created_at": row[c["created_at"]],
        }
        if self.with_distance:
            properties["distance_km"] = public_distance_km(row[-1], precision)
        coordinates = [lng, lat] if lng is not None else None
        return properties, coordinates


class NeedRows(Rows):
    """Builds need items from `directory.selectors.public_need_rows` tuples."""

    def __init__(self, request, *, with_distance: bool):
        self.needs = request.build_absolute_uri(reverse("api:need-list"))
        self.listings = request.build_absolute_uri(reverse("api:listing-list"))
        super().__init__(with_distance)

    def item(self, row) -> tuple[dict, list[float] | None]:
        c = _NEED
        precision = row[c["listing__location_precision"]]
        lng, lat = row[c["lng"]], row[c["lat"]]
        slug = row[c["listing__slug"]]
        properties = {
            "id": row[c["id"]],
            "url": f"{self.needs}{row[c['id']]}/",
            "kind": row[c["kind"]],
            "title": texts(row, c["title_es"]),
            "original_language": row[c["original_language"]],
            "skills": row[c["skills"]],
            "quantity": row[c["quantity"]],
            "unit": row[c["unit"]],
            "urgency": row[c["urgency"]],
            "starts_on": row[c["starts_on"]],
            "ends_on": row[c["ends_on"]],
            "status": row[c["status"]],
            "last_confirmed_at": row[c["last_confirmed_at"]],
            "freshness": freshness(row[c["last_confirmed_at"]], self.now).value,
            "created_at": row[c["created_at"]],
            "updated_at": row[c["updated_at"]],
            "listing": {
                "slug": slug,
                "url": f"{self.listings}{slug}/",
                "name": row[c["listing__name"]],
                "kind": row[c["listing__kind"]],
                "location_precision": precision,
                "address": public_address(
                    precision,
                    {
                        "locality": row[c["listing__locality"]],
                        "admin1": row[c["listing__admin1"]],
                        "country": row[c["listing__country"]],
                    },
                    self.language,
                ),
            },
        }
        if self.with_distance:
            properties["distance_km"] = public_distance_km(row[-1], precision)
        return properties, ([lng, lat] if lng is not None else None)


def point(coordinates: list[float] | None) -> dict | None:
    """A GeoJSON Point, or None for a listing without a public point."""
    return {"type": "Point", "coordinates": coordinates} if coordinates else None


def feature(properties: dict, coordinates: list[float] | None) -> dict:
    """An RFC 7946 Feature; a listing without a public point has a null geometry."""
    return {
        "type": "Feature",
        "id": properties["id"],
        "geometry": point(coordinates),
        "properties": properties,
    }
