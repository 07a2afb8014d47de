"""The forms of the leads' dashboard and the moderation queue.

Each form turns what was typed into the same `data` dict the API's write serializers give
(`api.serializers.ListingWriteSerializer`, `NeedWriteSerializer`), so pages and API go
through the same services. Errors follow GOV.UK's pattern: each is shown next to its field
(the widget says so with aria-describedby) and summarised at the top (`error_summary`)."""

import json
import math
from datetime import time

from django import forms
from django.contrib.gis.geos import GEOSException, Point
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from directory.choices import (
    AccessFact,
    ContactKind,
    ContentLanguage,
    ListingKind,
    LocationPrecision,
    MembershipRole,
    NeedKind,
    OwnershipModel,
    ReportStatus,
    Urgency,
    Visibility,
)
from directory.content import CONTENT_LANGUAGES, localized
from directory.geo import SRID, area_from_geojson
from directory.models import Category, OpeningPeriod
from directory.moderation import MAX_NOTE, find_person
from directory.privacy import PUBLIC_ADDRESS_FIELDS, cell_size_degrees, public_point
from directory.services import LISTING_TRANSLATED
from directory.validators import (
    normalize_contact_value,
    validate_language_codes,
    validate_skills,
)

LANGUAGE_NAMES = dict(ContentLanguage.choices)
WEEK_MINUTES = 7 * 24 * 60


