"""Pages of the relay: the contact form, its confirmation, the signed links of e-mails
(an offer answered, a listing still current) and the lead's offers on the dashboard."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from directory import merge, selectors, services
from directory.choices import ListingStatus, MembershipRole
from directory.models import Listing
from pages.dashboard import listing_for_editing
from pages.govuk import error_summary

from . import guard, links
from .forms import ContactForm
from .models import Offer, OfferState
from .services import MAIL_ERRORS, accepts_messages, offer_mark, relay_offer

log = logging.getLogger(__name__)
#: Offers shown on the dashboard's page of offers.
OFFERS_SHOWN = 100
MARKS = {
    "answered": OfferState.ANSWERED,
    "not_a_fit": OfferState.NOT_A_FIT,
}


def _public_listing(slug: str) -> Listing:
    listing = Listing.objects.public().filter(slug=slug).first()
    if listing is None:
        raise Http404
    return listing


def _merged_redirect(request, slug: str, url_name: str):
    """A GET of a relay page of a duplicate merged into another listing: 301 to the same page
    of the listing kept (its needs moved there too), query kept. None when there is none."""
    if request.method not in ("GET", "HEAD"):
        return None
    merged = Listing.objects.filter(slug=slug, status=ListingStatus.MERGED).first()
    target = merge.redirect_target(merged) if merged is not None else None
    if target is None or not target.is_public:
        return None
    url = reverse(url_name, args=[target.slug])
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def public_listing_or_redirect(request, slug: str, url_name: str):
    """(listing, None) for a public listing, (None, a 301) for a merged duplicate's, else 404."""
    try:
        return _public_listing(slug), None
    except Http404:
        redirected = _merged_redirect(request, slug, url_name)
        if redirected is None:
            raise
        return None, redirected


def _open_needs(listing) -> list:
    return list(selectors.public_needs(selectors.NeedQuery(listing=listing))[:50])


