"""Writing checked rows: listings with their history, categories, contacts, opening hours,
sources and region memberships, in batches (COPY, set-based region membership as
bench/generate.py does), never one statement per row. Called inside the import's single
transaction."""

import re
from collections import Counter

import psycopg
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.text import slugify

from ..choices import ContactKind, ListingStatus, Visibility
from ..models import Contact, Listing, ListingSource, OpeningPeriod
from ..services import timezone_at
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
    """A unique slug per row (name and town, as listing_create makes them: `base`, then
    `base-2`, `base-3`...): one query for all the plain ones, and one for each base that is
    taken or that several rows share, which reads every slug made from it."""
    bases = [
        slugify(f"{row.name} {row.fields['locality']}".strip())[:SLUG_LENGTH].strip("-")
        or "listing"
        for row in rows
    ]
    counts = Counter(bases)
    taken = set(Listing.objects.filter(slug__in=set(bases)).values_list("slug", flat=True))
    for base in {base for base, n in counts.items() if n > 1 or base in taken}:
        taken.update(Listing.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    used: set[str] = set()
    slugs = []
    for base in bases:
        slug, n = base, 2
        while slug in taken or slug in used:
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
    # translated fields would leave them. Only those: modeltranslation would otherwise also
    # write the text into the column of the language active now (the page's reader's).
    language = row.fields["original_language"]
    listing._mt_disable = True
    for name in ("summary", "description", "opening_hours_notes"):
        setattr(listing, name, row.fields.get(f"{name}_{language}", ""))
    listing._mt_disable = False


class WriteFailed(Exception):
    """The database refused a row while writing: `line` is the file's line when known,
    `reason` PostgreSQL's own words."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line


COPY_LINE = re.compile(r"\bline (\d+)")


def database_reason(error: Exception) -> str:
    """PostgreSQL's primary message for a database error (Django wraps psycopg's)."""
    diag = getattr(error, "diag", None) or getattr(error.__cause__, "diag", None)
    return (getattr(diag, "message_primary", None) or str(error)).strip().splitlines()[0]


def _copy(model, columns: list[str], values) -> None:
    """(file line, row of plain values) pairs into `model`'s table with COPY: no model
    instance nor SQL text per row (bulk_create spent more time building its statements than
    PostgreSQL took). A row the database refuses raises WriteFailed naming its line."""
    names = ", ".join(f'"{model._meta.get_field(name).column}"' for name in columns)
    sql = f"COPY {model._meta.db_table} ({names}) FROM STDIN"
    lines: list[int] = []
    try:
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for line, row in values:
                lines.append(line)
                copy.write_row(row)
    except (DatabaseError, psycopg.Error) as error:  # COPY speaks to psycopg directly
        diag = getattr(error, "diag", None) or getattr(error.__cause__, "diag", None)
        found = COPY_LINE.search(getattr(diag, "context", None) or "")
        index = int(found.group(1)) - 1 if found else -1
        line = lines[index] if 0 <= index < len(lines) else None
        raise WriteFailed(database_reason(error), line) from error


def _ewkb(geometry) -> str | None:
    return None if geometry is None else geometry.hexewkb.decode()


def _children(rows: list[Row], ids: list[int]) -> None:
    pairs = list(zip(ids, rows, strict=True))
    _copy(
        Listing.categories.through,
        ["listing", "category"],
        ((row.line, (pk, category)) for pk, row in pairs for category in row.categories),
    )
    _copy(
        Contact,
        ["listing", "kind", "value", "label", "visibility", "position"],
        (
            (row.line, (pk, ContactKind(kind).value, value, "", Visibility.PUBLIC.value, position))
            for pk, row in pairs
            for position, (kind, value) in enumerate(row.contacts)
        ),
    )
    _copy(
        OpeningPeriod,
        ["listing", "weekday", "opens", "closes"],
        (
            (row.line, (pk, weekday, opens, closes))
            for pk, row in pairs
            for weekday, opens, closes in row.periods
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(REGIONS_SQL, [ids])


def _new_ids(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Listing._meta.db_table, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _listing_values(rows: list[Row], slugs: list[str], ids: list[int], status: str):
    """Every column of each new listing, as `Listing(...)` with the row's fields would
    have them, in the order of `columns`."""
    fields = [
        field
        for field in Listing._meta.concrete_fields
        if not field.primary_key and not field.generated
    ]
    columns = ["id", *(field.attname for field in fields)]
    defaults = {field.attname: field.get_default() for field in fields}
    now = timezone.now()
    defaults.update(created_at=now, updated_at=now, status=status)
    values = []
    for pk, row, slug in zip(ids, rows, slugs, strict=True):
        listing = {**defaults, **row.fields, "id": pk, "slug": slug}
        listing["location"] = _ewkb(row.point)
        listing["service_area"] = _ewkb(row.service_area)
        listing["timezone"] = timezone_at(row.point) if row.point is not None else ""
        # The untranslated columns hold the original language's text.
        language = row.fields["original_language"]
        for name in ("summary", "description", "opening_hours_notes"):
            listing[name] = row.fields.get(f"{name}_{language}", "")
        values.append((row.line, tuple(listing[name] for name in columns)))
    return columns, values


def create_listings(rows: list[Row], *, source: str, status: str, reason: str) -> None:
    ids = _new_ids(len(rows))
    columns, values = _listing_values(rows, _slugs(rows), ids, status)
    _copy(Listing, columns, values)
    _record_history(ids, kind="+", reason=reason)
    for row, pk in zip(rows, ids, strict=True):
        row.listing_id = pk
    _children(rows, ids)
    now = timezone.now()
    _copy(
        ListingSource,
        ["listing", "source", "source_id", "content_hash", "imported_at"],
        (
            (row.line, (pk, source, row.source_id, row.hash, now))
            for row, pk in zip(rows, ids, strict=True)
        ),
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