class GovukForm(forms.Form):
    """Points each invalid widget at its error message (`<id>-error`) and its hint."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}-error"]
            if self.fields[name].help_text:
                described.append(f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(described)


def text_input(**attrs):
    return forms.TextInput(attrs={"autocomplete": "off", **attrs})


class FiniteFloatField(forms.FloatField):
    """A coordinate: a finite number, typed with a point or the reader's decimal comma."""

    def __init__(self, **kwargs):
        super().__init__(localize=True, widget=text_input(inputmode="decimal"), **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not math.isfinite(value):
            raise ValidationError(_("Enter a finite number."), code="invalid")
        return value


def translated_fields(prefix: str, *, label, max_length: int, textarea: bool) -> dict:
    """`<prefix>_<code>` fields, one per content language."""
    return {
        f"{prefix}_{code}": forms.CharField(
            label=label,
            max_length=max_length,
            required=False,
            widget=forms.Textarea(attrs={"rows": 4, "lang": code})
            if textarea
            else forms.TextInput(attrs={"lang": code}),
        )
        for code in CONTENT_LANGUAGES
    }


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        name = localized(obj, "name")[0] or obj.slug
        return f"{'— ' * (obj.depth - 1)}{name}"


LISTING_TEXTS = {
    "summary": (_("Summary, in a sentence"), 300, False),
    "description": (_("Description"), 10_000, True),
    "eligibility_notes": (_("Who may come, and what to bring"), 2000, True),
    "opening_hours_notes": (_("Notes on opening hours"), 500, False),
}


class ListingForm(GovukForm):
    kind = forms.ChoiceField(
        label=_("What kind of project is it?"),
        choices=ListingKind.choices,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    original_language = forms.ChoiceField(
        label=_("Which language do you mainly write in?"),
        choices=ContentLanguage.choices,
        help_text=_(
            "Readers of other languages see your text with a note saying which language it "
            "is in. Nothing is machine-translated."
        ),
    )
    categories = CategoryChoiceField(
        label=_("Categories"),
        queryset=Category.objects.order_by("path"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    latitude = FiniteFloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90,
        help_text=_("For example 19.4326 (north is positive)."),
    )  # fmt: skip
    longitude = FiniteFloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180,
        help_text=_("For example -99.1332 (west is negative)."),
    )  # fmt: skip
    place = forms.CharField(
        label=_("Find a town, a city or a US ZIP code"),
        max_length=120,
        required=False,
        help_text=_("Or tap the map, or type the coordinates below. Check them before you save."),
    )
    location_precision = forms.ChoiceField(
        label=_("How precisely may the public see where you are?"),
        choices=LocationPrecision.choices,
        initial=LocationPrecision.AREA,
        widget=forms.RadioSelect,
        help_text=_(
            "Choose less precision if people could be put at risk by knowing exactly where "
            "you are. Only you, your co-leads and the moderators see the exact point."
        ),
    )
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    locality = forms.CharField(label=_("City or town"), max_length=120, required=False)
    admin1 = forms.CharField(label=_("State or province"), max_length=120, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.ChoiceField(label=_("Country"))
    languages = forms.CharField(
        label=_("Languages spoken"),
        max_length=400,
        required=False,
        help_text=_("ISO 639 codes separated by commas, for example: es, en, nah, yua."),
    )
    access = forms.MultipleChoiceField(
        label=_("What can people count on?"),
        choices=AccessFact.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ownership_model = forms.ChoiceField(
        label=_("Who owns the co-operative?"),
        choices=[("", _("Not a co-operative, or rather not say")), *OwnershipModel.choices],
        required=False,
    )
    legal_form = forms.CharField(label=_("Legal form"), max_length=150, required=False)
    member_count = forms.IntegerField(
        label=_("Number of members"), min_value=0, max_value=10_000_000, required=False
    )
    founded_year = forms.IntegerField(label=_("Year founded"), min_value=1800, required=False)
    service_area = forms.CharField(
        label=_("Area served (GeoJSON polygon, optional)"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("Leave empty if you do not know what this is."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for prefix, (label, max_length, textarea) in LISTING_TEXTS.items():
            self.fields.update(
                translated_fields(prefix, label=label, max_length=max_length, textarea=textarea)
            )
        self.fields["country"].choices = [("", _("Choose a country")), *countries]
        self.fields["founded_year"].validators.append(MaxValueValidator(timezone.now().year))

    # Groups of fields, for the template.
    def texts_in(self, code: str) -> list:
        return [self[f"{prefix}_{code}"] for prefix in LISTING_TEXTS]

    def language_groups(self) -> list[dict]:
        original = self["original_language"].value() or ""
        groups = []
        for code in CONTENT_LANGUAGES:
            fields = self.texts_in(code)
            groups.append(
                {
                    "code": code,
                    "name": LANGUAGE_NAMES[code],
                    "fields": fields,
                    "open": code == original
                    or any(f.value() or f.errors for f in fields)
                    or not original,
                }
            )
        return groups

    def clean_languages(self):
        text = self.cleaned_data["languages"]
        codes = [part.strip().lower() for part in text.replace(";", ",").split(",")]
        codes = [code for code in codes if code]
        validate_language_codes(codes)
        return codes

    def clean_service_area(self):
        text = self.cleaned_data["service_area"].strip()
        if not text:
            return None
        try:
            return area_from_geojson(json.loads(text))
        except (ValueError, TypeError, AttributeError, GEOSException) as error:
            raise ValidationError(
                _("This is not a GeoJSON Polygon or MultiPolygon: %(error)s."),
                params={"error": str(error)[:200]},
            ) from error

    def clean(self):
        data = super().clean()
        lat, lng = data.get("latitude"), data.get("longitude")
        if "latitude" in self.errors or "longitude" in self.errors:
            return data
        if (lat is None) != (lng is None):
            missing = "latitude" if lat is None else "longitude"
            self.add_error(missing, _("Give both the latitude and the longitude."))
        elif lat is None and data.get("location_precision") != LocationPrecision.HIDDEN:
            self.add_error(
                "latitude",
                _(
                    "Give a location (coordinates, a place, or a point on the map), or choose "
                    "the hidden precision."
                ),
            )
        return data

    def location(self) -> Point | None:
        lat, lng = self.cleaned_data.get("latitude"), self.cleaned_data.get("longitude")
        return None if lat is None or lng is None else Point(lng, lat, srid=SRID)

    def service_data(self, contacts=None, hours=None) -> dict:
        """The dict `services.listing_submit` / `listing_update` take (as the API gives)."""
        c = self.cleaned_data
        data = {
            "kind": c["kind"],
            "name": c["name"].strip(),
            "original_language": c["original_language"],
            **{
                prefix: {code: c[f"{prefix}_{code}"].strip() for code in CONTENT_LANGUAGES}
                for prefix in LISTING_TRANSLATED
            },
            "categories": list(c["categories"]),
            "location": self.location(),
            "location_precision": c["location_precision"],
            "address": {
                key: c[key].strip() if key != "country" else c[key]
                for key in ("street", "locality", "admin1", "postal_code", "country")
            },
            "service_area": c["service_area"],
            "languages": c["languages"],
            "access": c["access"],
            "ownership_model": c["ownership_model"],
            "legal_form": c["legal_form"].strip(),
            "member_count": c["member_count"],
            "founded_year": c["founded_year"],
        }
        if contacts is not None:
            data["contacts"] = contacts.service_data()
        if hours is not None:
            data["opening_hours"] = hours.service_data()
        return data


#: Model field names (as services report them) → the form's field names.
LISTING_ERROR_FIELDS = {"street_address": "street", "location": "latitude"}


def listing_initial(listing) -> dict:
    """What the edit form starts from: the listing as stored (the exact point included)."""
    initial = {
        "kind": listing.kind,
        "name": listing.name,
        "original_language": listing.original_language,
        "categories": [category.slug for category in listing.categories.all()],
        "location_precision": listing.location_precision,
        "street": listing.street_address,
        "locality": listing.locality,
        "admin1": listing.admin1,
        "postal_code": listing.postal_code,
        "country": str(listing.country),
        "languages": ", ".join(listing.languages),
        "access": list(listing.access),
        "ownership_model": listing.ownership_model,
        "legal_form": listing.legal_form,
        "member_count": listing.member_count,
        "founded_year": listing.founded_year,
        "service_area": listing.service_area.geojson if listing.service_area else "",
    }
    if listing.location is not None:
        initial["latitude"] = round(listing.location.y, 6)
        initial["longitude"] = round(listing.location.x, 6)
    for prefix in LISTING_TRANSLATED:
        for code in CONTENT_LANGUAGES:
            initial[f"{prefix}_{code}"] = getattr(listing, f"{prefix}_{code}") or ""
    return initial


def precision_preview(lat, lng, precision: str) -> dict:
    """What the public will see of a location at a precision, in words and as a cell."""
    address = [
        str(_field_label(name)) for name in PUBLIC_ADDRESS_FIELDS[LocationPrecision(precision)]
    ]
    preview = {"precision": precision, "address": address, "point": None, "cell": None}
    if lat is None or lng is None or precision == LocationPrecision.HIDDEN:
        return preview
    shown = public_point(Point(lng, lat, srid=SRID), precision)
    size = cell_size_degrees(precision)
    preview["point"] = (round(shown.y, 5), round(shown.x, 5))
    if size:
        half = size / 2
        preview["cell"] = {
            "south": round(shown.y - half, 5),
            "west": round(shown.x - half, 5),
            "north": round(shown.y + half, 5),
            "east": round(shown.x + half, 5),
            "km": round(size * 111),
        }
    return preview


def _field_label(name: str):
    from directory.models import Listing

    return Listing._meta.get_field(name).verbose_name


# --- Contacts and weekly hours -----------------------------------------------------------------


class ContactForm(GovukForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Choose")), *ContactKind.choices],
        error_messages={"required": _("Choose the kind of contact.")},
    )
    value = forms.CharField(
        label=_("Address, number or link"),
        max_length=300,
        error_messages={"required": _("Give the e-mail address, phone number or link.")},
    )
    label = forms.CharField(label=_("Label (optional)"), max_length=100, required=False)
    visibility = forms.ChoiceField(
        label=_("Who may see it?"), choices=Visibility.choices, initial=Visibility.PUBLIC
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("value"):
            try:
                data["value"] = normalize_contact_value(data["kind"], data["value"])
            except ValidationError as error:
                self.add_error("value", error.messages)
        return data


class BaseServiceFormSet(forms.BaseFormSet):
    def kept_forms(self) -> list:
        """Forms that hold a row: those already stored (unless deleted) and new ones filled."""
        return [
            form
            for i, form in enumerate(self.forms)
            if (i < self.initial_form_count() or form.has_changed())
            and form.cleaned_data
            and not form.cleaned_data.get("DELETE")
        ]

    def service_data(self) -> list[dict]:
        return [
            {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
            for form in self.kept_forms()
        ]


ContactFormSet = forms.formset_factory(
    ContactForm,
    formset=BaseServiceFormSet,
    extra=2,
    can_delete=True,
    max_num=20,
    validate_max=True,
    absolute_max=40,
)

WEEKDAYS = OpeningPeriod.Weekday


class OpeningPeriodForm(GovukForm):
    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", _("Choose a day")), *WEEKDAYS.choices],
        coerce=int,
        error_messages={"required": _("Choose the day.")},
    )
    opens = forms.TimeField(
        label=_("Opens at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Give the opening time.")},
    )
    closes = forms.TimeField(
        label=_("Closes at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Give the closing time.")},
        help_text=_("Earlier than the opening time if it runs past midnight."),
    )

    def clean(self):
        data = super().clean()
        if data.get("opens") is not None and data.get("opens") == data.get("closes"):
            self.add_error("closes", _("Closing time equals opening time."))
        return data


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def week_intervals(weekday: int, opens: time, closes: time) -> list[tuple[int, int]]:
    """The period as minutes of the week (Monday 00:00 = 0); past Sunday midnight it wraps."""
    start = (weekday - 1) * 1440 + _minutes(opens)
    length = (_minutes(closes) - _minutes(opens)) % 1440
    end = start + length
    if end <= WEEK_MINUTES:
        return [(start, end)]
    return [(start, WEEK_MINUTES), (0, end - WEEK_MINUTES)]


class BaseOpeningFormSet(BaseServiceFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = []
        kept = self.kept_forms()
        for form in self.forms:
            data = form.cleaned_data
            if form not in kept:
                continue
            intervals = week_intervals(data["weekday"], data["opens"], data["closes"])
            for other, other_intervals in seen:
                if any(a < d and c < b for a, b in intervals for c, d in other_intervals):
                    message = _("%(this)s overlaps %(other)s.") % {
                        "this": _period_text(data),
                        "other": _period_text(other.cleaned_data),
                    }
                    form.add_error("opens", message)
                    break
            seen.append((form, intervals))


def _period_text(data: dict) -> str:
    return f"{WEEKDAYS(data['weekday']).label} {data['opens']:%H:%M}–{data['closes']:%H:%M}"


OpeningFormSet = forms.formset_factory(
    OpeningPeriodForm,
    formset=BaseOpeningFormSet,
    extra=3,
    can_delete=True,
    max_num=50,
    validate_max=True,
    absolute_max=80,
)


def contact_initial(listing) -> list[dict]:
    return [
        {"kind": c.kind, "value": c.value, "label": c.label, "visibility": c.visibility}
        for c in listing.contacts.all()
    ]


def hours_initial(listing) -> list[dict]:
    return [
        {"weekday": p.weekday, "opens": p.opens, "closes": p.closes}
        for p in listing.opening_periods.all()
    ]


# --- Needs -------------------------------------------------------------------------------------


class NeedForm(GovukForm):
    kind = forms.ChoiceField(label=_("What do you need?"), choices=NeedKind.choices)
    original_language = forms.ChoiceField(
        label=_("Which language do you write in?"), choices=ContentLanguage.choices
    )
    skills = forms.CharField(
        label=_("Skills that help (optional)"),
        max_length=1100,
        required=False,
        help_text=_("Short tags separated by commas, for example: carpentry, spanish-english."),
    )
    quantity = forms.IntegerField(
        label=_("How many (optional)"), min_value=0, max_value=1_000_000_000, required=False
    )
    unit = forms.CharField(label=_("Of what (optional)"), max_length=50, required=False)
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate
        self.fields.update(
            translated_fields("title", label=_("Title"), max_length=200, textarea=False)
        )
        self.fields.update(
            translated_fields(
                "description", label=_("How people can help"), max_length=5000, textarea=True
            )
        )

    def language_groups(self) -> list[dict]:
        original = self["original_language"].value() or ""
        groups = []
        for code in CONTENT_LANGUAGES:
            fields = [self[f"title_{code}"], self[f"description_{code}"]]
            opened = code == original or any(f.value() or f.errors for f in fields)
            groups.append(
                {"code": code, "name": LANGUAGE_NAMES[code], "fields": fields, "open": opened}
            )
        return groups

    def clean_skills(self):
        tags = [part.strip().lower() for part in self.cleaned_data["skills"].split(",")]
        tags = [tag for tag in tags if tag]
        validate_skills(tags)
        return tags

    def clean(self):
        data = super().clean()
        original = data.get("original_language") or "en"
        if not any((data.get(f"title_{code}") or "").strip() for code in CONTENT_LANGUAGES):
            self.add_error(f"title_{original}", _("Give a title in at least one language."))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("A need cannot end before it starts."))
        return data

    def service_data(self) -> dict:
        c = self.cleaned_data
        return {
            "kind": c["kind"],
            "original_language": c["original_language"],
            "title": {code: c[f"title_{code}"].strip() for code in CONTENT_LANGUAGES},
            "description": {code: c[f"description_{code}"].strip() for code in CONTENT_LANGUAGES},
            "skills": c["skills"],
            "quantity": c["quantity"],
            "unit": c["unit"].strip(),
            "urgency": c["urgency"],
            "starts_on": c["starts_on"],
            "ends_on": c["ends_on"],
        }


def need_initial(need) -> dict:
    initial = {
        name: getattr(need, name)
        for name in (
            "kind",
            "original_language",
            "quantity",
            "unit",
            "urgency",
            "starts_on",
            "ends_on",
        )
    }
    initial["skills"] = ", ".join(need.skills)
    for code in CONTENT_LANGUAGES:
        initial[f"title_{code}"] = getattr(need, f"title_{code}") or ""
        initial[f"description_{code}"] = getattr(need, f"description_{code}") or ""
    return initial


# --- Co-leads and moderation -------------------------------------------------------------------


class MemberForm(GovukForm):
    person = forms.CharField(
        label=_("Their e-mail address or username"),
        max_length=254,
        help_text=_("They need a Tejido account already."),
    )
    role = forms.ChoiceField(
        label=_("What may they do?"),
        choices=[
            (MembershipRole.LEAD, _("Co-lead: edit everything and add other people")),
            (MembershipRole.EDITOR, _("Editor: edit the listing and its needs")),
        ],
        initial=MembershipRole.LEAD,
        widget=forms.RadioSelect,
    )

    def clean_person(self):
        person = find_person(self.cleaned_data["person"])
        if person is None:
            raise ValidationError(_("No account has this e-mail address or username."))
        return person


class RejectForm(GovukForm):
    reason = forms.CharField(
        label=_("Why is it not published? The lead will read this."),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why, in a sentence the lead will read.")},
    )


class ResolveForm(GovukForm):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ReportStatus.RESOLVED, _("Resolved: the problem is dealt with")),
            (ReportStatus.DISMISSED, _("Dismissed: nothing to change")),
        ],
        initial=ReportStatus.RESOLVED,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- Errors ------------------------------------------------------------------------------------


def apply_service_errors(form, error: ValidationError, *, fields=None, contacts=None) -> None:
    """Put a service's ValidationError next to the matching fields (or at the top)."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        name = fields.get(key, key)
        parts = key.split(".")
        if contacts is not None and parts[0] == "contacts" and len(parts) == 3:
            index, field_name = int(parts[1]), parts[2]
            changed = contacts.kept_forms()
            if index < len(changed) and field_name in changed[index].fields:
                changed[index].add_error(field_name, messages)
                continue
        if name in form.fields:
            form.add_error(name, messages)
        else:
            form.add_error(None, messages)


def error_summary(*forms_or_formsets) -> list[dict]:
    """Every error, each with a link to its field, in the order of the page."""
    items = []

    def of_form(form):
        for name, errors in form.errors.items():
            if name not in form.fields:
                items.extend({"href": "#errors", "message": message} for message in errors)
                continue
            label = form.fields[name].label
            items.extend(
                {"href": f"#{form[name].auto_id}", "message": f"{label}: {message}"}
                for message in errors
            )

    for thing in forms_or_formsets:
        if thing is None:
            continue
        if isinstance(thing, forms.BaseFormSet):
            for message in thing.non_form_errors():
                items.append({"href": f"#{thing.prefix}-fieldset", "message": message})
            for form in thing.forms:
                of_form(form)
        else:
            of_form(thing)
    return items
