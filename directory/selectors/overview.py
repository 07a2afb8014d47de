"""What the home page and the board's region menu read: counts of public listings and
needs, the recently updated listings, the regions with needs."""

from django.db.models import (
    BooleanField,
    Count,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL

from ..choices import ListingKind
from ..models import Listing, Need, Region


def public_counts() -> dict[str, int]:
    """Public listings per kind, and current public needs (one query each)."""
    counts = Listing.objects.public().aggregate(
        total=Count("id"),
        **{kind: Count("id", filter=Q(kind=kind)) for kind in ListingKind.values},
    )
    counts["open_needs"] = Need.objects.public().count()
    return counts


def recent_public_listings(*, limit: int = 12):
    return (
        Listing.objects.public()
        .order_by("-updated_at", "-id")
        .only(
            "slug",
            "name",
            "kind",
            "locality",
            "admin1",
            "country",
            "original_language",
            *(f"summary_{code}" for code in ("es", "pt", "fr", "en")),
        )[:limit]
    )


#: A region with a current need of a public listing, from the region statistics (probed
#: on their unique index, region first).
REGION_HAS_NEEDS_SQL = """EXISTS (
  SELECT 1 FROM directory_region_stats s
  WHERE s.region_id = "directory_region"."id" AND s.dimension = 'need_kind' AND s.n > 0)"""


def regions_with_public_needs(levels=("country", "admin1")) -> QuerySet:
    """Regions of `levels` holding a public listing with a current need (one query): the
    choices of the needs board's region filter, which then never leads to an empty page
    by itself (a county is one of its state's needs; its own page links to them).

    Read from the region statistics (`directory_region_stats`, decision 0004), which count
    current needs by region: as current as they are (at once after each change with
    REGION_STATS_REFRESH=on_commit, within a minute with `scheduled`). Finding them from
    the needs themselves took 3 s at 1M listings, on every page of the board."""
    has_needs = RawSQL(REGION_HAS_NEEDS_SQL, [], output_field=BooleanField())  # noqa: S611
    return (
        Region.objects.filter(has_needs, level__in=levels)
        .only("slug", "level", "country", *(f"name_{code}" for code in ("es", "pt", "fr", "en")))
        .order_by("level", "name", "id")
    )
