"""Public records of listings for the exchange formats (CSV and GeoPackage exports,
Murmurations profiles, HSDS services): the lean list item of `api.rows` (public point,
address as the precision allows) plus what the list rows lack, all public: contacts whose
visibility is `public`, opening periods, texts and service area (DESIGN.md §6). The true
location is never loaded."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Prefetch
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from directory import selectors
from directory.choices import Visibility
from directory.models import Contact, Listing

from .rows import LANGUAGES, ListingRows

#: Listings whose contacts, hours and texts are fetched together (three queries a chunk).
CHUNK = 1000
_TEXT_FIELDS = ("description", "eligibility_notes", "opening_hours_notes")
_LISTING_FIELDS = (
    "id",
    "timezone",
    "service_area",
    "ownership_model",
    "legal_form",
    "member_count",
    "founded_year",
    *(f"{name}_{code}" for name in _TEXT_FIELDS for code in LANGUAGES),
)


@dataclass
class PublicRecord:
    """What anyone may know of a listing, from its public row and its public details."""

    item: dict
    #: [lng, lat] of the public point, or None (hidden).
    coordinates: list[float] | None
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (kind, value, label) of the contacts visible to everyone, in their order.
    contacts: list[tuple[str, str, str]] = field(default_factory=list)
    #: (ISO weekday, opens, closes) in the listing's local time.
    periods: list[tuple] = field(default_factory=list)
    timezone: str = ""
    service_area: object = None
    ownership_model: str = ""
    legal_form: str = ""
    member_count: int | None = None
    founded_year: int | None = None

    def text(self, name: str) -> str:
        """`name` (summary, description...) in the original language, else any language."""
        values = self.item["summary"] if name == "summary" else self.texts.get(name, {})
        return values.get(self.item["original_language"]) or next(iter(values.values()), "")

    def first_contact(self, kind: str) -> str:
        return next((value for k, value, _label in self.contacts if k == kind), "")


def _batched(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _details(ids: list[int]) -> dict[int, Listing]:
    public_contacts = Contact.objects.filter(visibility=Visibility.PUBLIC).order_by(
        "position", "id"
    )
    listings = (
        Listing.objects.filter(id__in=ids)
        .only(*_LISTING_FIELDS)
        .prefetch_related(Prefetch("contacts", queryset=public_contacts), "opening_periods")
    )
    return {listing.id: listing for listing in listings}


def public_records(request, rows: Iterable[tuple]) -> Iterator[PublicRecord]:
    """Records of `directory.selectors.public_listing_rows` tuples (or page rows), in order."""
    builder = ListingRows(request, with_distance=False)
    for chunk in _batched(rows, CHUNK):
        built = [builder.item(row) for row in chunk]
        details = _details([item["id"] for item, _coordinates in built])
        for item, coordinates in built:
            listing = details[item["id"]]
            yield PublicRecord(
                item=item,
                coordinates=coordinates,
                texts={
                    name: {
                        code: getattr(listing, f"{name}_{code}")
                        for code in LANGUAGES
                        if getattr(listing, f"{name}_{code}")
                    }
                    for name in _TEXT_FIELDS
                },
                contacts=[
                    (contact.kind, contact.value, contact.label)
                    for contact in listing.contacts.all()
                    if contact.visibility == Visibility.PUBLIC
                ],
                periods=[(p.weekday, p.opens, p.closes) for p in listing.opening_periods.all()],
                timezone=listing.timezone,
                service_area=listing.service_area,
                ownership_model=listing.ownership_model,
                legal_form=listing.legal_form,
                member_count=listing.member_count,
                founded_year=listing.founded_year,
            )


def public_record(request, slug: str) -> PublicRecord:
    """The record of one public listing, or 404 (unpublished and hidden listings too)."""
    rows = selectors.public_listing_rows(
        Listing.objects.public().filter(slug=slug), with_distance=False
    )
    record = next(public_records(request, rows), None)
    if record is None:
        raise Http404
    return record


def page_url(request, slug: str) -> str:
    """The listing's public page, in the current language (its API URL if pages are off)."""
    try:
        return request.build_absolute_uri(reverse("pages:listing", kwargs={"slug": slug}))
    except NoReverseMatch:
        return request.build_absolute_uri(reverse("api:listing-detail", kwargs={"slug": slug}))
