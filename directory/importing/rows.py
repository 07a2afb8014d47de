"""From the flat values of a mapping to a checked row: what the listing will hold, or why
the row is rejected. Checks that need the database for many rows at once (regions,
duplicates, the gazetteer) are in `checks.py` and `places.py`."""

import logging
import math
import re
from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..admin1 import POSTAL_CONVENTION, admin1_lookup
from ..choices import (
    AccessFact,
    ContactKind,
    ContentLanguage,
    ListingKind,
    LocationPrecision,
    OwnershipModel,
)
from ..geo import SRID, as_multipolygon, validate_area
from ..models import Category
from ..validators import validate_language_codes
from . import normalize, storable
from .mapping import Mapping, content_hash, stable_id
from .readers import Record

TEXT_FIELDS = ("summary", "description")
ADDRESS = ("street_address", "locality", "postal_code")
# Django computes `Choices.values` anew on each use: once here, not once per row.
KINDS = tuple(ListingKind.values)
LANGUAGES = tuple(ContentLanguage.values)
PRECISIONS = frozenset(LocationPrecision.values)
ACCESS_FACTS = frozenset(AccessFact.values)
OWNERSHIP_MODELS = frozenset(OwnershipModel.values)


logger = logging.getLogger(__name__)
#: A UTF-16 surrogate on its own: JSON may hold one, UTF-8 (and so PostgreSQL) cannot.
SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogates(text: str) -> bool:
    return SURROGATE.search(text) is not None


class Rejected(Exception):
    """The row cannot become a listing; the message is the report's reason."""


@dataclass
class Row:
    line: int
    source_id: str = ""
    name: str = ""
    hash: str = ""
    #: Listing field values (not saved).
    fields: dict = field(default_factory=dict)
    point: Point | None = None
    service_area: GEOSGeometry | None = None
    #: The admin1 the row declares, resolved in the state table (for the region check).
    admin1_names: tuple[str, ...] = ()
    categories: list[int] = field(default_factory=list)
    contacts: list[tuple[str, str]] = field(default_factory=list)
    periods: list = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    outcome: str = ""
    listing_id: int | None = None
    _xy: tuple[float, float] | None = field(default=None, repr=False, compare=False)
    _xy_of: Point | None = field(default=None, repr=False, compare=False)

    @property
    def xy(self) -> tuple[float, float]:
        """(lng, lat) of the point, read from GEOS once (checks read them many times)."""
        if self._xy_of is not self.point:
            self._xy, self._xy_of = (self.point.x, self.point.y), self.point
        return self._xy

    def reject(self, reason: str) -> None:
        self.error = self.error or reason

    @property
    def ok(self) -> bool:
        return not self.error


class Vocabulary:
    """What one import checks rows against: category ids by slug and by ESSGlobal URI (the
    broadest category of a URI), and the model's limits (`storable.Rules`)."""

    def __init__(self) -> None:
        self.rules = storable.Rules()
        self.by_slug: dict[str, int] = {}
        self.by_uri: dict[str, int] = {}
        for pk, slug, uri in Category.objects.order_by("depth", "path").values_list(
            "pk", "slug", "essglobal_uri"
        ):
            self.by_slug[slug] = pk
            if uri:
                self.by_uri.setdefault(uri.rstrip("/"), pk)


def _kind(value: str) -> str:
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in KINDS:
        raise Rejected(
            _("The kind “%(kind)s” is unknown (use %(kinds)s).")
            % {"kind": value, "kinds": ", ".join(KINDS)}
        )
    return key


def _coordinate(value: str, message: str) -> float:
    text = value.strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # 51,5 written with a decimal comma
    try:
        number = float(text)
    except ValueError:
        raise Rejected(message % {"value": value}) from None
    if not math.isfinite(number):  # "nan", "inf", "-Infinity" are floats to Python
        raise Rejected(message % {"value": value})
    return number


