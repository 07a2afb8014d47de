"""The contact form of `/listings/<slug>/contact/`: works without JavaScript, no account."""

import re

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from directory.choices import ContentLanguage
from directory.content import localized
from pages.govuk import GovukForm

from .services import ContactData

NAME_MAX, MESSAGE_MAX = 100, 2000
PHONE = re.compile(r"^\+?[\d\s().-]{6,30}$")


def _no_controls(value: str) -> str:
    if "\x00" in value:
        raise forms.ValidationError(_("Remove the null characters."))
    return value.strip()


def need_label(need) -> str:
    title, _language = localized(need, "title")
    return title or need.get_kind_display()


class ContactForm(GovukForm):
    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Write your name, or the name you want to be called.")},
    )
    email = forms.EmailField(
        label=_("Your e-mail"),
        required=False,
        max_length=254,
        help_text=_("The project answers you here. Give an e-mail, a phone, or both."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Your phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    need = forms.TypedChoiceField(
        label=_("Which need are you offering help with?"), required=False, coerce=int
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX,
        help_text=_("Say how you can help and when. Only the project's leads read it."),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your message.")},
    )
    language = forms.ChoiceField(
        label=_("Language of your message"), choices=ContentLanguage.choices
    )
    #: Honeypot: hidden from people (CSS and aria-hidden); robots fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.needs = {need.pk: need for need in needs}
        self.fields["need"].choices = [("", _("None in particular"))] + [
            (need.pk, need_label(need)) for need in needs
        ]
        if not self.is_bound:
            self.fields["language"].initial = (get_language() or "en")[:2]

    def clean_name(self):
        return _no_controls(self.cleaned_data["name"])

    def clean_message(self):
        return _no_controls(self.cleaned_data["message"])

    def clean_phone(self):
        phone = _no_controls(self.cleaned_data["phone"])
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(
                _("Write a phone number with digits, like +1 213 555 0100.")
            )
        return phone

    def clean_need(self):
        need = self.cleaned_data["need"]
        if need in (None, ""):
            return None
        if need not in self.needs:
            raise forms.ValidationError(_("Choose one of the listing's open needs."))
        return self.needs[need]

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("email") and not data.get("phone"):
            self.add_error("email", _("Give an e-mail or a phone so the project can answer you."))
        return data

    def contact_data(self) -> ContactData:
        data = self.cleaned_data
        return ContactData(
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            message=data["message"],
            language=data["language"],
            need=data["need"],
        )


class JoinForm(GovukForm):
    """Ask the leads of a listing to keep it with them (signed-in people only)."""

    message = forms.CharField(
        label=_("Who are you in this project?"),
        max_length=1000,
        help_text=_(
            "A few words for its leads: your role, since when, someone they know. "
            "Only they (or the moderators) read it."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say in a few words who you are in this project.")},
    )
    share_email = forms.BooleanField(
        label=_("The leads may write to me at my e-mail address"),
        required=False,
        help_text=_("Otherwise they see only your username, and answer by accepting or not."),
    )

    def clean_message(self):
        return _no_controls(self.cleaned_data["message"])
