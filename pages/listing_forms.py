"""The listing form of the leads' dashboard, and the co-leads form.

The listing form turns what was typed into the same `data` dict the API's write serializer
gives (`api.serializers.ListingWriteSerializer`), so pages and API go through the same
services; its contacts and hours are the formsets of `service_forms`, its errors follow
GOV.UK's pattern (`govuk`). Needs are in `need_forms`, the moderators' forms in
`review_forms`."""

import json
import math

from django import forms
from django.contrib.gis.geos import GEOSException, Point
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from directory.choices import (
    AccessFact,
    ContentLanguage,
    ListingKind,
    LocationPrecision,
    MembershipRole,
    OwnershipModel,
)
from directory.content import CONTENT_LANGUAGES, localized
from directory.geo import SRID, area_from_geojson
from directory.models import Category
from directory.moderation import find_person
from directory.privacy import PUBLIC_ADDRESS_FIELDS, cell_size_degrees, public_point
from directory.services import LISTING_TRANSLATED
from directory.validators import (
    validate_language_codes,
)

from .govuk import LANGUAGE_NAMES, GovukForm, text_input, translated_fields


class FiniteFloatField(forms.FloatField):
    """A coordinate: a finite number, typed with a point or the reader's decimal comma."""

    def __init__(self, **kwargs):
        super().__init__(localize=True, widget=text_input(inputmode="decimal"), **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not math.isfinite(value):
            raise ValidationError(_("Enter a finite number."), code="invalid")
        return value


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
    #: Sent by the button of the duplicate warning: save although similar listings exist.
    different_project = forms.BooleanField(
        label=_("This is a different project"), required=False, widget=forms.HiddenInput
    )
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


# --- Co-leads ----------------------------------------------------------------------------------


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