def _location(row: Row, values: dict, record: Record) -> None:
    geom = record.geometry
    if geom is not None:
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            area = as_multipolygon(geom)
            try:
                validate_area(area)
                row.service_area = area
            except ValidationError as error:
                row.warnings.append(
                    # Translators: %(why)s says what is wrong with the area.
                    _("The service area was not kept: %(why)s") % {"why": " ".join(error.messages)}
                )
        if geom.empty:
            return
        x, y = (geom if geom.geom_type == "Point" else geom.point_on_surface).coords[:2]
        if not (math.isfinite(x) and math.isfinite(y)):
            raise Rejected(_("The geometry's coordinates are not numbers."))
    elif values.get("lat") or values.get("lng"):
        if not (values.get("lat") and values.get("lng")):
            raise Rejected(_("Give both lat and lng, or neither."))
        y = _coordinate(values["lat"], _("The lat “%(value)s” is not a number."))
        x = _coordinate(values["lng"], _("The lng “%(value)s” is not a number."))
    else:
        return
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        where = {"lat": y, "lng": x}
        if abs(x) <= 90 and abs(y) <= 180:
            raise Rejected(
                _(
                    "The point (lat %(lat)s, lng %(lng)s) is outside -90..90 / -180..180: "
                    "lat and lng look swapped."
                )
                % where
            )
        raise Rejected(
            _("The point (lat %(lat)s, lng %(lng)s) is outside -90..90 / -180..180.") % where
        )
    row.point = Point(x, y, srid=SRID)
    row._xy, row._xy_of = (x, y), row.point


def _texts(row: Row, values: dict, language: str) -> None:
    filled = []
    for name in TEXT_FIELDS:
        texts = {code: values.get(f"{name}_{code}", "") for code in LANGUAGES}
        if values.get(name):
            texts[language] = values[name]
        for code, text in texts.items():
            row.fields[f"{name}_{code}"] = text  # cut to the limit by storable.Rules
            if text:
                filled.append(code)
    # The language written in: the row's, unless only other languages have text.
    row.fields["original_language"] = language if not filled or language in filled else filled[0]


def _country_and_admin1(row: Row, values: dict) -> None:
    given = values.get("country", "")
    country, guessed = normalize.country_code(given)
    if guessed:
        row.warnings.append(
            _("The country “%(given)s” was read as %(code)s.")
            % {"given": given.strip(), "code": country}
        )
    if given and not country:
        row.warnings.append(_("The country “%(given)s” is not recognised.") % {"given": given})
    row.fields["country"] = country
    admin1 = values.get("admin1", "")
    entry = admin1_lookup(country, admin1) if admin1 else None
    if entry is not None:
        admin1 = entry.code if country in POSTAL_CONVENTION else entry.name
        row.admin1_names = (entry.name, *entry.translations.values())
    elif admin1:
        row.admin1_names = (admin1,)
    row.fields["admin1"] = admin1


def _categories(row: Row, items: list[str], vocabulary: Vocabulary, mapping: Mapping) -> None:
    unknown = []
    for item in items:
        pk = (
            vocabulary.by_uri.get(item.rstrip("/"))
            if item.startswith("http")
            else vocabulary.by_slug.get(item)
        )
        if pk is None:
            unknown.append(item)
        elif pk not in row.categories:
            row.categories.append(pk)
    if not unknown:
        return
    names = {"categories": ", ".join(unknown)}
    if mapping.unknown_categories == "reject" and not all(i.startswith("http") for i in unknown):
        raise Rejected(_("Unknown categories: %(categories)s.") % names)
    row.warnings.append(_("Tejido has no category for %(categories)s.") % names)


def _contacts(row: Row, values: dict) -> None:
    for kind in (ContactKind.WEBSITE, ContactKind.EMAIL, ContactKind.PHONE):
        value = values.get(kind, "")
        if not value:
            continue
        try:
            row.contacts.append((kind, normalize.contact(kind, value, row.fields["country"])))
        except ValidationError:
            row.warnings.append(
                # Translators: %(kind)s is a column: website, email or phone.
                _("The %(kind)s “%(value)s” is not valid: it was not kept.")
                % {"kind": kind, "value": value}
            )


