"""Keeping listings: the moderators' decisions, the leads' own actions, and the reads behind
the leads' dashboard and the moderation queue.

Writes follow `directory.services`: keyword-only, validated, one transaction, audit-logged.
`services` imports nothing from here (this module builds on it)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import stats
from .choices import (
    AuditAction,
    ListingStatus,
    MembershipRole,
    NeedStatus,
    ReportStatus,
)
from .content import CONTENT_LANGUAGES
from .models import (
    REPORTS_TO_HIDE,
    AuditEvent,
    Category,
    Listing,
    ListingMembership,
    Need,
    Report,
)
from .privacy import public_point
from .services import LISTING_TRANSLATED, audit

#: Longest reason or note a moderator may write.
MAX_NOTE = 2000


def _require(user, perm: str, obj=None) -> None:
    if user is None or not user.has_perm(perm, obj):
        raise PermissionDenied


def _clean_note(text: str, *, required: bool, field_name: str) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({field_name: _("Say why, in a sentence the lead will read.")})
    if len(text) > MAX_NOTE:
        raise ValidationError(
            {field_name: _("Keep it under %(max)d characters.") % {"max": MAX_NOTE}}
        )
    if "\x00" in text:
        raise ValidationError({field_name: _("Text must not contain NUL characters.")})
    return text


def _locked_status(listing: Listing) -> str:
    """Lock the listing's row for this transaction and return its stored status."""
    return Listing.objects.select_for_update().values_list("status", flat=True).get(pk=listing.pk)


# --- Moderators --------------------------------------------------------------------------------


@transaction.atomic
def listing_approve(*, listing: Listing, moderator) -> Listing:
    """Publish a listing waiting for review; the note to the lead is cleared."""
    _require(moderator, "directory.moderate_listing", listing)
    if _locked_status(listing) != ListingStatus.PENDING:
        raise ValidationError(_("Only a listing waiting for review can be approved."))
    listing.status = ListingStatus.PUBLISHED
    listing.moderation_note = ""
    listing._history_user = moderator
    listing.save(update_fields=["status", "moderation_note", "updated_at"])
    audit(AuditAction.LISTING_APPROVED, actor=moderator, listing=listing)
    stats.changed()
    return listing


@transaction.atomic
def listing_reject(*, listing: Listing, moderator, reason: str) -> Listing:
    """Send a listing back to its leads with a reason they see on their dashboard."""
    _require(moderator, "directory.moderate_listing", listing)
    reason = _clean_note(reason, required=True, field_name="reason")
    if _locked_status(listing) != ListingStatus.PENDING:
        raise ValidationError(_("Only a listing waiting for review can be rejected."))
    listing.status = ListingStatus.REJECTED
    listing.moderation_note = reason
    listing._history_user = moderator
    listing.save(update_fields=["status", "moderation_note", "updated_at"])
    audit(AuditAction.LISTING_REJECTED, actor=moderator, listing=listing, reason=reason)
    stats.changed()
    return listing


@transaction.atomic
def report_resolve(
    *, report: Report, moderator, note: str = "", status: str = ReportStatus.RESOLVED
) -> Report:
    """Close a report (resolved or dismissed). A listing hidden by reports is shown again
    once fewer than REPORTS_TO_HIDE of its reports are open."""
    _require(moderator, "directory.moderate_listing", report.listing)
    note = _clean_note(note, required=False, field_name="note")
    if status not in (ReportStatus.RESOLVED, ReportStatus.DISMISSED):
        raise ValidationError({"status": _("Choose resolved or dismissed.")})
    locked = Report.objects.select_for_update().values_list("status", flat=True).get(pk=report.pk)
    if locked != ReportStatus.OPEN:
        raise ValidationError(_("This report has already been dealt with."))
    report.status = status
    report.resolution_note = note
    report.resolved_by = moderator
    report.resolved_at = timezone.now()
    report.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])
    listing = Listing.objects.select_for_update().get(pk=report.listing_id)
    shown_again = False
    if listing.hidden_by_reports:
        still_open = listing.reports.filter(status=ReportStatus.OPEN).count()
        if still_open < REPORTS_TO_HIDE:
            listing.hidden_by_reports = False
            listing.save(update_fields=["hidden_by_reports"])
            shown_again = True
            stats.changed()
    audit(
        AuditAction.REPORT_RESOLVED,
        actor=moderator,
        listing=listing,
        obj=report,
        report=report.pk,
        status=status,
        reason=report.reason,
        note=note,
        shown_again=shown_again,
    )
    return report


