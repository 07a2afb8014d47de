"""Public needs: the query of the API's `/needs/` (and of the volunteer board), its rows
and its one-statement page."""

from dataclasses import dataclass

from django.contrib.gis.geos import Point, Polygon
from django.db.models import (
    F,
    QuerySet,
)

from ..choices import MembershipRole
from ..geo import X, Y
from ..models import Listing, Need, Region
from ..search import matches
from .listings import _region_filter
from .sql import _columns_sql, _date_text, _order_sql, _time_text, distance_to, within
from .statements import page_statement, run_page

# Ordering choices of the API (DESIGN.md §3).
NEED_ORDERINGS = ("distance", "-urgency", "-created_at", "ends_on")


@dataclass(frozen=True)
class NeedQuery:
    """A validated search of current public needs."""

    kinds: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    q: str = ""
    language: str = ""
    region: Region | None = None
    listing: Listing | None = None
    point: Point | None = None
    radius_km: float = 25.0
    bbox: tuple[float, float, float, float] | None = None
    ordering: str = ""

    @property
    def effective_ordering(self) -> str:
        if self.ordering:
            return self.ordering
        return "distance" if self.point is not None else "-urgency"


NEED_ORDER_FIELDS = {
    "-urgency": ("-urgency_rank", "ends_on", "id"),
    "-created_at": ("-created_at", "id"),
    "ends_on": (F("ends_on").asc(nulls_last=True), "id"),
}


def public_needs(query: NeedQuery) -> QuerySet:
    """Current needs of public listings matching `query`; spatial filters and distance run
    on the listing's public point."""
    qs = Need.objects.current().filter(
        listing__status="published",
        listing__emergency_hidden_at__isnull=True,
        listing__hidden_by_reports=False,
    )
    if query.listing is not None:
        qs = qs.filter(listing=query.listing)
    if query.kinds:
        qs = qs.filter(kind__in=query.kinds)
    if query.skills:
        qs = qs.filter(skills__overlap=list(query.skills))
    if query.urgencies:
        qs = qs.filter(urgency__in=query.urgencies)
    if query.q:
        qs = qs.filter(matches("search_document", query.q))
    if query.language:
        qs = qs.filter(listing__languages__contains=[query.language])
    if query.region is not None:
        qs = qs.filter(_region_filter(query.region))
    if query.bbox is not None:
        qs = qs.filter(listing__public_point__intersects=Polygon.from_bbox(query.bbox))
    if query.point is not None:
        qs = qs.filter(within(query.point, query.radius_km)).annotate(
            distance_m=distance_to(query.point)
        )
    return qs.order_by(*_need_order(query))


def _need_order(query: NeedQuery) -> tuple:
    ordering = query.effective_ordering
    if ordering == "distance":
        return ("distance_m", "id") if query.point is not None else ("id",)
    return NEED_ORDER_FIELDS[ordering]


NEED_ROW_COLUMNS = (
    "id",
    "kind",
    "original_language",
    "title_es",
    "title_pt",
    "title_fr",
    "title_en",
    "skills",
    "quantity",
    "unit",
    "urgency",
    "starts_on",
    "ends_on",
    "status",
    "last_confirmed_at",
    "created_at",
    "updated_at",
    "listing__slug",
    "listing__name",
    "listing__kind",
    "listing__location_precision",
    "listing__locality",
    "listing__admin1",
    "listing__country",
    "lng",
    "lat",
)


def public_need_rows(qs: QuerySet, *, with_distance: bool) -> QuerySet:
    """`qs` as tuples of NEED_ROW_COLUMNS (+ distance_m), one query for any page size."""
    rows = qs.annotate(lng=X("listing__public_point"), lat=Y("listing__public_point"))
    columns = (*NEED_ROW_COLUMNS, "distance_m") if with_distance else NEED_ROW_COLUMNS
    return rows.values_list(*columns)


#: NEED_ROW_COLUMNS as SQL, for the one-statement pages (the listing joined as itself).
NEED_ROW_SQL = {
    **{
        name: (
            f'"directory_listing"."{name.removeprefix("listing__")}"'
            if name.startswith("listing__")
            else f'"directory_need"."{name}"'
        )
        for name in NEED_ROW_COLUMNS
    },
    "lng": 'ST_X("directory_listing"."public_point")',
    "lat": 'ST_Y("directory_listing"."public_point")',
    "starts_on": _date_text('"directory_need"."starts_on"'),
    "ends_on": _date_text('"directory_need"."ends_on"'),
    "created_at": _time_text('"directory_need"."created_at"'),
    "updated_at": _time_text('"directory_need"."updated_at"'),
}


NEED_COLUMNS_SQL = _columns_sql(NEED_ROW_SQL, NEED_ROW_COLUMNS)
#: Columns a page of need cards adds to NEED_ROW_COLUMNS (`need_page(..., descriptions=True)`):
#: the descriptions, and whether the contact relay reaches someone (an active lead with an
#: e-mail address, as `relay.services.accepts_messages`): else a card offers no "Offer help".
NEED_DESCRIPTION_COLUMNS = (
    *(f"description_{code}" for code in ("es", "pt", "fr", "en")),
    "listing__reaches_lead",
)
REACHES_LEAD_SQL = (
    "EXISTS (SELECT 1 FROM directory_listingmembership m"  # noqa: S608 (constants only)
    " JOIN accounts_user u ON u.id = m.user_id"
    f' WHERE m.listing_id = "directory_listing"."id" AND m.role = \'{MembershipRole.LEAD}\''
    " AND u.is_active AND u.email <> '')"
)
NEED_DESCRIBED_COLUMNS_SQL = _columns_sql(
    {name: f'"directory_need"."{name}"' for name in NEED_DESCRIPTION_COLUMNS[:4]}
    | {"listing__reaches_lead": REACHES_LEAD_SQL}
    | NEED_ROW_SQL,
    (*NEED_ROW_COLUMNS, *NEED_DESCRIPTION_COLUMNS),
)


def need_page_statement(
    query: NeedQuery, *, offset: int, limit: int, cap: int, descriptions: bool = False
):
    return page_statement(
        public_needs(query).order_by(),
        query,
        columns=NEED_DESCRIBED_COLUMNS_SQL if descriptions else NEED_COLUMNS_SQL,
        column_params=[],
        order_by=_order_sql("directory_need", _need_order(query)),
        offset=offset,
        limit=limit,
        cap=cap,
    )


def need_page(query: NeedQuery, *, offset: int, limit: int, cap: int, descriptions: bool = False):
    """(count up to `cap`, rows of NEED_ROW_COLUMNS (+ NEED_DESCRIPTION_COLUMNS with
    `descriptions`) (+ distance_m)) in one statement."""
    window = {"offset": offset, "limit": limit, "cap": cap, "descriptions": descriptions}
    return run_page(*need_page_statement(query, **window))
