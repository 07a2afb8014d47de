"""The form of a listing's need, as the `data` dict `api.serializers.NeedWriteSerializer`
gives (pages and API go through the same services)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.choices import ContentLanguage, NeedKind, Urgency
from directory.content import CONTENT_LANGUAGES
from directory.validators import validate_skills

from .govuk import LANGUAGE_NAMES, GovukForm, translated_fields


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