# --- Leads and editors -------------------------------------------------------------------------


@transaction.atomic
def listing_resubmit(*, listing: Listing, by) -> Listing:
    """A lead or editor sends a draft or rejected listing (back) for review."""
    _require(by, "directory.change_listing", listing)
    if _locked_status(listing) not in (ListingStatus.DRAFT, ListingStatus.REJECTED):
        raise ValidationError(_("Only a draft or a rejected listing can be sent for review."))
    listing.status = ListingStatus.PENDING
    listing._history_user = by
    listing.save(update_fields=["status", "updated_at"])
    audit(AuditAction.LISTING_RESUBMITTED, actor=by, listing=listing)
    return listing


@transaction.atomic
def need_fulfil(*, need: Need, by) -> Need:
    """The need has been met: it leaves the public lists, its history stays."""
    _require(by, "directory.change_need", need)
    locked = Need.objects.select_for_update().values_list("status", flat=True).get(pk=need.pk)
    if locked != NeedStatus.OPEN:
        raise ValidationError(_("Only an open need can be marked as met."))
    need.status = NeedStatus.FULFILLED
    need._history_user = by
    need.save(update_fields=["status", "updated_at"])
    audit(AuditAction.NEED_FULFILLED, actor=by, listing=need.listing, obj=need, need=need.pk)
    stats.changed()
    return need


def find_person(text: str):
    """The active account with this e-mail address or username, or None."""
    text = (text or "").strip()
    if not text:
        return None
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(email__iexact=text) | Q(username__iexact=text))
        .order_by("id")
        .first()
    )


@transaction.atomic
def listing_add_member(*, listing: Listing, by, user, role: str) -> ListingMembership:
    """A lead (or a moderator) adds a co-lead or an editor."""
    _require(by, "directory.delete_listing", listing)  # leads and moderators
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Choose lead or editor.")})
    if user is None or not user.is_active:
        raise ValidationError({"person": _("No account has this e-mail address or username.")})
    if ListingMembership.objects.filter(listing=listing, user=user).exists():
        raise ValidationError({"person": _("This person already keeps this listing.")})
    membership = ListingMembership.objects.create(listing=listing, user=user, role=role)
    audit(
        AuditAction.MEMBERSHIP_GRANTED,
        actor=by,
        listing=listing,
        user=user.pk,
        username=user.get_username(),
        role=role,
    )
    return membership


# --- Reads -------------------------------------------------------------------------------------


def member_listings(user) -> QuerySet:
    """The listings this person keeps, with their role, categories, offers and requests to
    join waiting for an answer and needs, those with the most waiting offers first (3
    queries)."""
    waiting = Q(offers__state="new")
    needs = Need.objects.annotate(waiting_offers=Count("offers", filter=waiting)).order_by(
        "status", "-waiting_offers", "-urgency_rank", "id"
    )
    waiting_for_listing = (
        Listing.objects.filter(pk=OuterRef("pk"), offers__state="new")
        .annotate(n=Count("offers"))
        .values("n")
    )
    # Requests to join (relay.JoinRequest) waiting for the leads' answer.
    joins_waiting = (
        Listing.objects.filter(pk=OuterRef("pk"), join_requests__state="pending")
        .annotate(n=Count("join_requests"))
        .values("n")
    )
    return (
        Listing.objects.filter(memberships__user=user)
        .annotate(
            role=F("memberships__role"),
            waiting_offers=Coalesce(Subquery(waiting_for_listing), 0),
            waiting_joins=Coalesce(Subquery(joins_waiting), 0),
        )
        .prefetch_related("categories", Prefetch("needs", queryset=needs))
        .defer("service_area", "search_document")
        .order_by("name", "id")
    )


def pending_listings(*, limit: int = 50) -> QuerySet:
    """Listings waiting for review, the longest waiting first."""
    return (
        Listing.objects.filter(status=ListingStatus.PENDING)
        .prefetch_related("categories", "contacts", "opening_periods")
        .defer("search_document")
        .order_by("updated_at", "id")[:limit]
    )


