"""Reads of the directory: functions of plain arguments returning querysets or rows."""

from django.db.models import Count, Q

from .choices import ListingKind
from .models import Listing, Need


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
            "slug", "name", "kind", "locality", "admin1", "country", "original_language",
            *(f"summary_{code}" for code in ("es", "pt", "fr", "en")),
        )[:limit]
    )
