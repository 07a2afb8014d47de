"""Merging duplicate listings (DESIGN.md §9), and undoing a merge within MERGE_UNDO_DAYS.

Listing `source` (the duplicate, "B") is merged into `target` ("A"): for each field where the
two differ the moderator keeps A's value or takes B's; everything that hangs on B moves to A
(needs, offers, reports, import sources, leads and editors, exact-location grants; B's
categories are added to A's; B's contacts and opening hours when chosen); B leaves every
public surface (status "merged": lists, search, tiles, region statistics, exports, feeds
and OGC all read published listings only) and its slug redirects to A.

What each table does, so that nothing is forgotten (every foreign key to Listing):

- `Need`, `relay.Offer`, `Report`, `ListingSource`: every row moves to A (an import of B's
  source record then updates A).
- `relay.JoinRequest`: moves to A, except a pending request of someone who already keeps A
  or already asks to join it (it stays on B, answered by A's).
- `ListingMembership`, `LocationAccessGrant`: moved, except a person A already has (A's row
  is kept; B's is removed and kept in the record to come back on undo).
- `Contact`, `OpeningPeriod`: when B's are chosen they swap with A's (A's wait on B), else
  they stay on B.
- `categories`: B's are added to A's; B keeps its own. `regions` follow A's location.
- `AuditEvent` (plain ids, append-only) and the history tables keep pointing at B.
- `MergeRecord.source`/`target` and `Listing.merged_into`: the merge itself.

The ids of what moved and A's values that B's replaced are kept in a `MergeRecord`, so that
`merge_undo` puts everything back exactly. Each write is one transaction, with both
listings' rows locked (in id order), and one audit event."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relay.models import JoinRequest, JoinState, Offer

from . import stats
from .choices import AuditAction, ListingStatus
from .models import (
    Contact,
    Listing,
    ListingMembership,
    ListingSource,
    LocationAccessGrant,
    MergeRecord,
    Need,
    OpeningPeriod,
    Report,
)
from .moderation import COMPARED_FIELDS, _label, _shown
from .services import audit, listing_refresh_derived

#: How long after a merge it can be undone.
MERGE_UNDO_DAYS = 30
#: Listing fields a moderator chooses between, then the rows chosen as a whole.
FIELDS = COMPARED_FIELDS
RELATED = ("contacts", "opening_hours")
CHOOSABLE = (*FIELDS, *RELATED)
TARGET, SOURCE = "target", "source"
#: Statuses a listing may be merged into (not archived, rejected, draft nor merged).
TARGET_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.PENDING)
GEOMETRIES = ("location", "service_area")
LOCATION_FIELDS = ("location", "location_precision")


def _require(user, listing) -> None:
    if user is None or not user.has_perm("directory.moderate_listing", listing):
        raise PermissionDenied


# --- Reading the two listings ------------------------------------------------------------------


@dataclass
class FieldDiff:
    name: str
    label: str
    target: str
    source: str


def _related_label(name: str) -> str:
    return str(_("Contacts") if name == "contacts" else _("Opening hours"))


def _related_shown(listing: Listing, name: str) -> str:
    if name == "contacts":
        return "\n".join(
            f"{c.get_kind_display()}: {c.value} ({c.get_visibility_display()})"
            for c in listing.contacts.all()
        )
    return "\n".join(str(period) for period in listing.opening_periods.all())


def _all_shown(listing: Listing) -> dict[str, str]:
    shown = {name: _shown(listing, name) for name in FIELDS}
    shown.update({name: _related_shown(listing, name) for name in RELATED})
    return shown


def merge_diff(target: Listing, source: Listing) -> tuple[list[FieldDiff], str]:
    """The fields where the two listings differ, and a stamp of both as they are now (a
    form carries it: a change to either in the meantime makes the form stale)."""
    a, b = _all_shown(target), _all_shown(source)
    diffs = [
        FieldDiff(
            name,
            _related_label(name) if name in RELATED else _label(name),
            a[name],
            b[name],
        )
        for name in CHOOSABLE
        if a[name] != b[name]
    ]
    return diffs, _stamp(target, source, a, b)


def _stamp(target, source, a: dict, b: dict) -> str:
    text = json.dumps([target.pk, source.pk, source.status, a, b], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def target_problem(target: Listing, source: Listing):
    """Why `source` cannot be merged into `target` (a message), or None."""
    if target.pk == source.pk:
        return _("A listing cannot be merged into itself: choose the other listing.")
    if target.status == ListingStatus.MERGED:
        return _("“%(name)s” is itself merged into another listing: merge into that one.") % {
            "name": target.name
        }
    if target.status not in TARGET_STATUSES or not (
        target.emergency_hidden_at is None and not target.hidden_by_reports
    ):
        return _(
            "“%(name)s” is hidden, archived or not yet submitted: merge into a listing that "
            "is published or waiting for review."
        ) % {"name": target.name}
    return None


def _prefetched(pk: int) -> Listing:
    return Listing.objects.prefetch_related("contacts", "opening_periods").get(pk=pk)


# --- Merging -----------------------------------------------------------------------------------


def _dump(listing: Listing, name: str):
    value = getattr(listing, name)
    if value is not None and name in GEOMETRIES:
        return value.hexewkb.decode()
    if name == "country":
        return str(value.code) if value else ""
    return value


def _load(name: str, value):
    if value is not None and name in GEOMETRIES:
        return GEOSGeometry(value)
    return value


def _clean_choices(choices: dict) -> dict[str, str]:
    errors = {}
    cleaned = {}
    for name, side in (choices or {}).items():
        if name not in CHOOSABLE:
            errors[name] = _("This is not a field that can be chosen.")
        elif side not in (TARGET, SOURCE):
            errors[name] = _("Choose the value of one of the two listings.")
        else:
            cleaned[name] = side
    if errors:
        raise ValidationError(errors)
    return cleaned


def _lock(*listings: Listing) -> dict[int, Listing]:
    ids = sorted({listing.pk for listing in listings})
    locked = {
        listing.pk: listing
        for listing in Listing.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    if len(locked) != len(ids):
        raise ValidationError({"into": _("That listing no longer exists.")})
    return locked


def _move(model, ids, to: Listing) -> None:
    if ids:
        model.objects.filter(pk__in=ids).update(listing=to)


def _move_needs(ids, to: Listing, by, reason: str) -> None:
    for need in Need.objects.filter(pk__in=ids):
        need.listing = to
        need._history_user = by
        need._change_reason = reason[:100]
        need.save(update_fields=["listing"])


def _move_people(model, source: Listing, target: Listing, keep: tuple[str, ...]) -> dict:
    """Move `model` rows (one per person and listing) from source to target; a person the
    target already has keeps the target's row, and source's is removed (and returned)."""
    taken = set(model.objects.filter(listing=target).values_list("user_id", flat=True))
    moved, removed = [], []
    for row in model.objects.filter(listing=source).order_by("pk"):
        if row.user_id in taken:
            removed.append(
                {"user": row.user_id, **{name: _json(getattr(row, name)) for name in keep}}
            )
        else:
            moved.append(row.pk)
    model.objects.filter(listing=source, user_id__in=[r["user"] for r in removed]).delete()
    _move(model, moved, target)
    return {"moved": moved, "removed": removed}


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _ids(queryset) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def listing_merge(
    *, target: Listing, source: Listing, choices: dict, moderator, stamp: str | None = None
) -> MergeRecord:
    """Merge `source` into `target`, taking source's value of each field `choices` names
    with "source" (the others keep target's). `stamp` (from `merge_diff`) refuses a form
    made before either listing changed."""
    _require(moderator, target)
    _require(moderator, source)
    choices = _clean_choices(choices)
    if target.pk == source.pk:
        raise ValidationError({"into": target_problem(target, source)})
    locked = _lock(target, source)
    target, source = locked[target.pk], locked[source.pk]
    if source.status == ListingStatus.MERGED:
        raise ValidationError(
            {"source": _("This listing is already merged into another one.")}, code="stale"
        )
    problem = target_problem(target, source)
    if problem:
        raise ValidationError({"into": problem})
    if stamp is not None:
        _diffs, now_stamp = merge_diff(_prefetched(target.pk), _prefetched(source.pk))
        if stamp != now_stamp:
            raise ValidationError(
                {
                    "stamp": _(
                        "One of the two listings changed since this page was opened: look "
                        "at the differences again and confirm."
                    )
                },
                code="stale",
            )

    from_source = [name for name in FIELDS if choices.get(name) == SOURCE]
    before = {"target": {name: _dump(target, name) for name in from_source}}
    before["target_timezone"] = target.timezone
    before["source_status"] = source.status
    for name in from_source:
        setattr(target, name, getattr(source, name))
    # Only what changes is validated (old rows may predate a validator), with both location
    # fields when either changes (their constraint spans the two).
    checked = set(from_source)
    if checked & set(LOCATION_FIELDS):
        checked |= set(LOCATION_FIELDS)
    try:
        if checked:
            target.full_clean(
                exclude=[f.name for f in Listing._meta.concrete_fields if f.name not in checked],
                validate_unique=False,
            )
    except ValidationError as error:
        raise ValidationError(
            {
                name: [
                    _("With the values chosen: %(problem)s") % {"problem": message}
                    for message in messages
                ]
                for name, messages in error.message_dict.items()
            }
        ) from error
    reason_in = f"merged {source.slug} into this listing"
    reason_out = f"merged into {target.slug}"
    target._history_user = moderator
    target._change_reason = reason_in[:100]
    target.save()
    if any(name in from_source for name in LOCATION_FIELDS):
        before["target_regions"] = sorted(target.regions.values_list("pk", flat=True))
        listing_refresh_derived(target)

    moved: dict = {}
    for name, model in (("contacts", Contact), ("opening_hours", OpeningPeriod)):
        if choices.get(name) == SOURCE:
            moved[name] = {
                "in": _ids(model.objects.filter(listing=source)),
                "out": _ids(model.objects.filter(listing=target)),
            }
            _move(model, moved[name]["out"], source)
            _move(model, moved[name]["in"], target)
    moved["needs"] = _ids(Need.objects.filter(listing=source))
    _move_needs(moved["needs"], target, moderator, reason_in)
    for name, model in (("offers", Offer), ("reports", Report), ("sources", ListingSource)):
        moved[name] = _ids(model.objects.filter(listing=source))
        _move(model, moved[name], target)
    moved["join_requests"] = _ids(
        JoinRequest.objects.filter(listing=source).exclude(
            Q(state=JoinState.PENDING)
            & (
                Q(requester__in=ListingMembership.objects.filter(listing=target).values("user"))
                | Q(
                    requester__in=JoinRequest.objects.filter(
                        listing=target, state=JoinState.PENDING
                    ).values("requester")
                )
            )
        )
    )
    _move(JoinRequest, moved["join_requests"], target)
    moved["memberships"] = _move_people(ListingMembership, source, target, ("role", "created_at"))
    moved["location_access_grants"] = _move_people(
        LocationAccessGrant, source, target, ("granted_by_id", "created_at")
    )
    have = set(target.categories.values_list("pk", flat=True))
    moved["categories"] = sorted(set(source.categories.values_list("pk", flat=True)) - have)
    if moved["categories"]:
        target.categories.add(*moved["categories"])

    now = timezone.now()
    source.status = ListingStatus.MERGED
    source.merged_into = target
    source.merged_at = now
    source._history_user = moderator
    source._change_reason = reason_out[:100]
    source.save(update_fields=["status", "merged_into", "merged_at", "updated_at"])

    record = MergeRecord.objects.create(
        target=target,
        source=source,
        moderator=moderator,
        choices={name: choices.get(name, TARGET) for name in CHOOSABLE if name in choices},
        moved=moved,
        before=before,
    )
    audit(
        AuditAction.MERGE,
        actor=moderator,
        listing=target,
        obj=f"{source.name} → {target.name}",
        merge=record.pk,
        source=source.pk,
        source_slug=source.slug,
        target_slug=target.slug,
        from_source=[*from_source, *(n for n in RELATED if choices.get(n) == SOURCE)],
    )
    stats.changed()
    return record


# --- Undoing -----------------------------------------------------------------------------------


def undo_problem(record: MergeRecord, now=None):
    """Why this merge cannot be undone any more (a message), or None."""
    if record.undone_at is not None:
        return _("This merge has already been undone.")
    now = now or timezone.now()
    if now - record.merged_at > timedelta(days=MERGE_UNDO_DAYS):
        return _(
            "A merge can be undone for %(days)d days only; this one is older. Edit the "
            "listing by hand instead."
        ) % {"days": MERGE_UNDO_DAYS}
    return None


@transaction.atomic
def merge_undo(*, record: MergeRecord, moderator, now=None) -> MergeRecord:
    """Put the duplicate back as it was before the merge, with everything that moved, and
    the target's fields taken from it back to the target's values."""
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    locked = _lock(record.target, record.source)
    target, source = locked[record.target_id], locked[record.source_id]
    _require(moderator, target)
    _require(moderator, source)
    now = now or timezone.now()
    problem = undo_problem(record, now)
    if problem:
        raise ValidationError({"merge": problem})
    if source.status != ListingStatus.MERGED or source.merged_into_id != target.pk:
        raise ValidationError({"merge": _("The duplicate is no longer merged here.")})
    if target.status == ListingStatus.MERGED:
        raise ValidationError(
            {
                "merge": _(
                    "“%(name)s” has since been merged into another listing: undo that merge first."
                )
                % {"name": target.name}
            }
        )
    moved, before = record.moved, record.before
    reason = f"merge of {source.slug} undone"[:100]

    restored = before.get("target", {})
    for name, value in restored.items():
        setattr(target, name, _load(name, value))
    target._history_user = moderator
    target._change_reason = reason
    target.save()
    if "target_regions" in before:
        # What followed from the location, as it was (not recomputed: exactly as before).
        Listing.objects.filter(pk=target.pk).update(timezone=before["target_timezone"])
        target.timezone = before["target_timezone"]
        target.regions.set(before["target_regions"])

    for name, model in (("contacts", Contact), ("opening_hours", OpeningPeriod)):
        if name in moved:
            model.objects.filter(pk__in=moved[name]["in"], listing=target).update(listing=source)
            model.objects.filter(pk__in=moved[name]["out"], listing=source).update(listing=target)
    _move_needs(
        _ids(Need.objects.filter(pk__in=moved.get("needs", []), listing=target)),
        source,
        moderator,
        reason,
    )
    for name, model in (
        ("offers", Offer),
        ("reports", Report),
        ("sources", ListingSource),
        ("join_requests", JoinRequest),
    ):
        model.objects.filter(pk__in=moved.get(name, []), listing=target).update(listing=source)
    for name, model in (
        ("memberships", ListingMembership),
        ("location_access_grants", LocationAccessGrant),
    ):
        people = moved.get(name, {"moved": [], "removed": []})
        model.objects.filter(pk__in=people["moved"], listing=target).update(listing=source)
        for row in people["removed"]:
            if model.objects.filter(Q(listing=source) & Q(user_id=row["user"])).exists():
                continue
            values = {k: v for k, v in row.items() if k not in ("user", "created_at")}
            created = model.objects.create(listing=source, user_id=row["user"], **values)
            model.objects.filter(pk=created.pk).update(created_at=row["created_at"])
    if moved.get("categories"):
        target.categories.remove(*moved["categories"])

    source.status = before.get("source_status") or ListingStatus.PUBLISHED
    source.merged_into = None
    source.merged_at = None
    source._history_user = moderator
    source._change_reason = reason
    source.save(update_fields=["status", "merged_into", "merged_at", "updated_at"])

    record.undone_at = now
    record.undone_by = moderator
    record.save(update_fields=["undone_at", "undone_by"])
    audit(
        AuditAction.MERGE_UNDO,
        actor=moderator,
        listing=source,
        obj=f"{source.name} ← {target.name}",
        merge=record.pk,
        target=target.pk,
        source_slug=source.slug,
        target_slug=target.slug,
    )
    stats.changed()
    return record


# --- Reads for the pages -----------------------------------------------------------------------


def merge_candidates(source: Listing, *, text: str = "", limit: int = 8) -> list[Listing]:
    """Listings with a name like `text` (by default the duplicate's; trigram, on the index of
    migration 0003's expression), the most alike first: where a moderator is likely to merge
    it into."""
    from django.contrib.postgres.search import TrigramSimilarity
    from django.db.models import Value
    from django.db.models.functions import Lower

    from .search import Unaccent

    text = Lower(Unaccent(Value((text or source.name)[:200])))
    return list(
        Listing.objects.filter(status__in=TARGET_STATUSES)
        .exclude(pk=source.pk)
        .alias(folded=Lower(Unaccent("name")))
        .filter(folded__trigram_similar=text)
        .annotate(similarity=TrigramSimilarity(Lower(Unaccent("name")), text))
        .only("slug", "name", "locality", "country", "status")
        .order_by("-similarity", "id")[:limit]
    )


def redirect_target(listing: Listing):
    """Where a merged listing's slug leads (following later merges), or None."""
    seen = set()
    while listing is not None and listing.status == ListingStatus.MERGED:
        if listing.pk in seen or listing.merged_into_id is None:
            return None
        seen.add(listing.pk)
        listing = Listing.objects.filter(pk=listing.merged_into_id).first()
    return listing
