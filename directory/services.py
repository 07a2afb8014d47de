"""Writes of the directory. Each validates, changes the database in one transaction and
records history/audit; views, serializers, admin and commands call these."""

from collections.abc import Iterable
from functools import cache

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from timezonefinder import TimezoneFinder

from accounts.limits import limited_write

from . import stats
from .admin1 import address_admin1
from .choices import (
    AuditAction,
    ListingStatus,
    LocationPrecision,
    MembershipRole,
    NeedStatus,
    RegionLevel,
)
from .models import (
    REPORTS_TO_HIDE,
    AuditEvent,
    Contact,
    Listing,
    ListingMembership,
    Need,
    OpeningPeriod,
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
def listing_create(
    *, listing: Listing, categories=(), by=None, extra: dict | None = None
) -> Listing:
    """Validate and store a new listing (with contacts and opening hours from `extra`); its
    creator (if any) becomes its lead."""
    if not listing.slug:
        listing.slug = unique_slug(f"{listing.name} {listing.locality}".strip())
    listing.full_clean()
    listing.save()
    listing.categories.set(categories)
    _replace_contacts_and_hours(listing, extra or {})
    listing_refresh_derived(listing)
    stats.changed()
    if by is not None:
        ListingMembership.objects.create(listing=listing, user=by, role=MembershipRole.LEAD)
    return listing


def audit(
    action: str, *, actor=None, listing: Listing | None = None, obj=None, **data
) -> AuditEvent:
    """Append one event to the audit log."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_repr=str(actor) if actor is not None and actor.is_authenticated else "",
        listing=listing,
        object_repr=str(obj if obj is not None else listing or "")[:200],
        data=data,
    )


@limited_write("report", user_of=lambda kwargs: kwargs["report"].reporter)
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
        stats.changed()
    return report


def listing_confirm(*, listing: Listing) -> None:
    """A lead says the listing is still current."""
    listing.last_confirmed_at = timezone.now()
    listing.save(update_fields=["last_confirmed_at"])


# --- Writes from the API and the pages -----------------------------------------------------

LISTING_FIELDS = (
    "kind",
    "name",
    "original_language",
    "location",
    "location_precision",
    "service_area",
    "languages",
    "access",
    "ownership_model",
    "legal_form",
    "member_count",
    "founded_year",
)
LISTING_TRANSLATED = ("summary", "description", "eligibility_notes", "opening_hours_notes")
ADDRESS_FIELDS = {
    "street": "street_address",
    "locality": "locality",
    "admin1": "admin1",
    "postal_code": "postal_code",
    "country": "country",
}
NEED_FIELDS = (
    "kind",
    "original_language",
    "skills",
    "quantity",
    "unit",
    "urgency",
    "starts_on",
    "ends_on",
    "status",
)


def _merge_translations(obj, field: str, texts: dict[str, str]) -> None:
    """Set the languages given; the others keep their text ("" clears one)."""
    for code, text in texts.items():
        setattr(obj, f"{field}_{code}", text)


def _apply_listing_data(listing: Listing, data: dict) -> None:
    for name in LISTING_FIELDS:
        if name in data:
            value = data[name]
            setattr(
                listing,
                name,
                "" if value is None and name in ("ownership_model", "legal_form") else value,
            )
    for name in LISTING_TRANSLATED:
        if name in data:
            _merge_translations(listing, name, data[name])
    for key, name in ADDRESS_FIELDS.items():
        if key in data.get("address", {}):
            setattr(listing, name, data["address"][key])
    # A GeoNames or ISO code ("19", "MX-NLE") is stored as the state's name ("Nuevo León").
    listing.admin1 = address_admin1(str(listing.country or ""), listing.admin1)


def _replace_contacts_and_hours(listing: Listing, data: dict) -> None:
    if "contacts" in data:
        listing.contacts.all().delete()
        for position, item in enumerate(data["contacts"]):
            contact = Contact(listing=listing, position=position, **item)
            try:
                contact.full_clean()
            except ValidationError as error:
                raise ValidationError(
                    {f"contacts.{position}.{k}": v for k, v in error.message_dict.items()}
                ) from error
            contact.save()
    if "opening_hours" in data:
        listing.opening_periods.all().delete()
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(listing=listing, **item) for item in data["opening_hours"]
        )


@limited_write("listing", user_of=lambda kwargs: kwargs["by"])
@transaction.atomic
def listing_submit(*, by, data: dict) -> Listing:
    """A signed-in person proposes a listing: it waits for a moderator (status pending),
    and its author becomes its lead."""
    listing = Listing(status=ListingStatus.PENDING)
    _apply_listing_data(listing, data)
    listing._history_user = by
    return listing_create(listing=listing, categories=data.get("categories", ()), by=by, extra=data)


@transaction.atomic
def listing_update(*, listing: Listing, by, data: dict) -> Listing:
    """A lead, editor or moderator changes a listing; the history records who."""
    before = (listing.location, listing.location_precision)
    _apply_listing_data(listing, data)
    listing.full_clean()
    listing._history_user = by
    listing.save()
    if "categories" in data:
        listing.categories.set(data["categories"])
    _replace_contacts_and_hours(listing, data)
    if (listing.location, listing.location_precision) != before:
        listing_refresh_derived(listing)
    stats.changed()
    return listing


@transaction.atomic
def listing_archive(*, listing: Listing, by, reason: str = "") -> None:
    """Deleting a listing archives it: off every public surface (like a hidden one), history
    kept; `listing_restore` brings it back as it was. `reason` is shown to its leads."""
    if listing.status == ListingStatus.ARCHIVED:
        return
    listing.status_before_archive = listing.status
    listing.status = ListingStatus.ARCHIVED
    listing.archived_at = timezone.now()
    listing.archived_reason = reason
    listing._history_user = by
    listing._change_reason = reason[:100]
    listing.save(
        update_fields=[
            "status",
            "status_before_archive",
            "archived_at",
            "archived_reason",
            "updated_at",
        ]
    )
    audit(AuditAction.LISTING_ARCHIVED, actor=by, listing=listing, reason=reason)
    stats.changed()


@transaction.atomic
def listing_restore(*, listing: Listing, by) -> None:
    """Bring an archived listing back with the status it had (published listings are public
    again at once); restoring confirms it as current."""
    if listing.status != ListingStatus.ARCHIVED:
        return
    listing.status = listing.status_before_archive or ListingStatus.DRAFT
    listing.status_before_archive = ""
    listing.archived_at = None
    listing.archived_reason = ""
    listing.last_confirmed_at = timezone.now()
    listing._history_user = by
    listing.save(
        update_fields=[
            "status",
            "status_before_archive",
            "archived_at",
            "archived_reason",
            "last_confirmed_at",
            "updated_at",
        ]
    )
    audit(AuditAction.LISTING_RESTORED, actor=by, listing=listing)
    stats.changed()


@transaction.atomic
def listing_emergency_hide(*, listing: Listing, by, reason: str = "") -> None:
    """Take a listing off every public surface at once (a raid, a threat): lists, maps,
    exports, feeds and counts all read `Listing.objects.public()`. Its leads can show it
    again; moderators see why."""
    listing.emergency_hidden_at = timezone.now()
    listing.emergency_hidden_reason = reason.strip()[:2000]
    listing._history_user = by
    listing.save(update_fields=["emergency_hidden_at", "emergency_hidden_reason", "updated_at"])
    audit(
        AuditAction.LISTING_HIDDEN,
        actor=by,
        listing=listing,
        reason=listing.emergency_hidden_reason,
    )
    stats.changed()


@transaction.atomic
def listing_emergency_show(*, listing: Listing, by) -> None:
    """Put a listing hidden in an emergency back on the public surfaces."""
    listing.emergency_hidden_at = None
    listing._history_user = by
    listing.save(update_fields=["emergency_hidden_at", "updated_at"])
    audit(AuditAction.LISTING_UNHIDDEN, actor=by, listing=listing)
    stats.changed()


def _apply_need_data(need: Need, data: dict) -> None:
    for name in NEED_FIELDS:
        if name in data:
            setattr(need, name, data[name])
    for name in ("title", "description"):
        if name in data:
            _merge_translations(need, name, data[name])


@limited_write("need", user_of=lambda kwargs: kwargs["by"])
def need_create(*, listing: Listing, by, data: dict) -> Need:
    """A lead or editor posts what the listing needs."""
    return need_update(need=Need(listing=listing), by=by, data=data)


@transaction.atomic
def need_update(*, need: Need, by, data: dict) -> Need:
    """Validate and store a need (new or changed); the history records who."""
    _apply_need_data(need, data)
    need.full_clean()
    need._history_user = by
    need.save()
    stats.changed()
    return need


@transaction.atomic
def need_close(*, need: Need, by) -> None:
    """Deleting a need closes it; its history stays."""
    need.status = NeedStatus.CLOSED
    need._history_user = by
    need.save(update_fields=["status", "updated_at"])
    stats.changed()
