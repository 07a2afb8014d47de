"""One listing's page (`/listings/<slug>/`) and its "Report a problem" form.

What the public sees follows DESIGN.md §6: the public point or cell only, the address parts
that the location precision allows, contacts by visibility. At most 10 queries.
"""

import hashlib
from urllib.parse import quote

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.limits import WriteLimited, record_link_refusals
from directory import hours, merge, selectors, services
from directory.admin1 import address_admin1
from directory.choices import ContactKind, ListingStatus, LocationPrecision
from directory.content import localized, reader_language
from directory.models import Category, Listing, Need, Report
from directory.privacy import PUBLIC_ADDRESS_FIELDS
from directory.rules import contact_visibilities, is_listing_member
from mapping.maps import place_map
from relay import services as relay

from .cards import ACCESS_LABELS, ACCESS_SYMBOLS, confirmed_text
from .forms import NEED_PHRASES, ReportForm, language_name

LANGUAGES = ("es", "pt", "fr", "en")
#: Reports one client may send about one listing per window.
REPORTS_PER_WINDOW = 5
REPORT_WINDOW_SECONDS = 3600


class MergedListing(Exception):
    """The slug is a duplicate merged into `target`: its page answers 301 there."""

    def __init__(self, target: Listing):
        super().__init__(target.slug)
        self.target = target


def merged_target(user, listing: Listing) -> Listing | None:
    """Where a merged listing leads, if this reader may see it (else None: a 404)."""
    target = merge.redirect_target(listing)
    if target is None:
        return None
    if not target.is_public and not user.has_perm("directory.view_unpublished_listing", target):
        return None
    return target


def listing_for_reader(user, slug: str) -> Listing:
    """The listing with what its page shows (3 prefetch queries), if this reader may see it:
    public, or unpublished and theirs or a moderator's. Otherwise 404; a listing merged
    into another raises MergedListing."""
    listing = (
        Listing.objects.filter(slug=slug)
        .prefetch_related(
            Prefetch(
                "categories",
                queryset=Category.objects.only(
                    "slug", "path", *(f"name_{c}" for c in LANGUAGES)
                ).order_by("path"),
            ),
            "contacts",
            "opening_periods",
        )
        .first()
    )
    if listing is None:
        raise Http404
    if listing.status == ListingStatus.MERGED:
        target = merged_target(user, listing)
        if target is None:
            raise Http404
        raise MergedListing(target)
    if not listing.is_public and not user.has_perm("directory.view_unpublished_listing", listing):
        raise Http404
    return listing


def _contact_link(contact, country: str) -> tuple[str, str]:
    """(text shown, href or "") of a contact; only http(s), mailto and tel links."""
    value = contact.value
    if contact.kind == ContactKind.EMAIL:
        return value, f"mailto:{quote(value, safe='@.+-_')}"
    if contact.kind == ContactKind.PHONE:
        try:
            number = phonenumbers.parse(value, country or None)
            shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            dial = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            return value, ""
        return shown, f"tel:{dial}"
    lowered = value.lower()
    if lowered.startswith(("https://", "http://")):
        shown = value.split("://", 1)[1].rstrip("/")
        return shown, value
    return value, ""


def _contacts(user, listing):
    allowed = contact_visibilities(user, listing)
    country = listing.country.code if listing.country else ""
    items = []
    for contact in listing.contacts.all():
        if contact.visibility not in allowed:
            continue
        text, href = _contact_link(contact, country)
        items.append(
            {
                "kind": contact.get_kind_display(),
                "label": contact.label,
                "text": text,
                "href": href,
                "restricted": contact.visibility != "public",
            }
        )
    return items


