"""Suspected duplicates (DESIGN.md §9): one rule for the dashboard form, the API, the
moderation queue and the importer.

Two listings look the same when they are of the same kind, within `DUPLICATE_RADIUS_M` of
each other, and their names' distinctive words (`name_core`: lower-cased, without accents,
without the words most names share: legal forms, "co-operative", "society", "community",
articles) have a pg_trgm similarity of at least `DUPLICATE_SIMILARITY`. On whole names,
"Miller Walk Housing Co-operative Limited" and "Allnutt Mill Housing Co-operative Limited"
score 0.6 (real co-operatives 1 km apart, in Co-operatives UK's open data).

What a submitter is told follows location privacy (§6): only public listings are offered,
and a listing whose location is not exact is matched on its public grid cell (a point within
1 km of the cell), never on its true point, so that moving a probe around cannot locate it
better than its cell; a hidden listing has no public location and is never offered to a
submitter. Moderators' matches use the true points, hidden listings included. What is shown
of a match is its name, link, kind and the public part of its address (city, state,
country), never a distance.

Candidates are found through the index of public points (`listing_public_point_gist`): a
true point is at most half a cell (of the coarsest precision) from its public point, so a
box of 1 km plus that half cell holds every listing within 1 km; hidden listings (no public
point) are found through the trigram index of names (`listing_name_trgm`).
"""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection
from django_countries import countries

from .choices import ListingKind, ListingStatus, LocationPrecision
from .privacy import CELLS_PER_DEGREE, PUBLIC_ADDRESS_FIELDS

DUPLICATE_RADIUS_M = 1000
#: Trigram similarity of names (pg_trgm's measure) from which two listings look the same.
DUPLICATE_SIMILARITY = 0.6
#: Similar listings shown for one name.
SHOWN = 5
#: Half the side of the coarsest grid cell (region precision), in degrees.
HALF_CELL_DEG = 0.5 / min(CELLS_PER_DEGREE.values())
#: A little over the radius in degrees of latitude (and of longitude at the equator).
RADIUS_DEG = DUPLICATE_RADIUS_M / 111_000 * 1.01

#: A name lower-cased, without accents: the trigram index's expression, which finds candidates.
FOLDED = "lower(tejido_unaccent({}))"
#: A name as it is compared: its distinctive words (migration 0018, `name_core` in Python).
CORE = "tejido_name_core({})"
#: Words most names share, dropped before comparing (lower-cased, without accents; the
#: function of migration 0018 holds the same list: a test compares the two).
_GENERIC = (
    "a ac an and asociacion asociaciones association associations associacao associacoes au "
    "aux co communautaire communautaires community company comunitaria comunitarias "
    "comunitario comunitarios coop cooperatif cooperative cooperatives cooperativa "
    "cooperativas cooperativo cooperativos coops corp corporation cic cio da das de del des "
    "do dos du e el em en et for in inc incorporated la las lda le les llc los ltd ltda "
    "limited na no npo of ong op operative operatives para plc por pour sa sarl sas scic "
    "scop sociedad sociedade societe societies society the y"
)
GENERIC_WORDS = frozenset(_GENERIC.split())
#: Letters unaccent turns into two, or into another letter, that NFKD leaves alone.
_FOLDED_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l"})


def name_core(name: str) -> str:
    """The distinctive words of a name, as `tejido_name_core` makes them in PostgreSQL: for
    the comparison of rows of one file before they are in the database."""
    decomposed = unicodedata.normalize("NFKD", name.lower().translate(_FOLDED_LETTERS))
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in text).split()
    kept = [word for word in words if word not in GENERIC_WORDS]
    return " ".join(kept or words)


#: The search box around a probe point `{p}` at latitude `{y}`: the radius plus half the
#: coarsest cell, wider east-west away from the equator.
SEARCH_BOX = (
    "ST_Expand({p}, %(radius_deg)s / greatest(cos(radians({y})), 0.01) + %(half_cell)s,"
    " %(radius_deg)s + %(half_cell)s)"
)

#: What a submitter's probe is compared with: the public point of an exact listing, the
#: public cell of an area or region one.
PUBLIC_SHAPE = (
    "CASE l.location_precision "
    + " ".join(
        f"WHEN '{precision}' THEN ST_Expand(l.public_point, {0.5 / k!r})"
        for precision, k in CELLS_PER_DEGREE.items()
    )
    + " ELSE l.public_point END"
)
PUBLIC_STATUS = (
    f"(l.status = '{ListingStatus.PUBLISHED}' AND l.emergency_hidden_at IS NULL"
    " AND NOT l.hidden_by_reports)"
)
MODERATOR_STATUS = f"({PUBLIC_STATUS} OR l.status = '{ListingStatus.PENDING}')"

_CANDIDATE = """
    SELECT l.id, similarity({core_l}, t.core) AS score
    FROM directory_listing l
    WHERE {where} AND l.kind = t.kind AND l.id IS DISTINCT FROM t.exclude AND {status}
      AND similarity({core_l}, t.core) >= %(similarity)s
      AND ST_DWithin(({shape})::geography, t.p::geography, %(metres)s)
"""
SIMILAR_SQL = """
WITH t AS (
  SELECT t.i, t.kind, t.exclude, {folded_t} AS folded, {core_t} AS core,
    ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) AS p,
    {box} AS box
  FROM unnest(%(ids)s::int[], %(names)s::text[], %(kinds)s::text[], %(xs)s::float8[],
              %(ys)s::float8[], %(excludes)s::int[]) AS t(i, name, kind, x, y, exclude)
)
SELECT t.i, l.slug, l.name, l.kind, l.status, l.location_precision, l.locality, l.admin1,
  l.country, m.score
FROM t CROSS JOIN LATERAL (
  SELECT c.id, c.score FROM ({candidates}) c ORDER BY c.score DESC, c.id LIMIT %(limit)s
) m
JOIN directory_listing l ON l.id = m.id
ORDER BY t.i, m.score DESC, m.id
"""


