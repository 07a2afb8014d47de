"""A listing's contacts and weekly hours, as formsets of the listing form; each gives the
list the services take (`service_data`)."""

from datetime import time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from directory.choices import ContactKind, Visibility
from directory.models import OpeningPeriod
from directory.validators import normalize_contact_value

from .govuk import GovukForm

WEEK_MINUTES = 7 * 24 * 60


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
