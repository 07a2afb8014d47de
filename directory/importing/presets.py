"""Built-in mappings for the data sets Tejido imports often.

- `tejido-csv`: our own columns (fixtures/import/tejido-template.csv), what the CSV and
  GeoPackage exports write.
- `tejido-geojson`: the GeoJSON of the API (`export.geojson`, `?format=geojson`).
- `coopsuk`: the ESSGlobal "standard" CSV of Co-operatives UK open data. Coordinates are
  the postcode unit's centre (Geo Container Latitude/Longitude), so listings get the `area`
  precision. A row without them cannot be placed: Tejido has no UK postcode gazetteer, and
  its locality is tried in the gazetteer (which holds the Americas). A row that stays
  unplaced is kept `hidden` with its country and a reason in the report, so that a
  moderator can place it; dropping it would lose a real co-op.
- `osm`: OSM-style GeoJSON (TransforMap): `addr:*`, `contact:*`, `description:<lang>`,
  `opening_hours`, `type_of_initiative` tokens mapped to kinds and categories.
- `murmurations`: organization profiles (a list or {"data": [...]}).
- `kvm`: Karte von morgen search results ({"visible": [...], "invisible": [...]}).
"""

from django.utils.translation import gettext as _

from ..choices import ContentLanguage, ListingKind
from .mapping import Mapping
from .readers import Record

ESSGLOBAL = "https://dev.lod.coop/essglobal/2.1/standard/"
#: ESSGlobal organisational structures that are not co-operatives.
ESSGLOBAL_NON_COOP = {
    "OS10": ListingKind.COMMUNITY_PROJECT,  # community group
    "OS20": ListingKind.COMMUNITY_PROJECT,  # not-for-profit organisation
    "OS30": ListingKind.COMMUNITY_PROJECT,  # social enterprise
    "OS40": ListingKind.COMMUNITY_PROJECT,  # charity
    "OS170": ListingKind.MUTUAL_AID,  # mutual
}
ESSGLOBAL_STRUCTURES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 115, 120, 130, 140)
ESSGLOBAL_STRUCTURES += (150, 160, 170, 180, 190, 200, 210, 220, 230, 240)

COOPSUK_OWNERSHIP = {
    "Workers": "workers",
    "Employee Trust": "workers",
    "Consumers": "consumers",
    "Tenants": "housing",
    "Enterprises": "producers",
    "Self-employed": "producers",
    "Multi-stakeholder": "multi_stakeholder",
}

#: TransforMap `type_of_initiative` tokens with a Tejido category.
OSM_CATEGORIES = {
    "community_garden": "community-gardens",
    "communitysupported_agriculture": "agriculture-coops",
    "food_cooperative": "food-coops",
    "foodbank": "food-banks",
    "foodrescue_distribution": "food-banks",
    "foodrescue_cuisine": "community-kitchens",
    "homeless_shelter": "shelters",
    "cohousing": "housing",
    "microfinance": "finance",
    "other_finance": "finance",
    "recycling": "recycling",
    "recycling_foodwaste": "recycling",
    "bicycle_selfrepair": "bike-workshops",
    "giveaway_shop": "free-stores",
    "sustainable_mobility": "transport",
}
OSM_MUTUAL_AID = {
    "foodbank",
    "foodrescue",
    "foodrescue_distribution",
    "foodrescue_cuisine",
    "giveaway_shop",
    "homeless_shelter",
    "mutualsociety_aid",
    "timebanking",
}
OSM_COOPERATIVE = {"food_cooperative", "cooperative", "collective_energy"}


def tejido_csv() -> Mapping:
    """Our columns; a CSV or GeoPackage export of Tejido loads back as it is (its lists are
    space-separated, its formula-like cells start with `'`, its precision column is
    `location_precision`)."""
    return Mapping(
        name="tejido-csv",
        source="tejido-csv",
        columns={"precision": ["precision", "location_precision"], "languages": ["languages"]},
        lists_split_on_spaces=True,
        unescape_formulas=True,
    )


def tejido_geojson() -> Mapping:
    """Tejido's GeoJSON: the map layer (`export.geojson`: slug, name, kind, precision) and the
    API's features (`?format=geojson`: the address, categories, access, languages and
    summaries as JSON members too). The point is the public one; a feature without one is
    kept hidden."""
    summaries = {f"summary_{code}": [f"summary.{code}"] for code in ContentLanguage.values}
    return Mapping(
        name="tejido-geojson",
        source="tejido-geojson",
        columns={
            "source_id": ["slug", "source_id", "id"],
            "precision": ["location_precision", "precision"],
            "street_address": ["address.street", "street_address"],
            "locality": ["address.locality", "locality"],
            "admin1": ["address.admin1", "admin1"],
            "postal_code": ["address.postal_code", "postal_code"],
            "country": ["address.country", "country"],
            "language": ["original_language", "language"],
            "languages": ["languages"],
            **summaries,
        },
        unplaced="hidden",
    )


