"""Pages of a request to join a listing: the form on a listing's page, and the leads' (or
moderators') one-click answer from the dashboard."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from pages.govuk import apply_service_errors, error_summary

from . import guard, joins
from .forms import JoinForm
from .models import JoinRequest
from .services import MAIL_ERRORS
from .views import public_listing_or_redirect

log = logging.getLogger(__name__)


def _join_page(request, listing, form, *, refusal=None, status=200, member=False):
    if refusal is not None and refusal.field in form.fields:
        form.add_error(refusal.field, str(refusal.message))  # next to its field
        bound = form[refusal.field]
        described = f"{bound.auto_id}-error {bound.auto_id}_helptext"
        form.fields[refusal.field].widget.attrs["aria-describedby"] = described
        refusal = None
    errors = error_summary(form) if form.is_bound else []
    if refusal is not None:
        errors.insert(0, {"href": "#errors", "message": refusal.message})
    return render(
        request,
        "relay/join.html",
        {"listing": listing, "form": form, "errors": errors, "member": member},
        status=status,
    )


@never_cache
@login_required
def join(request, slug):
    """ "Ask to join": GET shows the form, POST sends the request through the relay."""
    listing, redirected = public_listing_or_redirect(request, slug, "relay:join")
    if redirected is not None:
        return redirected
    member = listing.memberships.filter(user=request.user).exists()
    if request.method != "POST" or member:
        return _join_page(request, listing, JoinForm(), member=member)
    form = JoinForm(request.POST)
    if not form.is_valid():
        return _join_page(request, listing, form, status=400)
    try:
        joins.join_request_send(
            listing=listing,
            by=request.user,
            message=form.cleaned_data["message"],
            language=(get_language() or "en")[:2],
            share_email=form.cleaned_data["share_email"],
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return _join_page(request, listing, form, status=400)
    except guard.Refused as refusal:
        return _join_page(request, listing, form, refusal=refusal, status=refusal.status)
    except MAIL_ERRORS:
        log.exception("a request to join %s could not be handed to the mail server", slug)
        refusal = guard.Refused(
            "mail",
            _(
                "Your request could not be sent just now, and nothing was sent. "
                "Try again in a few minutes."
            ),
            status=503,
        )
        return _join_page(request, listing, form, refusal=refusal, status=503)
    return render(request, "relay/join_sent.html", {"listing": listing})


DECISIONS = {"accept": joins.join_request_accept, "decline": joins.join_request_decline}


@login_required
@require_POST
def join_decide(request, pk):
    """A lead (or a moderator) accepts or declines with one click."""
    join = get_object_or_404(JoinRequest.objects.select_related("listing", "requester"), pk=pk)
    if not request.user.has_perm("directory.delete_listing", join.listing):
        raise PermissionDenied
    decide = DECISIONS.get(request.POST.get("decision", ""))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    if decide is None:
        messages.error(request, _("Choose whether you accept or decline."))
        return redirect(back or "pages:dashboard")
    try:
        decide(join=join, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        name, listing = join.requester.get_username(), join.listing.name
        if decide is joins.join_request_accept:
            text = _("%(name)s is now a co-lead of “%(listing)s”. They are told by e-mail.")
        else:
            text = _(
                "You declined %(name)s's request to join “%(listing)s”. They are told by e-mail."
            )
        messages.success(request, text % {"name": name, "listing": listing})
    return redirect(back or "pages:dashboard")