def _contact_page(request, listing, form, *, refusal=None, status=200):
    errors = error_summary(form) if form.is_bound else []
    if refusal is not None:
        href = f"#{form[refusal.field].auto_id}" if refusal.field in form.fields else "#errors"
        errors.insert(0, {"href": href, "message": refusal.message})
    chosen = form["need"].value() if form.is_bound else form.initial.get("need")
    return render(
        request,
        "relay/contact.html",
        {
            "listing": listing,
            "form": form,
            "errors": errors,
            "stamp": guard.form_stamp(listing.pk),
            "chosen_need": form.needs.get(_int(chosen)),
            "has_leads": accepts_messages(listing),
            "retention_days": settings.OFFER_RETENTION_DAYS,
        },
        status=status,
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@never_cache
def contact(request, slug):
    """The contact relay's form (GET) and its sending (POST)."""
    listing, redirected = public_listing_or_redirect(request, slug, "relay:contact")
    if redirected is not None:
        return redirected
    needs = _open_needs(listing)
    if request.method != "POST":
        need = _int(request.GET.get("need"))
        form = ContactForm(
            needs=needs, initial={"need": need if need in {n.pk for n in needs} else ""}
        )
        return _contact_page(request, listing, form)
    form = ContactForm(request.POST, needs=needs)
    try:
        guard.check_honeypot(request.POST.get("website", ""))
        guard.check_stamp(request.POST.get("stamp", ""), listing.pk)
    except guard.Refused as refusal:
        form.is_valid()
        return _contact_page(request, listing, form, refusal=refusal, status=refusal.status)
    if not form.is_valid():
        return _contact_page(request, listing, form, status=400)
    try:
        offer = relay_offer(
            listing=listing, data=form.contact_data(), client=guard.client_digest(request)
        )
    except guard.Refused as refusal:
        return _contact_page(request, listing, form, refusal=refusal, status=refusal.status)
    except MAIL_ERRORS:
        log.exception("the relay could not hand a message for %s to the mail server", slug)
        refusal = guard.Refused(
            "mail",
            _(
                "Your message could not be sent just now, and nothing was sent. "
                "Try again in a few minutes."
            ),
            status=503,
        )
        return _contact_page(request, listing, form, refusal=refusal, status=503)
    sent = reverse("relay:contact_sent", args=[listing.slug])
    return redirect(f"{sent}?need={offer.need_id}" if offer.need_id else sent)


def contact_sent(request, slug):
    listing = _public_listing(slug)
    return render(
        request,
        "relay/contact_sent.html",
        {"listing": listing, "listing_url": reverse("pages:listing", args=[listing.slug])},
    )


# --- Signed links from e-mails (no sign-in) ------------------------------------------------


def _link_problem(request, problem: str, status: int):
    return render(request, "relay/link_problem.html", {"problem": problem}, status=status)


@never_cache
def offer_link(request, token):
    """An offer's link in the leads' e-mail: GET shows it with one button per answer (a
    link opened by a mail scanner changes nothing); POST marks it."""
    try:
        offer = links.offer_from_token(token)
    except links.LinkExpired:
        return _link_problem(request, "expired", 410)
    except links.LinkInvalid:
        return _link_problem(request, "invalid", 404)
    if offer.state != OfferState.NEW:
        return _link_problem(request, "used", 410)
    if request.method == "POST":
        state = MARKS.get(request.POST.get("state", ""))
        if state is None:
            return render(
                request,
                "relay/offer_link.html",
                {"offer": offer, "token": token, "bad": True},
                status=400,
            )
        offer_mark(offer=offer, state=state)
        return render(request, "relay/offer_marked.html", {"offer": offer})
    return render(request, "relay/offer_link.html", {"offer": offer, "token": token})


@never_cache
def still_current(request, token):
    """A reminder's "still current" link: GET asks, POST confirms (and restores a listing
    that the reminders archived)."""
    try:
        listing, spent = links.listing_from_token(token)
    except links.LinkExpired:
        return _link_problem(request, "expired", 410)
    except links.LinkInvalid:
        return _link_problem(request, "invalid", 404)
    if spent:
        return _link_problem(request, "used", 410)
    if request.method == "POST":
        if listing.status == ListingStatus.ARCHIVED:
            services.listing_restore(listing=listing, by=None)
        else:
            services.listing_confirm(listing=listing)
        return render(request, "relay/still_current_done.html", {"listing": listing})
    return render(request, "relay/still_current.html", {"listing": listing, "token": token})


# --- The lead's offers (dashboard) ---------------------------------------------------------


def _lead_listings(user):
    return Listing.objects.filter(memberships__user=user, memberships__role=MembershipRole.LEAD)


@login_required
def offers(request):
    """Offers to the listings this person leads: new ones first, the needs with the most
    unanswered offers first among them."""
    listings = _lead_listings(request.user)
    shown = list(
        Offer.objects.filter(listing__in=listings)
        .select_related("listing", "need")
        .order_by("state", "-created_at")[:OFFERS_SHOWN]
    )
    waiting = (
        Offer.objects.filter(listing__in=listings, state=OfferState.NEW, need__isnull=False)
        .values("need")
        .annotate(n=Count("id"))
    )
    waiting = {row["need"]: row["n"] for row in waiting}
    shown.sort(key=lambda o: (o.state != OfferState.NEW, -waiting.get(o.need_id, 0)))
    counts = Offer.objects.filter(listing__in=listings).aggregate(
        new=Count("id", filter=Q(state=OfferState.NEW)), all=Count("id")
    )
    return render(
        request,
        "relay/offers.html",
        {"offers": shown, "waiting": waiting, "counts": counts, "new": OfferState.NEW},
    )


@login_required
@require_POST
def offer_mark_view(request, pk):
    offer = get_object_or_404(Offer.objects.select_related("listing"), pk=pk)
    if not _lead_listings(request.user).filter(pk=offer.listing_id).exists():
        raise PermissionDenied
    state = MARKS.get(request.POST.get("state", ""))
    if state is None:
        messages.error(request, _("Choose whether you answered or it is not a fit."))
        return redirect("relay:offers")
    offer_mark(offer=offer, state=state)
    messages.success(
        request,
        _("Marked as answered. Thank you for answering.")
        if state == OfferState.ANSWERED
        else _("Marked as not a fit. The volunteer is told, kindly."),
    )
    return redirect(f"{reverse('relay:offers')}#offer-{offer.pk}")


@login_required
@require_POST
def listing_restore(request, slug):
    """Bring back an archived listing (a lead or editor, one click on the dashboard)."""
    listing = listing_for_editing(request.user, slug)
    if listing.status == ListingStatus.ARCHIVED:
        services.listing_restore(listing=listing, by=request.user)
        messages.success(
            request, _("“%(name)s” is back, and marked as current.") % {"name": listing.name}
        )
    return redirect("pages:dashboard")