def _hours(row: Row, values: dict) -> None:
    for code in LANGUAGES:
        row.fields[f"opening_hours_notes_{code}"] = ""
    text = values.get("opening_hours", "")
    if not text:
        return
    try:
        row.periods = normalize.opening_periods(text)
    except normalize.HoursNotUnderstood:
        language = row.fields["original_language"]
        row.fields[f"opening_hours_notes_{language}"] = text
        row.warnings.append(_("The opening hours were not understood: they are kept as notes."))


def build_row(record: Record, mapping: Mapping, vocabulary: Vocabulary) -> Row:
    """Map and check one record. A rejected row carries its reason in `error`; whatever
    the record holds, this returns a row (a row never stops the file)."""
    row = Row(line=record.line, warnings=list(record.warnings))
    try:
        values = mapping.apply(record)
        if mapping.hook is not None:
            mapping.hook(values, record, row.warnings)
        row.name = values.get("name", "")
        row.source_id = values.get("source_id") or stable_id(record)
        row.hash = content_hash(values, record.geometry)
        if record.error:
            raise Rejected(record.error)
        _build(row, values, record, mapping, vocabulary)
        vocabulary.rules.check(row)
    except (Rejected, storable.Unstorable) as error:
        row.reject(str(error))
    except Exception as error:
        # A value no check foresaw: this row is rejected, the others go on.
        logger.warning("import line %s: %s: %s", row.line, type(error).__name__, error)
        logger.debug("import line %s", row.line, exc_info=True)
        row.reject(
            # Translators: %(error)s is the program's own name for the problem, in English.
            _("The row could not be read (%(error)s).") % {"error": type(error).__name__}
        )
    return row


def _build(row: Row, values: dict, record: Record, mapping: Mapping, vocab: Vocabulary) -> None:
    if not row.name:
        raise Rejected(_("The row has no name."))
    text = "".join(str(value) for value in values.values())
    if "\x00" in text:
        raise Rejected(_("The text contains NUL characters."))
    if not text.isascii() and _has_surrogates(text):
        # JSON can carry them ("\ud800"); no database text can.
        raise Rejected(_("The text contains characters that are not valid Unicode."))
    if not values.get("kind"):
        raise Rejected(_("The row has no kind."))
    row.fields["kind"] = _kind(values["kind"])
    row.fields["name"] = row.name
    language = values.get("language", "en").strip().lower()
    if language not in LANGUAGES:
        raise Rejected(
            _("The language “%(language)s” is unknown (use es, pt, fr or en).")
            % {"language": language}
        )
    _texts(row, values, language)
    _country_and_admin1(row, values)
    for name in ADDRESS:
        row.fields[name] = values.get(name, "")
    precision = values.get("precision", LocationPrecision.AREA)
    if precision not in PRECISIONS:
        raise Rejected(_("The precision “%(precision)s” is unknown.") % {"precision": precision})
    row.fields["location_precision"] = precision
    _location(row, values, record)
    _categories(row, values.get("categories", []), vocab, mapping)
    access = list(dict.fromkeys(values.get("access", [])))
    if unknown := [fact for fact in access if fact not in ACCESS_FACTS]:
        raise Rejected(_("Unknown access facts: %(facts)s.") % {"facts": ", ".join(unknown)})
    row.fields["access"] = access
    ownership = values.get("ownership_model", "")
    if ownership and ownership not in OWNERSHIP_MODELS:
        row.warnings.append(
            _("The ownership model “%(model)s” is unknown: it was not kept.") % {"model": ownership}
        )
        ownership = ""
    row.fields["ownership_model"] = ownership
    row.fields["legal_form"] = values.get("legal_form", "")
    _contacts(row, values)
    _hours(row, values)
    row.fields["languages"] = list(
        dict.fromkeys(code.strip().lower() for code in values.get("languages", []))
    )
    try:
        validate_language_codes(row.fields["languages"])
    except ValidationError as error:
        raise Rejected(" ".join(error.messages)) from error
