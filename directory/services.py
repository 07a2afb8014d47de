"""Writes of the directory. Each validates, changes the database in one transaction and
records history/audit; views, serializers, admin and commands call these."""

from collections.abc import Iterable
from functools import cache

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from timezonefinder import TimezoneFinder

from .choices import AuditAction, LocationPrecision, MembershipRole, RegionLevel
from .models import (
    REPORTS_TO_HIDE,
    AuditEvent,
    Listing,
    ListingMembership,
    Region,
    Report,
)
from .privacy import public_point

#: Levels a hidden listing is listed under (from its true point): nothing finer.
HIDDEN_LISTING_REGION_LEVELS = (RegionLevel.COUNTRY, RegionLevel.ADMIN1)


@cache
def _timezone_finder() -> TimezoneFinder:
    return TimezoneFinder()


def timezone_at(point: Point) -> str:
    """IANA time zone at a point (offline data), or "" at sea."""
    return _timezone_finder().timezone_at(lng=point.x, lat=point.y) or ""


def unique_slug(text: str, *, model=Listing, max_length: int = 80, exclude_pk=None) -> str:
    base = slugify(text)[:max_length].strip("-") or "listing"
    taken = set(
        model.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return slug


def regions_for(location: Point | None, precision: str) -> Iterable[Region]:
    """Regions a listing is listed under. Derived from what the public sees (the public
    point), so filtering by region reveals nothing finer than the map; a hidden listing is
    listed only by country and state, from its true point."""
    if location is None:
        return Region.objects.none()
    if precision == LocationPrecision.HIDDEN:
        return Region.objects.filter(
            geom__intersects=location, level__in=HIDDEN_LISTING_REGION_LEVELS
        )
    return Region.objects.filter(geom__intersects=public_point(location, precision))


def listing_refresh_derived(listing: Listing) -> None:
    """Recompute what follows from the location: time zone and regions."""
    listing.timezone = timezone_at(listing.location) if listing.location else ""
    Listing.objects.filter(pk=listing.pk).update(timezone=listing.timezone)
    listing.regions.set(regions_for(listing.location, listing.location_precision))


@transaction.atomic
def listing_create(*, listing: Listing, categories=(), by=None) -> Listing:
    """Validate and store a new listing; its creator (if any) becomes its lead."""
    if not listing.slug:
        listing.slug = unique_slug(f"{listing.name} {listing.locality}".strip())
    listing.full_clean()
    listing.save()
    listing.categories.set(categories)
    listing_refresh_derived(listing)
    if by is not None:
        ListingMembership.objects.create(listing=listing, user=by, role=MembershipRole.LEAD)
    return listing


def audit(action: str, *, actor=None, listing: Listing | None = None, obj=None, **data) -> AuditEvent:
    """Append one event to the audit log."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_repr=str(actor) if actor is not None and actor.is_authenticated else "",
        listing=listing,
        object_repr=str(obj if obj is not None else listing or "")[:200],
        data=data,
    )


@transaction.atomic
def report_create(*, report: Report) -> Report:
    """Store a report; the third open report hides the listing until a moderator acts."""
    report.full_clean()
    report.save()
    listing = Listing.objects.select_for_update().get(pk=report.listing_id)
    open_reports = listing.reports.filter(status="open").count()
    if open_reports >= REPORTS_TO_HIDE and not listing.hidden_by_reports:
        listing.hidden_by_reports = True
        listing.save(update_fields=["hidden_by_reports"])
        audit(AuditAction.LISTING_HIDDEN_BY_REPORTS, listing=listing, open_reports=open_reports)
    return report


def listing_confirm(*, listing: Listing) -> None:
    """A lead says the listing is still current."""
    listing.last_confirmed_at = timezone.now()
    listing.save(update_fields=["last_confirmed_at"])