def _needs(listing) -> list[dict]:
    if listing.is_public:
        qs = selectors.public_needs(selectors.NeedQuery(listing=listing))
    else:
        qs = Need.objects.current().filter(listing=listing).order_by("-urgency_rank", "id")
    needs = []
    for need in qs[:50]:
        title, title_language = localized(need, "title")
        description, description_language = localized(need, "description")
        needs.append(
            {
                "id": need.pk,
                "phrase": NEED_PHRASES.get(need.kind, need.get_kind_display()),
                "title": title,
                "title_language": title_language,
                "description": description,
                "description_language": description_language,
                "urgent": need.urgency == "urgent",
                "skills": need.skills,
                "quantity": need.quantity,
                "unit": need.unit,
                "ends_on": need.ends_on,
            }
        )
    return needs


def _text(listing, field: str, reader: str) -> dict:
    text, language = localized(listing, field, reader)
    return {
        "text": text,
        "language": language,
        "note": (
            _("Written in %(language)s") % {"language": language_name(language, reader)}
            if text and language != reader
            else ""
        ),
    }


def _edit_url(user, listing) -> str:
    if not user.is_authenticated or not user.has_perm("directory.change_listing", listing):
        return ""
    for name in ("pages:dashboard-listing-edit", "pages:listing-edit", "pages:listing_edit"):
        try:
            return reverse(name, args=[listing.slug])
        except NoReverseMatch:
            continue
    return ""


def _join_url(user, listing) -> str:
    """ "Ask to join" for signed-in people who do not keep the listing (the role is looked
    up once per request, shared with the contacts' visibility)."""
    if not user.is_authenticated or not listing.is_public or is_listing_member(user, listing):
        return ""
    return reverse("relay:join", args=[listing.slug])


def listing_context(request, listing, *, report_form=None, report_state="") -> dict:
    user = request.user
    reader = reader_language()
    now = timezone.now()
    periods = [hours.Period(p.weekday, p.opens, p.closes) for p in listing.opening_periods.all()]
    state = hours.status(periods, listing.timezone, now)
    precision = listing.location_precision

    def shown(name: str) -> str:
        value = getattr(listing, name)
        if name == "country":
            return str(value.name)
        if name == "admin1":
            return address_admin1(str(listing.country), value, reader_language())
        return str(value)

    address = [shown(name) for name in PUBLIC_ADDRESS_FIELDS[precision] if getattr(listing, name)]
    public = listing.public_point  # never `listing.location`: the true point stays here
    lat, lng = (public.y, public.x) if public is not None else (None, None)
    page_map = place_map(lat, lng, precision=precision) if public else None
    url = request.build_absolute_uri(listing_url(listing))
    return {
        "listing": listing,
        "share_url": url,
        "sms_body": f"{listing.name} {url}",
        "kind_label": listing.get_kind_display(),
        "categories": [localized(c, "name")[0] or c.slug for c in listing.categories.all()],
        "summary": _text(listing, "summary", reader),
        "description": _text(listing, "description", reader),
        "eligibility": _text(listing, "eligibility_notes", reader),
        "hours_notes": _text(listing, "opening_hours_notes", reader),
        "open_text": hours.describe(state),
        "is_open": None if state is None else state.is_open,
        "week": hours.week(periods, listing.timezone, now) if periods else [],
        "timezone": listing.timezone,
        "address": address,
        "precision": precision,
        "precision_note": {
            LocationPrecision.AREA: _("The exact place is not published: shown to about 1 km."),
            LocationPrecision.REGION: _("The exact place is not published: shown to about 11 km."),
            LocationPrecision.HIDDEN: _("The location is not published."),
        }.get(precision, ""),
        "map": page_map,
        "contacts": _contacts(user, listing),
        **_relay(listing),
        "spoken_languages": [language_name(code, reader) for code in listing.languages],
        "access": [(ACCESS_SYMBOLS.get(a, "•"), ACCESS_LABELS.get(a, a)) for a in listing.access],
        "needs": _needs(listing),
        "confirmed": confirmed_text(listing.last_confirmed_at, now),
        "stale": listing.freshness == "stale",
        "unpublished": not listing.is_public,
        "status_label": listing.get_status_display(),
        "hidden_reason": _hidden_reason(listing),
        "edit_url": _edit_url(user, listing),
        "join_url": _join_url(user, listing),
        "merge_url": reverse("pages:moderation_merge", args=[listing.slug])
        if user.is_authenticated and user.has_perm("directory.moderate_listing", listing)
        else "",
        "report_form": report_form or ReportForm(),
        "report_state": report_state or request.GET.get("report", ""),
    }


