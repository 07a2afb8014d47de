"""Writing checked rows: listings with their history, categories, contacts, opening hours,
sources and region memberships, in batches (bulk inserts, set-based region membership as
bench/generate.py does), never one statement per row. Called inside the import's single
transaction."""

from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from ..choices import ContactKind, ListingStatus, Visibility
from ..models import Contact, Listing, ListingSource, OpeningPeriod
from ..services import timezone_at, unique_slug
from .rows import Row

BATCH = 2000
SLUG_LENGTH = 80

# Region membership as directory.services.regions_for: from the public point; a hidden
# listing only by country and state, from its true point. The pieces of the region
# boundaries are made by checks.check_regions.
REGIONS_SQL = """
INSERT INTO directory_listing_regions (listing_id, region_id)
SELECT DISTINCT l.id, r.id
FROM directory_listing l
JOIN import_region_piece r
  ON ST_Intersects(r.geom, CASE WHEN l.location_precision = 'hidden' THEN l.location
                                ELSE l.public_point END)
 AND (l.location_precision <> 'hidden' OR r.level IN ('country', 'admin1'))
WHERE l.id = ANY(%s) AND l.location IS NOT NULL
"""


def _record_history(ids: list[int], *, kind: str, reason: str) -> None:
    """One history record per listing, copied from its row by PostgreSQL (what
    simple-history's bulk helpers do, without a model instance per row)."""
    model = Listing.history.model
    columns = ", ".join(
        f'"{field.column}"'
        for field in model._meta.concrete_fields
        if not field.name.startswith("history_")
    )
    sql = (
        f"INSERT INTO {model._meta.db_table} ({columns}, history_date, "  # noqa: S608 (names from the model)
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, now(), %s, %s, NULL FROM directory_listing WHERE id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [reason, kind, ids])


def _slugs(rows: list[Row]) -> list[str]:
    """A unique slug per row (name and town, as listing_create makes them), with one query
    for all the plain ones and one per name already taken."""
    bases = [
        slugify(f"{row.name} {row.fields['locality']}".strip())[:SLUG_LENGTH].strip("-")
        or "listing"
        for row in rows
    ]
    taken = set(Listing.objects.filter(slug__in=set(bases)).values_list("slug", flat=True))
    used: set[str] = set()
    slugs = []
    for base in bases:
        slug = base
        if slug in taken or slug in used:
            slug, n = unique_slug(base, max_length=SLUG_LENGTH), 2
            while slug in used:
                suffix = f"-{n}"
                slug, n = f"{base[: SLUG_LENGTH - len(suffix)]}{suffix}", n + 1
        used.add(slug)
        slugs.append(slug)
    return slugs


def _apply(listing: Listing, row: Row) -> None:
    for name, value in row.fields.items():
        setattr(listing, name, value)
    listing.location = row.point
    listing.service_area = row.service_area
    listing.timezone = timezone_at(row.point) if row.point is not None else ""
    # The untranslated columns follow the original language, as a save through the
    # translated fields would leave them.
    language = row.fields["original_language"]
    for name in ("summary", "description", "opening_hours_notes"):
        setattr(listing, name, row.fields.get(f"{name}_{language}", ""))


def _children(rows: list[Row], ids: list[int]) -> None:
    through = Listing.categories.through
    through.objects.bulk_create(
        [
            through(listing_id=pk, category_id=category)
            for pk, row in zip(ids, rows, strict=True)
            for category in row.categories
        ],
        batch_size=BATCH,
    )
    Contact.objects.bulk_create(
        [
            Contact(
                listing_id=pk,
                kind=ContactKind(kind),
                value=value,
                visibility=Visibility.PUBLIC,
                position=position,
            )
            for pk, row in zip(ids, rows, strict=True)
            for position, (kind, value) in enumerate(row.contacts)
        ],
        batch_size=BATCH,
    )
    OpeningPeriod.objects.bulk_create(
        [
            OpeningPeriod(listing_id=pk, weekday=weekday, opens=opens, closes=closes)
            for pk, row in zip(ids, rows, strict=True)
            for weekday, opens, closes in row.periods
        ],
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute(REGIONS_SQL, [ids])


def create_listings(rows: list[Row], *, source: str, status: str, reason: str) -> None:
    listings = []
    for row, slug in zip(rows, _slugs(rows), strict=True):
        listing = Listing(slug=slug, status=status)
        _apply(listing, row)
        listings.append(listing)
    listings = Listing.objects.bulk_create(listings, batch_size=BATCH)
    ids = [listing.pk for listing in listings]
    _record_history(ids, kind="+", reason=reason)
    for row, pk in zip(rows, ids, strict=True):
        row.listing_id = pk
    _children(rows, ids)
    ListingSource.objects.bulk_create(
        [
            ListingSource(
                listing_id=pk, source=source, source_id=row.source_id, content_hash=row.hash
            )
            for row, pk in zip(rows, ids, strict=True)
        ],
        batch_size=BATCH,
    )


def update_listings(rows: list[Row], *, source: str, publish: bool, reason: str) -> None:
    """Listings imported before whose row changed: their fields, categories, contacts and
    hours become the file's; their status stays unless `publish`."""
    ids = [row.listing_id for row in rows]
    by_id = Listing.objects.in_bulk(ids)
    now = timezone.now()
    fields = {"location", "service_area", "timezone", "updated_at", "summary", "description"}
    fields.add("opening_hours_notes")
    listings = []
    for row in rows:
        listing = by_id[row.listing_id]
        _apply(listing, row)
        listing.updated_at = now
        if publish:
            listing.status = ListingStatus.PUBLISHED
        fields.update(row.fields)
        listings.append(listing)
    if publish:
        fields.add("status")
    Listing.objects.bulk_update(listings, sorted(fields), batch_size=BATCH)
    _record_history(ids, kind="~", reason=reason)
    Listing.categories.through.objects.filter(listing_id__in=ids).delete()
    Contact.objects.filter(listing_id__in=ids).delete()
    OpeningPeriod.objects.filter(listing_id__in=ids).delete()
    Listing.regions.through.objects.filter(listing_id__in=ids).delete()
    _children(rows, ids)
    hashes = {row.source_id: row.hash for row in rows}
    sources = list(ListingSource.objects.filter(source=source, source_id__in=hashes))
    for item in sources:
        item.content_hash = hashes[item.source_id]
        item.imported_at = now
    ListingSource.objects.bulk_update(sources, ["content_hash", "imported_at"], batch_size=BATCH)
