"""The moderators' queue: listings waiting for review (with what changed), open reports,
and the decisions on them; each decision is written to the audit log by the service."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.mfa import mfa_missing, setup_redirect
from directory import duplicates, merge, moderation
from directory.choices import AccessFact, AuditAction, ListingStatus, ReportStatus
from directory.models import Listing, MergeRecord, Report
from relay import joins

from .govuk import apply_service_errors, error_summary
from .review_forms import MergeForm, MergeIntoForm, RejectForm, ResolveForm

ACCESS_LABELS = dict(AccessFact.choices)


def moderator_required(view):
    """Anonymous people are sent to sign in; moderators without a second factor, to set one
    up (accounts/mfa.py); signed-in people who are not moderators get 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if mfa_missing(request.user):
            return setup_redirect(request)
        if not request.user.has_perm("directory.moderate_listing"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _queue(request, *, reject_forms=None, resolve_forms=None, status=200):
    pending = list(moderation.pending_listings())
    reviews = moderation.reviews_for(pending)
    similar = duplicates.similar_to_listings(pending)  # one query for the whole page
    submitters = moderation.submitters_for(pending)
    reject_forms = reject_forms or {}
    resolve_forms = resolve_forms or {}
    items = [
        {
            "listing": listing,
            "review": reviews[listing.pk],
            "similar": similar[listing.pk],
            "submitters": submitters[listing.pk],
            "access": [ACCESS_LABELS.get(value, value) for value in listing.access],
            "reject": reject_forms.get(listing.pk) or RejectForm(prefix=f"reject-{listing.pk}"),
        }
        for listing in pending
    ]
    reports = [
        {
            "report": report,
            "form": resolve_forms.get(report.pk) or ResolveForm(prefix=f"report-{report.pk}"),
        }
        for report in moderation.open_reports()
    ]
    errors = error_summary(*reject_forms.values(), *resolve_forms.values())
    events = list(moderation.recent_audit())
    merge_ids = [
        event.data.get("merge")
        for event in events
        if event.action == AuditAction.MERGE and isinstance(event.data.get("merge"), int)
    ]
    merges = (
        {record.pk: record for record in MergeRecord.objects.filter(pk__in=merge_ids)}
        if merge_ids
        else {}
    )
    return render(
        request,
        "pages/moderation/queue.html",
        {
            "items": items,
            "reports": reports,
            "events": events,
            "merges": {pk: merge.undo_problem(record) is None for pk, record in merges.items()},
            "hidden": moderation.emergency_hidden_listings(),
            "join_requests": list(joins.pending_for_moderators()),
            "join_next": request.path,
            "join_for_moderators": True,
            "errors": errors,
            "rejection_days": settings.REJECTIONS_WINDOW_DAYS,
        },
        status=status,
    )


@moderator_required
def queue(request):
    return _queue(request)


@moderator_required
@require_POST
def approve(request, slug):
    listing = get_object_or_404(Listing, slug=slug, status=ListingStatus.PENDING)
    try:
        moderation.listing_approve(listing=listing, moderator=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(name)s” is published.") % {"name": listing.name})
    return redirect("pages:moderation")


@moderator_required
@require_POST
def reject(request, slug):
    listing = get_object_or_404(Listing, slug=slug, status=ListingStatus.PENDING)
    form = RejectForm(request.POST, prefix=f"reject-{listing.pk}")
    if form.is_valid():
        try:
            moderation.listing_reject(
                listing=listing, moderator=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(name)s” is sent back to its leads with your reason.")
                % {"name": listing.name},
            )
            return redirect("pages:moderation")
    return _queue(request, reject_forms={listing.pk: form})


@moderator_required
@require_POST
def resolve(request, pk):
    report = get_object_or_404(
        Report.objects.select_related("listing"), pk=pk, status=ReportStatus.OPEN
    )
    form = ResolveForm(request.POST, prefix=f"report-{report.pk}")
    if form.is_valid():
        try:
            moderation.report_resolve(
                report=report,
                moderator=request.user,
                note=form.cleaned_data["note"],
                status=form.cleaned_data["status"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The report is closed."))
            return redirect("pages:moderation")
    return _queue(request, resolve_forms={report.pk: form})


# --- Merging duplicates ------------------------------------------------------------------------


def _merge_listing(slug: str) -> Listing:
    return get_object_or_404(
        Listing.objects.prefetch_related("contacts", "opening_periods").defer("search_document"),
        slug=slug,
    )


def _merge_page(request, source, *, form, target=None, diffs=(), status=200, problems=()):
    search = request.GET.get("q", "").strip().replace("\x00", "")[:200]
    merged_here = list(
        MergeRecord.objects.filter(target=source, undone_at__isnull=True)
        .select_related("source")
        .only("merged_at", "target_id", "undone_at", "source__slug", "source__name")
        .order_by("-merged_at", "-id")[:20]
    )
    live = (
        MergeRecord.objects.filter(source=source, undone_at__isnull=True)
        .select_related("target")
        .only("merged_at", "undone_at", "source_id", "target__slug", "target__name")
        .first()
        if source.status == ListingStatus.MERGED
        else None
    )
    return render(
        request,
        "pages/moderation/merge.html",
        {
            "source": source,
            "target": target,
            "form": form,
            "diffs": diffs,
            "candidates": merge.merge_candidates(source, text=search)
            if target is None and source.status != ListingStatus.MERGED
            else [],
            "search": search,
            "merged_here": [
                {"record": record, "undoable": merge.undo_problem(record) is None}
                for record in merged_here
            ],
            "live": live,
            "live_undoable": live is not None and merge.undo_problem(live) is None,
            "errors": [
                *problems,
                *(error_summary(form) if form is not None and form.is_bound else []),
            ],
        },
        status=status,
    )


def _target_or_error(form, source):
    """The listing named in `into`, or None with the error put on the field."""
    target = (
        Listing.objects.prefetch_related("contacts", "opening_periods")
        .defer("search_document")
        .filter(slug=form.cleaned_data["into"])
        .first()
    )
    if target is None:
        form.add_error("into", _("No listing has this address."))
        return None
    problem = merge.target_problem(target, source)
    if problem:
        form.add_error("into", problem)
        return None
    return target


@moderator_required
def merge_listing(request, slug):
    """Merge the duplicate `slug` into another listing: choose it, compare them field by
    field, choose whose value to keep, confirm (POST)."""
    source = _merge_listing(slug)
    if not request.user.has_perm("directory.moderate_listing", source):
        raise PermissionDenied
    if source.status == ListingStatus.MERGED:
        status = 200 if request.method == "GET" else 409
        return _merge_page(request, source, form=None, status=status)
    data = request.POST if request.method == "POST" else request.GET
    if "into" not in data:
        return _merge_page(request, source, form=MergeIntoForm())
    pick = MergeIntoForm(data)
    if not pick.is_valid():
        return _merge_page(request, source, form=pick, status=400)
    target = _target_or_error(pick, source)
    if target is None:
        return _merge_page(request, source, form=pick, status=400)
    diffs, stamp = merge.merge_diff(target, source)
    if request.method != "POST":
        form = MergeForm(diffs=diffs, initial={"into": target.slug, "stamp": stamp})
        return _merge_page(request, source, form=form, target=target, diffs=diffs)
    form = MergeForm(request.POST, diffs=diffs)
    if not form.is_valid():
        return _merge_page(request, source, form=form, target=target, diffs=diffs, status=400)
    try:
        merge.listing_merge(
            target=target,
            source=source,
            choices=form.choices(),
            moderator=request.user,
            stamp=form.cleaned_data["stamp"],
        )
    except ValidationError as error:
        stale = getattr(error, "error_dict", {}).keys() & {"stamp", "source"}
        if stale:
            # Show the two listings as they are now, with the message.
            source, target = _merge_listing(source.slug), _merge_listing(target.slug)
            if source.status == ListingStatus.MERGED:
                return _merge_page(request, source, form=None, status=409)
            diffs, stamp = merge.merge_diff(target, source)
            fresh = MergeForm(diffs=diffs, initial={"into": target.slug, "stamp": stamp})
            return _merge_page(
                request,
                source,
                form=fresh,
                target=target,
                diffs=diffs,
                status=409,
                problems=[{"href": "#merge-heading", "message": m} for m in error.messages],
            )
        apply_service_errors(
            form, error, fields={diff.name: f"choose_{diff.name}" for diff in diffs}
        )
        return _merge_page(request, source, form=form, target=target, diffs=diffs, status=400)
    messages.success(
        request,
        _("“%(source)s” is merged into “%(target)s”; its address leads here now.")
        % {"source": source.name, "target": target.name},
    )
    return redirect("pages:listing", target.slug)


@moderator_required
def merge_record(request, pk):
    """One merge: what moved and which fields came from the duplicate, and its undo."""
    record = get_object_or_404(MergeRecord.objects.select_related("source", "target"), pk=pk)
    return _merge_record_page(request, record)


def _merge_record_page(request, record, *, error="", status=200):
    labels = {diff_name: diff_name for diff_name in record.choices}
    for name in labels:
        labels[name] = (
            merge._related_label(name) if name in merge.RELATED else moderation._label(name)
        )
    moved = record.moved
    return render(
        request,
        "pages/moderation/merge_record.html",
        {
            "record": record,
            "from_source": [
                capfirst(labels[n]) for n, side in record.choices.items() if side == "source"
            ],
            "counts": {
                "needs": len(moved.get("needs", [])),
                "offers": len(moved.get("offers", [])),
                "reports": len(moved.get("reports", [])),
                "sources": len(moved.get("sources", [])),
                "memberships": len(moved.get("memberships", {}).get("moved", [])),
                "categories": len(moved.get("categories", [])),
            },
            "undo_problem": merge.undo_problem(record),
            "error": error,
        },
        status=status,
    )


@moderator_required
@require_POST
def merge_undo(request, pk):
    record = get_object_or_404(MergeRecord.objects.select_related("source", "target"), pk=pk)
    try:
        merge.merge_undo(record=record, moderator=request.user)
    except ValidationError as error:
        record.refresh_from_db()
        return _merge_record_page(request, record, error=" ".join(error.messages), status=409)
    messages.success(
        request,
        _("The merge is undone: “%(source)s” is back as it was.") % {"source": record.source.name},
    )
    return redirect("pages:listing", record.source.slug)
