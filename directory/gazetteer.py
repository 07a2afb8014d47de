"""Reads of places: region outlines and the gazetteer look-up behind "where"."""

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.text import slugify

from .models import Place, Region

#: Tolerance of region outlines sent to clients (degrees, ~100 m).
OUTLINE_TOLERANCE = 0.001


def region_with_outline(slug: str, *, outline: bool = True) -> Region:
    """The region (404 if none) with `parent_slug` and, if asked, `outline`: its boundary
    simplified for display, as a GeoJSON dict built by PostGIS."""
    qs = Region.objects.annotate(parent_slug=F("parent__slug")).defer("geom")
    if outline:
        qs = qs.annotate(
            outline_json=RawSQL(
                "ST_AsGeoJSON("
                "ST_Multi(ST_SimplifyPreserveTopology(directory_region.geom, %s)), 6)::json",
                [OUTLINE_TOLERANCE],
            )
        )
    region = qs.filter(slug=slug).first()
    if region is None:
        raise Http404
    region.outline = getattr(region, "outline_json", None)
    return region


def places_matching(text: str, *, country: str = "") -> QuerySet:
    """Gazetteer look-up for "where": US ZIP codes by prefix, places by name (accents and
    case ignored, typos tolerated by trigram similarity); best match, then most populous."""
    text = text.strip()
    qs = Place.objects.all()
    if country:
        qs = qs.filter(country=country)
    if text.isdigit():
        return qs.filter(kind="postal_code", postal_code__startswith=text).order_by("postal_code")
    # "Santa Ana, CA", "Cap-Haïtien, HT": a name, then optionally a state or country.
    name, _comma, qualifier = text.partition(",")
    key = slugify(name).replace("-", " ")
    qualifier = qualifier.strip()
    if qualifier:
        qs = qs.filter(
            Q(admin1__iexact=qualifier)
            | Q(admin1_name__iexact=qualifier)
            | Q(country__iexact=qualifier)
        )
    return (
        qs.filter(kind="city")
        .filter(Q(ascii_name__startswith=key) | Q(ascii_name__trigram_similar=key))
        .annotate(
            prefix=ExpressionWrapper(Q(ascii_name__startswith=key), output_field=BooleanField()),
            similarity=TrigramSimilarity("ascii_name", key),
        )
        .order_by("-prefix", "-similarity", "-population", "id")
    )
