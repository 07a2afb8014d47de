"""Query parameters of the lists (DESIGN.md §3), validated by django-filter: one set of
FilterSets for the API, the exports and the pages, so that they accept the same names and
values. The OpenAPI document is generated from these classes (`api.schema`), and the
queries are built by `directory.selectors`. Every bad value is an error naming the parameter.
"""

import functools

import django_filters
from django import forms
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .choices import AccessFact, ListingKind, NeedKind, Urgency
from .fields import (
    BBoxField,
    CSVMultipleChoiceField,
    FiniteFloatField,
    StrictBooleanField,
    TagListField,
    WeekTimeField,
)
from .geo import SRID
from .models import Category, Listing, Need, Region
from .selectors import NEED_ORDERINGS, ORDERINGS, ListingQuery, NeedQuery
from .validators import validate_language_codes

MAX_RADIUS_KM = 500
DEFAULT_RADIUS_KM = 25


class CSVMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = CSVMultipleChoiceField


class StrictBooleanFilter(django_filters.ChoiceFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        super().__init__(*args, **kwargs)


class FloatFilter(django_filters.NumberFilter):
    field_class = FiniteFloatField


COUNTRY_CODES = frozenset(code for code, _name in countries)


def validate_country(code: str) -> None:
    if code not in COUNTRY_CODES:
        raise forms.ValidationError(
            _("“%(code)s” is not a country code (ISO 3166-1 alpha-2, e.g. MX)."),
            code="country",
            params={"code": code[:10]},
        )


class CountryFilter(django_filters.CharFilter):
    """A country code, checked against a set: a ChoiceField would deep-copy 250 choices
    on every request (4 ms of each list request, measured)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("validators", [validate_country])
        super().__init__(*args, **kwargs)


class WeekTimeFilter(django_filters.CharFilter):
    field_class = WeekTimeField


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class BBoxFilter(django_filters.CharFilter):
    field_class = BBoxField


class TagFilter(django_filters.Filter):
    field_class = TagListField


class PlaceForm(forms.Form):
    """Cross-parameter rules of the spatial filters and lookups of slugs."""

    def clean(self):
        data = super().clean()
        lat, lng = data.get("lat"), data.get("lng")
        for name, present, other in (("lat", lat, lng), ("lng", lng, lat)):
            if present is not None and other is None and name not in self.errors:
                missing = "lng" if name == "lat" else "lat"
                if missing not in self.errors:
                    self.add_error(missing, _("Give lat and lng together."))
        no_point = (lat is None or lng is None) and not {"lat", "lng"} & set(self.errors)
        if no_point and data.get("radius_km") is not None:
            self.add_error("radius_km", _("radius_km needs lat and lng."))
        if no_point and data.get("ordering") == "distance":
            self.add_error("ordering", _("Ordering by distance needs lat and lng."))
        for name, model in (("region", Region), ("category", Category)):
            slug = data.get(name)
            if slug:
                found = model.objects.filter(slug=slug).first()
                if found is None:
                    self.add_error(
                        name, _("There is no %(name)s “%(slug)s”.") % {"name": name, "slug": slug}
                    )
                else:
                    data[name] = found
        return data


@functools.lru_cache(maxsize=256)
def _form_class(filterset: type, names: tuple[str, ...]) -> type[forms.Form]:
    fields = {name: filterset.base_filters[name].field for name in names}
    return type(f"{filterset.__name__}Form", (filterset._meta.form,), fields)


class FilterSet(django_filters.FilterSet):
    """A FilterSet that validates a query string through `validation_form`."""

    #: Parameters that the form's cross-checks may report on though they are absent.
    CROSS_CHECKED: frozenset[str] = frozenset()

    @classmethod
    def validation_form(cls, data) -> forms.Form:
        """A bound form of the parameters given, those required and those cross-checked,
        its class made once per set of names: what the FilterSet's form validates, without
        deep-copying every filter and field on each request (1 ms of a list request)."""
        names = tuple(
            name
            for name, filter_ in cls.base_filters.items()
            if name in data or name in cls.CROSS_CHECKED or filter_.field.required
        )
        return _form_class(cls, names)(data)


class SpatialFilterSet(FilterSet):
    CROSS_CHECKED = frozenset({"lat", "lng", "radius_km", "ordering"})

    lat = FloatFilter(
        min_value=-90, max_value=90, label=_("Latitude of the reference point (WGS84, with lng)")
    )
    lng = FloatFilter(
        min_value=-180, max_value=180, label=_("Longitude of the reference point (WGS84, with lat)")
    )
    radius_km = FloatFilter(
        min_value=0.001,
        max_value=MAX_RADIUS_KM,
        label=_("Search radius around lat/lng in km (default 25, max 500)"),
    )
    bbox = BBoxFilter(label=_("Bounding box: minLng,minLat,maxLng,maxLat"))
    q = django_filters.CharFilter(
        max_length=200, label=_("Words to search for, in any language (typos tolerated in names)")
    )
    language = django_filters.CharFilter(
        max_length=16,
        validators=[lambda code: validate_language_codes([code])],
        label=_("A language spoken (ISO 639 code, e.g. es, ht, nah)"),
    )
    region = django_filters.CharFilter(max_length=120, label=_("Region slug (e.g. mx-oaxaca)"))


class MapFilterSet(FilterSet):
    """The listing filters that matter on a map: shared by the lists and the vector tiles."""

    kind = CSVMultipleChoiceFilter(
        choices=ListingKind.choices, label=_("Kind of listing (repeat or comma-separate)")
    )
    category = django_filters.CharFilter(
        max_length=80, label=_("Category slug; includes its sub-categories")
    )
    need = django_filters.ChoiceFilter(
        choices=NeedKind.choices, label=_("Has an open need of this kind")
    )
    access = CSVMultipleChoiceFilter(
        choices=AccessFact.choices, label=_("Access facts that must all hold (repeatable)")
    )


class ListingFilterSet(MapFilterSet, SpatialFilterSet):
    country = CountryFilter(label=_("Country (ISO 3166-1 alpha-2, upper case)"))
    open_now = StrictBooleanFilter(label=_("Open now, in the listing's time zone"))
    open_at = WeekTimeFilter(
        max_length=40,
        label=_(
            "Open at a local day and time, in each listing's time zone: "
            "“sat 10:00”, “sábado 10h”, “samedi 10:00” or ISO “6T10:00”"
        ),
    )
    verified = StrictBooleanFilter(label=_("Only listings verified by a moderator"))
    confirmed_within_days = IntegerFilter(
        min_value=1,
        max_value=3650,
        label=_("Confirmed as current within this many days"),
    )
    updated_since = django_filters.IsoDateTimeFilter(label=_("Changed since this time (ISO 8601)"))
    ordering = django_filters.ChoiceFilter(
        choices=[(value, value) for value in ORDERINGS],
        label=_("Order: distance (default with lat/lng), name (default), -updated_at, -created_at"),
    )

    class Meta:
        model = Listing
        form = PlaceForm
        fields: list[str] = []


class NeedFilterSet(SpatialFilterSet):
    kind = CSVMultipleChoiceFilter(
        choices=NeedKind.choices, label=_("Kind of need (repeat or comma-separate)")
    )
    skill = TagFilter(label=_("Skill tag; any of those given (repeat or comma-separate)"))
    urgency = CSVMultipleChoiceFilter(
        choices=Urgency.choices, label=_("Urgency (repeat or comma-separate)")
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(value, value) for value in NEED_ORDERINGS],
        label=_("Order: distance (default with lat/lng), -urgency (default), -created_at, ends_on"),
    )

    class Meta:
        model = Need
        form = PlaceForm
        fields: list[str] = []


def clean_query(filterset_class, params, *, extra=frozenset()) -> tuple[dict, dict]:
    """(cleaned data, errors by parameter) of a query string: every parameter known to the
    FilterSet or in `extra`, each valid. With `lat`/`lng` the data carry `point`, and
    `radius_km` has its default."""
    unknown = set(params) - set(filterset_class.base_filters) - set(extra)
    if unknown:
        return {}, {name: [_("Unknown parameter.")] for name in sorted(unknown)}
    form = filterset_class.validation_form(params)
    if not form.is_valid():
        return {}, form.errors
    data = form.cleaned_data
    lat, lng = data.get("lat"), data.get("lng")
    data["point"] = Point(lng, lat, srid=SRID) if lat is not None and lng is not None else None
    if data.get("radius_km") is None:
        data["radius_km"] = DEFAULT_RADIUS_KM
    return data, {}


def listing_query(data: dict) -> ListingQuery:
    """The selector's query from cleaned listing filters (API, exports and pages)."""
    return ListingQuery(
        kinds=tuple(data.get("kind") or ()),
        category=data.get("category") or None,
        need=data.get("need") or "",
        language=data.get("language") or "",
        access=tuple(data.get("access") or ()),
        country=data.get("country") or "",
        region=data.get("region") or None,
        q=(data.get("q") or "").strip(),
        open_now=bool(data.get("open_now")),
        open_at=data.get("open_at"),
        verified=bool(data.get("verified")),
        confirmed_within_days=data.get("confirmed_within_days"),
        updated_since=data.get("updated_since"),
        point=data["point"],
        radius_km=data["radius_km"],
        bbox=data.get("bbox"),
        ordering=data.get("ordering") or "",
    )


def need_query(data: dict, *, listing=None) -> NeedQuery:
    """The selector's query from cleaned need filters (API, feeds and pages)."""
    return NeedQuery(
        kinds=tuple(data.get("kind") or ()),
        skills=tuple(data.get("skill") or ()),
        urgencies=tuple(data.get("urgency") or ()),
        q=(data.get("q") or "").strip(),
        language=data.get("language") or "",
        region=data.get("region") or None,
        listing=listing,
        point=data["point"],
        radius_km=data["radius_km"],
        bbox=data.get("bbox"),
        ordering=data.get("ordering") or "",
    )


class TileFilterSet(MapFilterSet):
    """The map filters, for the vector tiles (`mapping.tiles`)."""

    class Meta:
        model = Listing
        form = PlaceForm
        fields: list[str] = []
