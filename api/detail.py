"""One listing or need, as its reader may see it (DESIGN.md §6): the public point for
everyone; the true point and restricted contacts only for those allowed, each read of an
exact location audit-logged."""

import json

from django.http import Http404
from django.urls import reverse

from directory import merge, selectors, services
from directory.choices import AuditAction, ListingStatus, LocationPrecision
from directory.models import Listing, Need
from directory.rules import contact_visibilities
from relay import services as relay

from .rows import ListingRows, NeedRows, feature, point

LANGUAGES = ("es", "pt", "fr", "en")


def visible_listing(user, slug: str) -> Listing:
    """The listing if this reader may see it (public, or theirs to edit/moderate), else 404.
    A duplicate merged into another listing is gone (its detail answers 301 there)."""
    return shown_listing(user, Listing.objects.filter(slug=slug).first())


def shown_listing(user, listing: Listing | None) -> Listing:
    if listing is None or listing.status == ListingStatus.MERGED:
        raise Http404
    if not listing.is_public and not user.has_perm("directory.view_unpublished_listing", listing):
        raise Http404
    return listing


def merged_redirect(request, listing: Listing | None) -> str | None:
    """The URL a merged duplicate's detail answers 301 to (its query string kept, so the
    format too), or None when it is not a merged listing this reader may follow."""
    if listing is None or listing.status != ListingStatus.MERGED:
        return None
    target = merge.redirect_target(listing)
    if target is None or (
        not target.is_public
        and not request.user.has_perm("directory.view_unpublished_listing", target)
    ):
        return None
    url = reverse("api:listing-detail", kwargs={"slug": target.slug})
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url


def can_see_need(user, need: Need) -> bool:
    if need.listing.is_public:
        return True
    return user.has_perm("directory.view_unpublished_listing", need.listing)


def _translations(obj, field: str) -> dict[str, str]:
    return {
        code: getattr(obj, f"{field}_{code}")
        for code in LANGUAGES
        if getattr(obj, f"{field}_{code}")
    }


def _visible_contacts(user, listing: Listing) -> list[dict]:
    allowed = contact_visibilities(user, listing)
    return [
        {"kind": c.kind, "value": c.value, "label": c.label, "visibility": c.visibility}
        for c in listing.contacts.all()
        if c.visibility in allowed
    ]


def listing_detail(request, listing: Listing, *, geojson: bool) -> dict:
    """Everything a reader may see of a listing: the list item plus its full content."""
    user = request.user
    row_qs = Listing.objects.filter(pk=listing.pk)
    row = selectors.public_listing_rows(row_qs, with_distance=False).get()
    properties, coordinates = ListingRows(request, with_distance=False).item(row)
    reach = relay.reach(listing)
    properties.update(
        {
            "description": _translations(listing, "description"),
            "eligibility_notes": _translations(listing, "eligibility_notes"),
            "opening_hours_notes": _translations(listing, "opening_hours_notes"),
            "opening_hours": [
                {
                    "weekday": p.weekday,
                    "opens": p.opens.strftime("%H:%M"),
                    "closes": p.closes.strftime("%H:%M"),
                }
                for p in listing.opening_periods.all()
            ],
            "timezone": listing.timezone,
            "contacts": _visible_contacts(user, listing),
            "service_area": _geometry(listing.service_area),
            "ownership_model": listing.ownership_model,
            "legal_form": listing.legal_form,
            "member_count": listing.member_count,
            "founded_year": listing.founded_year,
            "accepts_messages": reach.accepts_messages,
            "answers_within_days": reach.answer_days,
            "needs": NeedRows(request, with_distance=False).json(
                selectors.public_need_rows(
                    selectors.public_needs(selectors.NeedQuery(listing=listing))
                    if listing.is_public
                    else Need.objects.current()
                    .filter(listing=listing)
                    .order_by("-urgency_rank", "id"),
                    with_distance=False,
                )[:100]
            ),
        }
    )
    if user.has_perm("directory.view_unpublished_listing", listing):
        properties["status"] = listing.status
        properties["moderation_note"] = listing.moderation_note
    if listing.location is not None and user.has_perm("directory.view_exact_location", listing):
        properties["true_location"] = point([listing.location.x, listing.location.y])
        if listing.location_precision != LocationPrecision.EXACT:
            services.audit(AuditAction.EXACT_LOCATION_READ, actor=user, listing=listing, via="api")
    if geojson:
        return feature(properties, coordinates)
    properties["location"] = point(coordinates)
    return properties


def need_detail(request, need: Need, *, geojson: bool) -> dict:
    row = selectors.public_need_rows(Need.objects.filter(pk=need.pk), with_distance=False).get()
    properties, coordinates = NeedRows(request, with_distance=False).item(row)
    properties["description"] = _translations(need, "description")
    if geojson:
        return feature(properties, coordinates)
    properties["location"] = point(coordinates)
    return properties


def _geometry(geom) -> dict | None:
    return None if geom is None else json.loads(geom.geojson)