def open_reports(*, limit: int = 100) -> QuerySet:
    """Open reports, the oldest first."""
    return (
        Report.objects.filter(status=ReportStatus.OPEN)
        .select_related("listing", "need")
        .defer("listing__service_area", "listing__search_document")
        .order_by("created_at", "id")[:limit]
    )


def emergency_hidden_listings(*, limit: int = 100) -> QuerySet:
    """Listings their leads hid in an emergency, the most recent first, with the reason."""
    return (
        Listing.objects.filter(emergency_hidden_at__isnull=False)
        .only("slug", "name", "emergency_hidden_at", "emergency_hidden_reason")
        .order_by("-emergency_hidden_at", "id")[:limit]
    )


def recent_audit(*, limit: int = 30) -> QuerySet:
    return AuditEvent.objects.order_by("-created_at", "-id")[:limit]


#: Fields compared between what a moderator last saw and what waits now.
COMPARED_FIELDS = (
    "kind",
    "name",
    "original_language",
    *(f"{name}_{code}" for name in LISTING_TRANSLATED for code in CONTENT_LANGUAGES),
    "location_precision",
    "location",
    "street_address",
    "locality",
    "admin1",
    "postal_code",
    "country",
    "service_area",
    "languages",
    "access",
    "ownership_model",
    "legal_form",
    "member_count",
    "founded_year",
)


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Review:
    """What a moderator needs to decide on one pending listing."""

    is_new: bool
    since: object = None  # when the moderators last decided on it
    changes: list[Change] = field(default_factory=list)


def _shown(record, name: str) -> str:
    value = getattr(record, name, None)
    if name == "location":
        # The public form only: reviewing needs no exact point (and reads of it are audited).
        shown = public_point(value, record.location_precision)
        return f"{shown.y:.4f}, {shown.x:.4f}" if shown is not None else "–"
    if name == "service_area":
        return "✓" if value else "–"
    labels = _choice_labels(record, name)
    if isinstance(value, list | tuple):
        return ", ".join(str(labels.get(item, item)) for item in value)
    if value in (None, ""):
        return ""
    return str(labels.get(value, value))


def _choice_labels(record, name: str) -> dict:
    """{value: label} of a field with choices (or of an array's items), else {}: a moderator
    reads "Neighbourhood (about 1 km)", not "area"."""
    try:
        model_field = record._meta.get_field(name)
    except FieldDoesNotExist:
        return {}
    model_field = getattr(model_field, "base_field", model_field)
    return dict(model_field.flatchoices) if model_field.choices else {}


def _label(name: str) -> str:
    return str(Listing._meta.get_field(name).verbose_name)


def reviews_for(listings) -> dict[int, Review]:
    """For each pending listing, the changes since the moderators last decided on it (from
    django-simple-history), or `is_new` when they never have. Three queries in all."""
    listings = list(listings)
    if not listings:
        return {}
    records: dict[int, list] = {}
    for record in Listing.history.filter(id__in=[item.pk for item in listings]).order_by(
        "id", "-history_date", "-history_id"
    ):
        records.setdefault(record.id, []).append(record)
    pairs = {}
    for listing in listings:
        history = records.get(listing.pk, [])
        i = 0
        while i < len(history) and history[i].status == ListingStatus.PENDING:
            i += 1
        if i == len(history):
            continue  # never decided on: a new listing
        j = i
        while j + 1 < len(history) and history[j + 1].status != ListingStatus.PENDING:
            j += 1
        pairs[listing.pk] = (history[j], history[0] if history else None)
    categories = _historical_categories(
        [record.history_id for pair in pairs.values() for record in pair if record is not None]
    )
    reviews = {}
    for listing in listings:
        if listing.pk not in pairs:
            reviews[listing.pk] = Review(is_new=True)
            continue
        before, after = pairs[listing.pk]
        changes = [
            Change(_label(name), _shown(before, name), _shown(after, name))
            for name in COMPARED_FIELDS
            if _shown(before, name) != _shown(after, name)
        ]
        old = categories.get(before.history_id, "")
        new = categories.get(after.history_id, "")
        if old != new:
            changes.append(Change(_label("categories"), old, new))
        reviews[listing.pk] = Review(is_new=False, since=before.history_date, changes=changes)
    return reviews


