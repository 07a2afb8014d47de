"""Choices of the search page's filters (pages/search_filters.py shows them) and the
listing page's "Report a problem" form."""

from functools import lru_cache

import langcodes
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from directory.choices import NeedKind, ReportReason
from directory.filters import MAX_RADIUS_KM
from directory.validators import validate_link_count

RADII_KM = (1, 2, 5, 10, 25, 50, 100, 250, MAX_RADIUS_KM)

#: Languages offered in the "Language spoken" filter (any ISO 639 code works in the URL).
COMMON_LANGUAGES = (
    "es",
    "en",
    "pt",
    "fr",
    "ht",
    "nah",
    "yua",
    "zap",
    "mix",
    "qu",
    "ay",
    "gn",
    "zh",
    "vi",
    "ko",
    "tl",
    "ar",
    "so",
    "hmn",
)

ORDERING_LABELS = {
    "distance": _("Nearest first"),
    "name": _("Name"),
    "-updated_at": _("Recently updated"),
    "-created_at": _("Newest"),
}


@lru_cache(maxsize=1024)
def language_name(code: str, reader: str) -> str:
    """The name of a language (ISO 639) in the reader's language: "náhuatl", "Haitian"."""
    try:
        name = langcodes.Language.get(code).display_name(reader)
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:] if name else code


#: Needs in plain words: who gives and who gets (UX.md "Plain words").
NEED_PHRASES = {
    NeedKind.VOLUNTEERS: _("Needs volunteers"),
    NeedKind.SKILLS: _("Needs people with skills"),
    NeedKind.MONEY: _("Asks for donations of money"),
    NeedKind.FOOD: _("Asks for donations of food"),
    NeedKind.SUPPLIES: _("Asks for donations of supplies"),
    NeedKind.SPACE: _("Needs a space"),
    NeedKind.TRANSPORT: _("Needs help with transport"),
    NeedKind.EQUIPMENT: _("Needs equipment"),
    NeedKind.LEGAL: _("Needs legal help"),
    NeedKind.TRANSLATION: _("Needs translators"),
    NeedKind.CHILDCARE: _("Needs help with childcare"),
    NeedKind.OTHER: _("Needs other help"),
}


#: Reasons of a report in plain words, and the stored reason each one becomes.
REPORT_CHOICES = (
    ("closed", pgettext_lazy("report", "It's closed"), ReportReason.CLOSED),
    ("hours", pgettext_lazy("report", "The hours are wrong"), ReportReason.WRONG_INFO),
    (
        "wrong_info",
        pgettext_lazy("report", "The address, phone or other details are wrong"),
        ReportReason.WRONG_INFO,
    ),
    ("unsafe", pgettext_lazy("report", "It isn't safe"), ReportReason.UNSAFE),
    ("duplicate", pgettext_lazy("report", "It's listed twice"), ReportReason.DUPLICATE),
    ("spam", pgettext_lazy("report", "It's spam or an advert"), ReportReason.SPAM),
    ("other", pgettext_lazy("report", "Something else"), ReportReason.OTHER),
)


class ReportForm(forms.Form):
    """ "Report a problem": no account, a honeypot instead of a captcha."""

    reason = forms.ChoiceField(
        label=_("What is wrong?"),
        choices=[(value, label) for value, label, _reason in REPORT_CHOICES],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what is wrong.")},
    )
    message = forms.CharField(
        label=_("Tell us more (optional)"),
        required=False,
        max_length=2000,
        validators=[validate_link_count],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Do not write personal details. Moderators read this."),
    )
    #: Honeypot: hidden from people (CSS and aria-hidden); bots fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_message(self):
        message = self.cleaned_data["message"]
        if "\x00" in message:
            raise forms.ValidationError(_("Remove the null characters."))
        return message

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def stored_reason(self) -> tuple[str, str]:
        """(ReportReason value, message) to store."""
        chosen = self.cleaned_data["reason"]
        reason = next(r for value, _label, r in REPORT_CHOICES if value == chosen)
        message = self.cleaned_data["message"].strip()
        if chosen == "hours":
            message = f"[hours] {message}".strip()
        return reason, message