def coopsuk() -> Mapping:
    structure = ESSGLOBAL + "organisational-structure/OS"
    return Mapping(
        name="coopsuk",
        source="coopsuk",
        columns={
            "source_id": ["Identifier"],
            "name": ["Name"],
            "description": ["Description"],
            "kind": ["Organisational Structure"],
            "categories": ["Primary Activity"],
            "street_address": ["Street Address"],
            "locality": ["Locality"],
            "admin1": ["Region"],
            "postal_code": ["Postcode"],
            "country": ["Country ID"],
            "website": ["Website"],
            "phone": ["Phone"],
            "email": ["Email"],
            "lat": ["Geo Container Latitude", "Latitude"],
            "lng": ["Geo Container Longitude", "Longitude"],
            "ownership_model": ["Ownership Classification"],
            "legal_form": ["Legal Form"],
        },
        values={
            "kind": {
                f"{structure}{n}": ESSGLOBAL_NON_COOP.get(f"OS{n}", ListingKind.COOPERATIVE)
                for n in ESSGLOBAL_STRUCTURES
            },
            "ownership_model": COOPSUK_OWNERSHIP,
        },
        defaults={"kind": ListingKind.COOPERATIVE, "language": "en", "precision": "area"},
        unplaced="hidden",
        unknown_categories="warn",
        hook=_coopsuk_hook,
    )


def _coopsuk_hook(values: dict, record: Record, warnings: list[str]) -> None:
    if values.get("ownership_model") not in (None, *COOPSUK_OWNERSHIP.values()):
        values.pop("ownership_model")  # "Community of Interest"...: no Tejido equivalent
    if values.get("kind", "").startswith("http"):
        warnings.append(
            # Translators: %(structure)s is the address of an ESSGlobal term.
            _("The organisational structure %(structure)s is unknown: read as a co-operative.")
            % {"structure": values["kind"]}
        )
        values["kind"] = ListingKind.COOPERATIVE


def osm() -> Mapping:
    descriptions = {
        f"description_{code}": [f"description:{code}"] for code in ContentLanguage.values
    }
    return Mapping(
        name="osm",
        source="osm",
        columns={
            "source_id": ["_id", "id", "@id"],
            "name": ["name"],
            "locality": ["addr:city"],
            "admin1": ["addr:state", "addr:province"],
            "postal_code": ["addr:postcode"],
            "country": ["addr:country"],
            "website": ["contact:website", "website", "url"],
            "email": ["contact:email", "email"],
            "phone": ["contact:phone", "phone"],
            "description": ["description"],
            "opening_hours": ["opening_hours"],
            **descriptions,
        },
        defaults={"language": "en", "precision": "area"},
        hook=_osm_hook,
    )


def _osm_hook(values: dict, record: Record, warnings: list[str]) -> None:
    folded = {str(key).casefold(): value for key, value in record.values.items() if value}
    street = " ".join(
        str(folded[key]).strip() for key in ("addr:street", "addr:housenumber") if key in folded
    )
    if street:
        values["street_address"] = street
    tokens = [
        token.strip()
        for token in str(folded.get("type_of_initiative", "")).split(";")
        if token.strip()
    ]
    values["categories"] = list(
        dict.fromkeys(OSM_CATEGORIES[token] for token in tokens if token in OSM_CATEGORIES)
    )
    if any(token in OSM_COOPERATIVE for token in tokens):
        values["kind"] = ListingKind.COOPERATIVE
    elif any(token in OSM_MUTUAL_AID for token in tokens):
        values["kind"] = ListingKind.MUTUAL_AID
    else:
        values["kind"] = ListingKind.COMMUNITY_PROJECT
    others = sorted(
        key.split(":", 1)[1]
        for key in folded
        if key.startswith("description:") and key.split(":", 1)[1] not in ContentLanguage.values
    )
    if others:
        warnings.append(
            _(
                # Translators: %(languages)s are language codes (de, it...).
                "The description in %(languages)s was not kept (Tejido holds texts in es, pt, "
                "fr and en)."
            )
            % {"languages": ", ".join(others)}
        )


def murmurations() -> Mapping:
    return Mapping(
        name="murmurations",
        source="murmurations",
        columns={
            "source_id": ["unique_id", "profile_url", "primary_url"],
            "name": ["name"],
            "lat": ["geolocation.lat", "latitude"],
            "lng": ["geolocation.lon", "longitude"],
            "street_address": ["street_address"],
            "locality": ["locality"],
            "admin1": ["region"],
            "postal_code": ["postal_code"],
            "country": ["country_iso_3166"],
            "website": ["primary_url", "urls.0.url"],
            "email": ["contact_details.email", "email"],
            "phone": ["telephone"],
            "summary": ["mission"],
            "description": ["description"],
        },
        defaults={"kind": ListingKind.COMMUNITY_PROJECT, "language": "en", "precision": "area"},
    )


def kvm() -> Mapping:
    return Mapping(
        name="kvm",
        source="kvm",
        columns={
            "source_id": ["id"],
            "name": ["title"],
            "lat": ["lat"],
            "lng": ["lng"],
            "description": ["description"],
            "website": ["homepage"],
            "email": ["email"],
            "phone": ["telephone"],
            "street_address": ["street"],
            "locality": ["city"],
            "postal_code": ["zip"],
            "country": ["country"],
        },
        defaults={"kind": ListingKind.COMMUNITY_PROJECT, "language": "en", "precision": "area"},
        unknown_categories="warn",
        hook=_kvm_hook,
    )


def _kvm_hook(values: dict, record: Record, warnings: list[str]) -> None:
    # Tags are free words; those naming a Tejido category (by slug) become categories.
    tags = record.values.get("tags") or []
    values["categories"] = [tag for tag in tags if isinstance(tag, str)]


PRESETS = {
    "tejido-csv": tejido_csv,
    "tejido-geojson": tejido_geojson,
    "coopsuk": coopsuk,
    "osm": osm,
    "murmurations": murmurations,
    "kvm": kvm,
}