def _historical_categories(history_ids: list[int]) -> dict[int, str]:
    if not history_ids:
        return {}
    through = apps.get_model("directory", "HistoricalListing_categories")
    rows = list(
        through.objects.filter(history_id__in=history_ids).values_list("history_id", "category_id")
    )
    names = dict(
        Category.objects.filter(pk__in={category for _h, category in rows}).values_list(
            "pk", "slug"
        )
    )
    by_record: dict[int, list[str]] = {}
    for history_id, category_id in rows:
        by_record.setdefault(history_id, []).append(names.get(category_id, "?"))
    return {key: ", ".join(sorted(value)) for key, value in by_record.items()}


@dataclass
class Submitter:
    """A lead of a listing waiting for review, as the moderators see them: how old the
    account is, how many of its listings were sent back lately, and the limits it reached
    (accounts/limits.py)."""

    user_id: int
    username: str
    age_days: int
    rejections: int
    limit_hits: int
    last_hit_kind: str
    last_hit_at: object
    #: Writes allowed in 24 hours now, or None; and why (accounts.WriteLimitHit.Kind).
    cap: int | None
    cap_kind: str | None

    @property
    def last_hit_label(self) -> str:
        from accounts.models import WriteLimitHit

        return str(dict(WriteLimitHit.Kind.choices).get(self.last_hit_kind, self.last_hit_kind))

    @property
    def cap_label(self) -> str:
        from accounts.models import WriteLimitHit

        return str(dict(WriteLimitHit.Kind.choices).get(self.cap_kind, "")) if self.cap_kind else ""


def submitters_for(listings, *, now=None) -> dict[int, list[Submitter]]:
    """The leads of each listing with their standing: one query for every listing."""
    from django.conf import settings
    from django.db.models import IntegerField, Value

    from accounts.limits import standing_of
    from accounts.models import WriteLimitHit

    now = now or timezone.now()
    since = now - timedelta(days=settings.REJECTIONS_WINDOW_DAYS)
    pks = [listing.pk for listing in listings]
    if not pks:
        return {}
    led_by_user = ListingMembership.objects.filter(
        user_id=OuterRef(OuterRef("user_id")), role=MembershipRole.LEAD
    ).values("listing_id")
    rejections = (
        AuditEvent.objects.filter(
            action=AuditAction.LISTING_REJECTED, created_at__gte=since, listing_id__in=led_by_user
        )
        .order_by()
        .annotate(group=Value(1, output_field=IntegerField()))
        .values("group")
        .annotate(n=Count("id"))
        .values("n")
    )
    hits = WriteLimitHit.objects.filter(user_id=OuterRef("user_id"), created_at__gte=since)
    hit_count = (
        hits.order_by()
        .annotate(group=Value(1, output_field=IntegerField()))
        .values("group")
        .annotate(n=Count("id"))
        .values("n")
    )
    latest = hits.order_by("-created_at", "-id")
    rows = (
        ListingMembership.objects.filter(listing_id__in=pks, role=MembershipRole.LEAD)
        .annotate(
            rejections=Coalesce(Subquery(rejections), 0),
            limit_hits=Coalesce(Subquery(hit_count), 0),
            last_hit_kind=Subquery(latest.values("kind")[:1]),
            last_hit_at=Subquery(latest.values("created_at")[:1]),
        )
        .values(
            "listing_id",
            "user_id",
            "user__username",
            "user__date_joined",
            "user__is_staff",
            "user__is_superuser",
            "rejections",
            "limit_hits",
            "last_hit_kind",
            "last_hit_at",
        )
        .order_by("listing_id", "created_at", "id")
    )
    found: dict[int, list[Submitter]] = {pk: [] for pk in pks}
    for row in rows:
        age_days = (now - row["user__date_joined"]).days
        current = standing_of(
            age_days=age_days,
            rejections=row["rejections"],
            exempt=row["user__is_staff"] or row["user__is_superuser"],
        )
        found[row["listing_id"]].append(
            Submitter(
                user_id=row["user_id"],
                username=row["user__username"],
                age_days=age_days,
                rejections=row["rejections"],
                limit_hits=row["limit_hits"],
                last_hit_kind=row["last_hit_kind"] or "",
                last_hit_at=row["last_hit_at"],
                cap=current.cap,
                cap_kind=current.kind,
            )
        )
    return found
