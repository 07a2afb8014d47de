"""The lead's dashboard: their listings and needs, the forms to keep them current, co-leads.

Every write goes through `directory.services` / `directory.moderation` with the same data
the API sends; permissions come from `directory.rules`."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.limits import record_link_refusals
from directory import duplicates, gazetteer, moderation, services
from directory.choices import AuditAction, LocationPrecision, MembershipRole, NeedStatus
from directory.models import Listing, Need, Place
from mapping import basemap
from relay import joins

from . import listing_forms as lf
from . import need_forms, service_forms
from .govuk import apply_service_errors, error_summary

#: Places offered after a look-up.
PLACE_CHOICES = 5


def listing_for_editing(user, slug: str, perm: str = "directory.change_listing") -> Listing:
    """The listing if `user` may `perm` it; 404 when they may not even know it exists."""
    listing = Listing.objects.filter(slug=slug).first()
    if listing is None:
        raise Http404
    if not user.has_perm(perm, listing):
        if listing.is_public or user.has_perm("directory.view_unpublished_listing", listing):
            raise PermissionDenied
        raise Http404
    return listing


def need_for_editing(user, pk: int) -> Need:
    need = get_object_or_404(Need.objects.select_related("listing"), pk=pk)
    if not user.has_perm("directory.change_need", need):
        if need.listing.is_public:
            raise PermissionDenied
        raise Http404
    return need


@login_required
def index(request):
    listings = list(moderation.member_listings(request.user))
    waiting = any(item.role == MembershipRole.LEAD and item.waiting_joins for item in listings)
    join_requests = list(joins.pending_for(request.user)) if waiting else []
    return render(
        request,
        "pages/dashboard/index.html",
        {
            "listings": listings,
            "is_lead": MembershipRole.LEAD,
            "open": NeedStatus.OPEN,
            "join_requests": join_requests,
            "join_next": request.path,
        },
    )


# --- Listings ----------------------------------------------------------------------------------


def _quiet(*things) -> None:
    """Bound forms shown again after a look-up or a preview: nothing is checked yet."""
    for thing in things:
        if isinstance(thing, forms.BaseFormSet):
            thing.full_clean()
            thing._non_form_errors = ErrorList()
            thing._errors = [ErrorDict() for _form in thing.forms]
            _quiet(*thing.forms)
        else:
            thing.full_clean()
            thing._errors = ErrorDict()


def _typed_coordinates(data) -> tuple[float | None, float | None]:
    try:
        lat = float(str(data.get("latitude", "")).replace(",", "."))
        lng = float(str(data.get("longitude", "")).replace(",", "."))
    except ValueError:
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None, None
    return lat, lng


def _look_up_place(request, data, form) -> list:
    """Fill the coordinates from the gazetteer; the other matches are offered."""
    chosen = data.get("use_place", "")
    if chosen.isdigit():
        place = Place.objects.filter(pk=int(chosen)).first()
        if place is not None:
            data["latitude"], data["longitude"] = f"{place.point.y:.5f}", f"{place.point.x:.5f}"
            messages.info(request, _("Coordinates set to the centre of %(place)s.") % {
                "place": place.name
            })  # fmt: skip
        return []
    text = data.get("place", "").strip()
    matches = list(gazetteer.places_matching(text)[:PLACE_CHOICES]) if text else []
    if not matches:
        form.add_error(
            "place",
            _("No town, city or ZIP code matches “%(text)s”. Check the spelling, or type the "
              "coordinates.") % {"text": text[:120]} if text else
            _("Type the name of a town or city, or a US ZIP code."),
        )  # fmt: skip
        return []
    place = matches[0]
    data["latitude"], data["longitude"] = f"{place.point.y:.5f}", f"{place.point.x:.5f}"
    return matches


def _render_listing_form(
    request, listing, form, contacts, hours, places=(), status=200, similar=()
):
    lat, lng = _typed_coordinates(form.data) if form.is_bound else (None, None)
    if not form.is_bound and listing is not None and listing.location is not None:
        lat, lng = listing.location.y, listing.location.x
    previews = {value: lf.precision_preview(lat, lng, value) for value in LocationPrecision.values}
    chosen = form["location_precision"].value() or LocationPrecision.AREA
    context = {
        "listing": listing,
        "form": form,
        "contacts": contacts,
        "hours": hours,
        "places": places,
        "similar": similar,
        "previews": previews,
        "preview": previews.get(chosen, previews[LocationPrecision.AREA]),
        "errors": error_summary(form, contacts, hours),
        "basemap": basemap.client_config(),
        "precision_choices": [
            (value, label, previews[value]) for value, label in LocationPrecision.choices
        ],
    }
    return render(request, "pages/dashboard/listing_form.html", context, status=status)


def _listing_form_page(request, listing=None):
    initial, contact_rows, hour_rows = {}, [], []
    if listing is not None:
        initial = lf.listing_initial(listing)
        contact_rows = service_forms.contact_initial(listing)
        hour_rows = service_forms.hours_initial(listing)
    if request.method != "POST":
        if (
            listing is not None
            and listing.location is not None
            and listing.location_precision != LocationPrecision.EXACT
        ):
            services.audit(
                AuditAction.EXACT_LOCATION_READ, actor=request.user, listing=listing, via="pages"
            )
        return _render_listing_form(
            request,
            listing,
            lf.ListingForm(initial=initial),
            service_forms.ContactFormSet(prefix="contacts", initial=contact_rows),
            service_forms.OpeningFormSet(prefix="hours", initial=hour_rows),
        )
    data = request.POST.copy()
    action = data.get("action", "save")
    form = lf.ListingForm(data, initial=initial)
    contacts = service_forms.ContactFormSet(data, prefix="contacts", initial=contact_rows)
    hours = service_forms.OpeningFormSet(data, prefix="hours", initial=hour_rows)
    if action in ("lookup", "preview") or data.get("use_place"):
        _quiet(form, contacts, hours)
        places = _look_up_place(request, data, form) if action != "preview" else []
        return _render_listing_form(request, listing, form, contacts, hours, places)
    valid = form.is_valid() & contacts.is_valid() & hours.is_valid()
    status = 200
    if not valid:
        record_link_refusals(request.user, "listing", form)
    if valid:
        payload = form.service_data(contacts, hours)
        if not form.cleaned_data["different_project"]:
            # Nothing is saved while listings like it exist, until the lead says it differs.
            similar = duplicates.similar_for_write(data=payload, listing=listing)
            if similar:
                return _render_listing_form(
                    request, listing, form, contacts, hours, similar=similar
                )
        try:
            if listing is None:
                listing = services.listing_submit(by=request.user, data=payload)
                messages.success(
                    request,
                    _("Thank you. “%(name)s” waits for a moderator; you will see here when it "
                      "is published.") % {"name": listing.name},
                )  # fmt: skip
            else:
                services.listing_update(listing=listing, by=request.user, data=payload)
                messages.success(request, _("Your changes are saved."))
        except ValidationError as error:
            apply_service_errors(form, error, fields=lf.LISTING_ERROR_FIELDS, contacts=contacts)
            status = getattr(error, "status", 200)  # 429: the account's daily cap
        else:
            return redirect("pages:dashboard")
    return _render_listing_form(request, listing, form, contacts, hours, status=status)


@login_required
def listing_new(request):
    if not request.user.has_perm("directory.add_listing"):
        raise PermissionDenied
    return _listing_form_page(request)


@login_required
def listing_edit(request, slug):
    return _listing_form_page(request, listing_for_editing(request.user, slug))


@login_required
@require_POST
def listing_confirm(request, slug):
    listing = listing_for_editing(request.user, slug)
    services.listing_confirm(listing=listing)
    messages.success(
        request, _("Thank you: “%(name)s” is marked as still current.") % {"name": listing.name}
    )
    return redirect("pages:dashboard")


@login_required
@require_POST
def listing_hide(request, slug):
    """Emergency hide: off every public page at once; a lead or editor can show it again."""
    listing = listing_for_editing(request.user, slug)
    if listing.emergency_hidden_at is None:
        services.listing_emergency_hide(
            listing=listing, by=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(
            request,
            _("“%(name)s” is hidden from every public page. Show it again when it is safe.")
            % {"name": listing.name},
        )
    else:
        services.listing_emergency_show(listing=listing, by=request.user)
        messages.success(request, _("“%(name)s” is shown again.") % {"name": listing.name})
    return redirect("pages:dashboard")


@login_required
@require_POST
def listing_resubmit(request, slug):
    listing = listing_for_editing(request.user, slug)
    try:
        moderation.listing_resubmit(listing=listing, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(name)s” is sent for review.") % {"name": listing.name})
    return redirect("pages:dashboard")


@login_required
def listing_members(request, slug):
    """Co-leads and editors; only a lead (or a moderator) adds people."""
    listing = listing_for_editing(request.user, slug, perm="directory.delete_listing")
    form = lf.MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.listing_add_member(
                listing=listing,
                by=request.user,
                user=form.cleaned_data["person"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Added. They will see the listing on their dashboard."))
            return redirect("pages:listing_members", slug=listing.slug)
    members = listing.memberships.select_related("user").order_by("role", "created_at")
    return render(
        request,
        "pages/dashboard/members.html",
        {"listing": listing, "members": members, "form": form, "errors": error_summary(form)},
    )


# --- Needs -------------------------------------------------------------------------------------


def _need_form_page(request, listing, need=None):
    initial = need_forms.need_initial(need) if need is not None else {}
    form = need_forms.NeedForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and not form.is_valid():
        record_link_refusals(request.user, "need", form)
    elif request.method == "POST":
        try:
            if need is None:
                services.need_create(listing=listing, by=request.user, data=form.service_data())
            else:
                services.need_update(need=need, by=request.user, data=form.service_data())
        except ValidationError as error:
            apply_service_errors(form, error)
            status = getattr(error, "status", 200)  # 429: the account's daily cap
        else:
            messages.success(request, _("The need is saved."))
            return redirect("pages:dashboard")
    return render(
        request,
        "pages/dashboard/need_form.html",
        {"listing": listing, "need": need, "form": form, "errors": error_summary(form)},
        status=status,
    )


@login_required
def need_new(request, slug):
    listing = listing_for_editing(request.user, slug, perm="directory.add_need")
    return _need_form_page(request, listing)


@login_required
def need_edit(request, pk):
    need = need_for_editing(request.user, pk)
    return _need_form_page(request, need.listing, need)


@login_required
@require_POST
def need_fulfil(request, pk):
    need = need_for_editing(request.user, pk)
    try:
        moderation.need_fulfil(need=need, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as met. Thank you for saying so."))
    return redirect("pages:dashboard")


@login_required
@require_POST
def need_close(request, pk):
    need = need_for_editing(request.user, pk)
    services.need_close(need=need, by=request.user)
    messages.success(request, _("The need is closed."))
    return redirect("pages:dashboard")
