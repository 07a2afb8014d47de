"""Placing rows that have no coordinates with the gazetteer: a US ZIP code's centre, else
the town's. The point is then a centre, not the listing's own place, so its precision is
at least `area` (ZIP code) or `region` (town)."""

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from ..choices import LocationPrecision, PlaceKind
from ..gazetteer import places_matching
from ..models import Place
from .mapping import Mapping
from .rows import Row

#: Precisions from the finest to the coarsest.
ORDER = list(LocationPrecision.values)
#: Countries whose postal codes the gazetteer holds.
POSTCODE_COUNTRIES = {"US"}


def coarsest(a: str, b: str) -> str:
    return max(a, b, key=ORDER.index)


class Gazetteer:
    """Cached look-ups: an import names the same towns and ZIP codes many times."""

    def __init__(self) -> None:
        self.zips: dict[str, Point | None] = {}
        self.towns: dict[tuple[str, str, str], tuple[str, Point] | None] = {}

    def zip_code(self, code: str) -> Point | None:
        code = code.strip()[:5]
        if code not in self.zips:
            place = Place.objects.filter(
                kind=PlaceKind.POSTAL_CODE, country="US", postal_code=code
            ).first()
            self.zips[code] = place.point if place else None
        return self.zips[code]

    def town(self, country: str, locality: str, admin1: str) -> tuple[str, Point] | None:
        key = (country, locality.casefold(), admin1.casefold())
        if key not in self.towns:
            found = None
            queries = [f"{locality}, {admin1}", locality] if admin1 else [locality]
            for query in queries:
                matches = places_matching(query, country=country).filter(kind=PlaceKind.CITY)
                best = matches.first()
                # Only the town itself: a similar name elsewhere would misplace the row.
                if best is not None and best.similarity >= 0.99:
                    found = (str(best), best.point)
                    break
            self.towns[key] = found
        return self.towns[key]


def place_rows(rows: list[Row], mapping: Mapping) -> None:
    """Give rows without a point one from the gazetteer, or reject or hide them as the
    mapping says (`unplaced`); each placement is noted in the report."""
    gazetteer = Gazetteer()
    for row in rows:
        if not row.ok or row.point is not None:
            continue
        country = row.fields["country"]
        postcode, locality = row.fields["postal_code"], row.fields["locality"]
        precision = row.fields["location_precision"]
        if precision == LocationPrecision.HIDDEN and country:
            continue  # hidden by choice: no point is needed (an export's hidden listings)
        missing = []
        if postcode and country in POSTCODE_COUNTRIES:
            point = gazetteer.zip_code(postcode)
            if point is not None:
                row.point = point
                row.fields["location_precision"] = coarsest(precision, LocationPrecision.AREA)
                row.warnings.append(
                    _("No coordinates: placed at the centre of ZIP code %(code)s.")
                    % {"code": postcode}
                )
                continue
            missing.append(_("The ZIP code %(code)s is not in the gazetteer.") % {"code": postcode})
        elif postcode and country:
            missing.append(
                # Translators: %(country)s is a country code (GB, MX...).
                _("There is no postcode gazetteer for %(country)s to place postcode %(code)s.")
                % {"country": country, "code": postcode}
            )
        elif postcode:
            missing.append(
                _("There is no postcode gazetteer to place postcode %(code)s.") % {"code": postcode}
            )
        if locality and country:
            town = gazetteer.town(country, locality, row.fields["admin1"])
            if town is not None:
                row.point = town[1]
                row.fields["location_precision"] = coarsest(precision, LocationPrecision.REGION)
                row.warnings.append(
                    # Translators: %(place)s is a town with its state and country.
                    _("No coordinates: placed at the centre of %(place)s.") % {"place": town[0]}
                )
                continue
            missing.append(_("The town “%(town)s” is not in the gazetteer.") % {"town": locality})
        if mapping.unplaced == "hidden" and country:
            row.fields["location_precision"] = LocationPrecision.HIDDEN
            row.warnings.append(_("No coordinates: kept hidden, listed by country only."))
            row.warnings.extend(missing)
        else:
            reason = _("No coordinates: give lat and lng, or an address the gazetteer knows.")
            # Whole sentences, each translated: why the gazetteer could not place the row.
            row.reject(" ".join([reason, *missing]))