def _sql(*, for_moderator: bool) -> str:
    folded_l, core_l = FOLDED.format("l.name"), CORE.format("l.name")
    near = _CANDIDATE.format(
        core_l=core_l,
        where="l.public_point && t.box",
        status=MODERATOR_STATUS if for_moderator else PUBLIC_STATUS,
        shape="l.location" if for_moderator else PUBLIC_SHAPE,
    )
    candidates = near
    if for_moderator:
        hidden = _CANDIDATE.format(
            core_l=core_l,
            # `%` (escaped for the driver) walks the trigram index; the threshold is checked after.
            where=f"l.location_precision = '{LocationPrecision.HIDDEN}'"
            f" AND l.location IS NOT NULL AND {folded_l} %% t.folded",
            status=MODERATOR_STATUS,
            shape="l.location",
        )
        candidates = f"{near} UNION ALL {hidden}"
    box = SEARCH_BOX.format(p="ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)", y="t.y")
    return SIMILAR_SQL.format(
        folded_t=FOLDED.format("t.name"),
        core_t=CORE.format("t.name"),
        box=box,
        candidates=candidates,
    )


@dataclass(frozen=True)
class SimilarListing:
    """A listing that looks like the one being written: only what may be shown of it."""

    slug: str
    name: str
    kind: str
    status: str
    place: str
    similarity: float

    @property
    def kind_label(self) -> str:
        return str(ListingKind(self.kind).label)

    @property
    def status_label(self) -> str:
        return str(ListingStatus(self.status).label)


def public_place(precision: str, locality: str, admin1: str, country: str) -> str:
    """City, state and country as far as the listing's precision makes them public."""
    shown = PUBLIC_ADDRESS_FIELDS[LocationPrecision(precision)]
    parts = [
        locality if "locality" in shown else "",
        admin1 if "admin1" in shown else "",
        countries.name(country) if country and "country" in shown else "",
    ]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Probe:
    """A name, kind and point to compare; `exclude` is the listing itself, when it exists."""

    name: str
    kind: str
    point: Point | None
    exclude: int | None = None


def similar_to_many(
    probes: Sequence[Probe], *, for_moderator: bool = False, limit: int = SHOWN
) -> dict[int, list[SimilarListing]]:
    """Similar listings of each probe (by its position), the most similar first: one query
    for all of them."""
    found: dict[int, list[SimilarListing]] = defaultdict(list)
    statement = similar_statement(probes, for_moderator=for_moderator, limit=limit)
    if statement is None:
        return found
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        rows = cursor.fetchall()
    for i, slug, name, kind, status, precision, locality, admin1, country, score in rows:
        # A moderator sees the whole address line a lead wrote, a submitter its public part.
        place = public_place(
            LocationPrecision.EXACT if for_moderator else precision, locality, admin1, country
        )
        found[i].append(SimilarListing(slug, name, kind, status, place, round(score, 2)))
    return found


def similar_statement(
    probes: Sequence[Probe], *, for_moderator: bool = False, limit: int = SHOWN
) -> tuple[str, dict] | None:
    """The SQL and parameters of `similar_to_many` (None when no probe has a point)."""
    located = [(i, probe) for i, probe in enumerate(probes) if probe.point and probe.name]
    if not located:
        return None
    parameters = {
        "ids": [i for i, _probe in located],
        "names": [probe.name for _i, probe in located],
        "kinds": [probe.kind for _i, probe in located],
        "xs": [probe.point.x for _i, probe in located],
        "ys": [probe.point.y for _i, probe in located],
        "excludes": [probe.exclude for _i, probe in located],
        "radius_deg": RADIUS_DEG,
        "half_cell": HALF_CELL_DEG,
        "similarity": DUPLICATE_SIMILARITY,
        "metres": DUPLICATE_RADIUS_M,
        "limit": limit,
    }
    return _sql(for_moderator=for_moderator), parameters


def similar_listings(
    *,
    name: str,
    kind: str,
    point: Point | None,
    exclude: int | None = None,
    limit: int = SHOWN,
    for_moderator: bool = False,
) -> list[SimilarListing]:
    """Listings that look like a listing called `name`, of `kind`, at `point` (its true
    point): public ones for a submitter, pending ones too for a moderator."""
    probe = Probe(name=name, kind=kind, point=point, exclude=exclude)
    return similar_to_many([probe], for_moderator=for_moderator, limit=limit).get(0, [])


def similar_to_listings(listings: Iterable) -> dict[int, list[SimilarListing]]:
    """For the moderation queue: each listing's suspected duplicates by its id (one query)."""
    listings = list(listings)
    probes = [Probe(item.name, item.kind, item.location, item.pk) for item in listings]
    found = similar_to_many(probes, for_moderator=True)
    return {item.pk: found.get(i, []) for i, item in enumerate(listings)}


def _moved(before, after) -> bool:
    if before is None or after is None:
        return before is not after
    return not before.equals_exact(after, tolerance=1e-6)


def similar_for_write(*, data: dict, listing=None) -> list[SimilarListing]:
    """What a submitter is warned of before a write: for a new listing, or one whose name,
    kind or point changes (`data` as the services take it, partial for a PATCH)."""
    name = data.get("name", listing.name if listing else "")
    kind = data.get("kind", listing.kind if listing else "")
    point = data.get("location", listing.location if listing else None)
    if listing is not None and not (
        name != listing.name or kind != listing.kind or _moved(listing.location, point)
    ):
        return []
    return similar_listings(
        name=name, kind=kind, point=point, exclude=listing.pk if listing else None
    )
