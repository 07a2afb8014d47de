"""The moderators' queue: listings waiting for review (with what changed), open reports,
and the decisions on them; each decision is written to the audit log by the service."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.mfa import mfa_missing, setup_redirect
from directory import duplicates, moderation
from directory.choices import AccessFact, ListingStatus, ReportStatus
from directory.models import Listing, Report
from relay import joins

from .govuk import apply_service_errors, error_summary
from .review_forms import RejectForm, ResolveForm

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
    return render(
        request,
        "pages/moderation/queue.html",
        {
            "items": items,
            "reports": reports,
            "events": moderation.recent_audit(),
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