def _relay(listing) -> dict:
    """The contact relay's way in, and how soon the project usually answers (1 query)."""
    if not listing.is_public:
        return {"contact_url": "", "answers_within": None}
    reach = relay.reach(listing)
    if not reach.accepts_messages:
        return {"contact_url": "", "answers_within": None}
    return {
        "contact_url": reverse("relay:contact", args=[listing.slug]),
        "answers_within": reach.answer_days,
    }


def _hidden_reason(listing) -> str:
    if listing.emergency_hidden_at:
        return _("Hidden from the public by its leads.")
    if listing.hidden_by_reports:
        return _("Hidden from the public until a moderator reviews the reports about it.")
    if listing.status != ListingStatus.PUBLISHED:
        return _("Only its leads and the moderators can see this page.")
    return ""


def listing_url(listing) -> str:
    return reverse("pages:listing", args=[listing.slug])


def listing_page(request, slug: str):
    try:
        listing = listing_for_reader(request.user, slug)
    except MergedListing as merged:
        url = listing_url(merged.target)
        if request.META.get("QUERY_STRING"):
            url = f"{url}?{request.META['QUERY_STRING']}"
        return redirect(url, permanent=True)
    return render(request, "pages/listing.html", listing_context(request, listing))


def _client_key(request, listing) -> str:
    """A throttle key for (client address, listing); the address itself is not kept."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = getattr(settings, "NUM_PROXIES", 0)
    address = request.META.get("REMOTE_ADDR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        address = hops[-min(proxies, len(hops))]
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]
    return f"report-throttle:{digest}:{listing.pk}"


def report(request, slug: str):
    """POST: store a report about the listing (no account needed), then say thank you."""
    try:
        listing = listing_for_reader(request.user, slug)
    except MergedListing as merged:
        # A report about a merged duplicate is about the listing that was kept.
        listing = listing_for_reader(request.user, merged.target.slug)
    if request.method != "POST":
        return redirect(listing_url(listing) + "#report")
    form = ReportForm(request.POST)
    thanks = redirect(f"{listing_url(listing)}?report=sent#report")
    if form.is_bot:
        return thanks  # nothing written; a bot learns nothing
    key = _client_key(request, listing)
    if cache.get(key, 0) >= REPORTS_PER_WINDOW:
        form.is_valid()
        form.add_error(
            None,
            _("You have already sent several reports about this listing. Try again in an hour."),
        )
        context = listing_context(request, listing, report_form=form, report_state="error")
        return render(request, "pages/listing.html", context, status=429)
    if not form.is_valid():
        record_link_refusals(request.user, "report", form)
        context = listing_context(request, listing, report_form=form, report_state="error")
        return render(request, "pages/listing.html", context, status=400)
    reason, message = form.stored_reason()
    try:
        services.report_create(
            report=Report(
                listing=listing,
                reason=reason,
                message=message,
                reporter=request.user if request.user.is_authenticated else None,
            )
        )
    except WriteLimited as error:
        form.add_error(None, error.messages)
        context = listing_context(request, listing, report_form=form, report_state="error")
        return render(request, "pages/listing.html", context, status=error.status)
    if cache.add(key, 1, REPORT_WINDOW_SECONDS) is False:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, REPORT_WINDOW_SECONDS)
    listing.refresh_from_db(fields=["hidden_by_reports"])
    if not listing.is_public and not request.user.has_perm(
        "directory.view_unpublished_listing", listing
    ):  # the report hid it: its page is gone, the thanks are not
        return render(request, "pages/report_sent.html", {"listing_name": listing.name})
    return thanks
