"""Reads of the directory: functions of plain arguments returning querysets or rows.

Every public read runs on `Listing.public_point` (DESIGN.md §6): filters, distance, order.
Spatial SQL is written to match the indexes: radius and nearest-first on
`public_geog` (`listing_public_geog_gist`, `<->` for order), bounding boxes with
`ST_Intersects` (index `&&`, then an exact test) on the geometry (`listing_public_point_gist`).

By subject:

- `listings`: the listing query (`ListingQuery`, `public_listings`), its rows and its page;
- `needs`: the same for needs (`NeedQuery`, `public_needs`, `need_page`);
- `statements`: the one-statement pages both build on (count, bound and page at once,
  or a walk along the order for words);
- `sql`: the SQL expressions they share ("open now", distance, dates as text, order);
- `overview`: counts, recent listings, regions with needs.

Callers import from `directory.selectors` itself; the names below are its interface.
"""

from .listings import (
    CATEGORY_SLUGS_SQL,
    HOURS_COLUMNS,
    LISTING_COLUMNS_SQL,
    LISTING_HOURS_COLUMNS_SQL,
    LISTING_ROW_SQL,
    NEED_KINDS_SQL,
    ORDERINGS,
    ROW_COLUMNS,
    ListingQuery,
    listing_page,
    listing_page_statement,
    public_listing_rows,
    public_listings,
    with_typos_if_none,
)
from .needs import (
    NEED_COLUMNS_SQL,
    NEED_DESCRIBED_COLUMNS_SQL,
    NEED_DESCRIPTION_COLUMNS,
    NEED_ORDER_FIELDS,
    NEED_ORDERINGS,
    NEED_ROW_COLUMNS,
    NEED_ROW_SQL,
    NeedQuery,
    need_page,
    need_page_statement,
    public_need_rows,
    public_needs,
)
from .overview import (
    REGION_HAS_NEEDS_SQL,
    public_counts,
    recent_public_listings,
    regions_with_public_needs,
)
from .sql import (
    DISTANCE_SLACK_KM,
    OPEN_AT_SQL,
    OPEN_NOW_SQL,
    PUBLIC_GEOGRAPHY,
    distance_to,
    open_at_expression,
    open_now_expression,
    within,
)
from .statements import (
    WALK_ROWS,
    page_statement,
    run_page,
    walk_page_statement,
)

__all__ = [
    "CATEGORY_SLUGS_SQL",
    "DISTANCE_SLACK_KM",
    "HOURS_COLUMNS",
    "LISTING_COLUMNS_SQL",
    "LISTING_HOURS_COLUMNS_SQL",
    "LISTING_ROW_SQL",
    "NEED_COLUMNS_SQL",
    "NEED_DESCRIBED_COLUMNS_SQL",
    "NEED_DESCRIPTION_COLUMNS",
    "NEED_KINDS_SQL",
    "NEED_ORDERINGS",
    "NEED_ORDER_FIELDS",
    "NEED_ROW_COLUMNS",
    "NEED_ROW_SQL",
    "OPEN_AT_SQL",
    "OPEN_NOW_SQL",
    "ORDERINGS",
    "PUBLIC_GEOGRAPHY",
    "REGION_HAS_NEEDS_SQL",
    "ROW_COLUMNS",
    "WALK_ROWS",
    "ListingQuery",
    "NeedQuery",
    "distance_to",
    "listing_page",
    "listing_page_statement",
    "need_page",
    "need_page_statement",
    "open_at_expression",
    "open_now_expression",
    "page_statement",
    "public_counts",
    "public_listing_rows",
    "public_listings",
    "public_need_rows",
    "public_needs",
    "recent_public_listings",
    "regions_with_public_needs",
    "run_page",
    "walk_page_statement",
    "with_typos_if_none",
    "within",
]
