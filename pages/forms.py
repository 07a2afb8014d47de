"""Forms of the search and listing pages.

The search form only renders: its parameters are validated by `directory.filters`
(`clean_query`), the same rules as the API, and the errors are put back on the fields.
"""

from functools import lru_cache

import langcodes
from django import forms
from django.forms.utils import ErrorDict, ErrorList
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from directory.choices import AccessFact, ListingKind, NeedKind, ReportReason
from directory.filters import MAX_RADIUS_KM

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


class SearchForm(forms.Form):
    """What, Where and the filters, with the API's parameter names."""

    q = forms.CharField(label=_("What"), required=False, max_length=200)
    near = forms.CharField(
        label=_("Where"),
        required=False,
        max_length=200,
        help_text=_("A city, a US ZIP code, or latitude,longitude"),
    )
    kind = forms.MultipleChoiceField(
        label=_("Kind"),
        required=False,
        choices=ListingKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    need = forms.ChoiceField(label=_("Looking for help with"), required=False)
    language = forms.ChoiceField(label=_("Language spoken"), required=False)
    access = forms.MultipleChoiceField(
        label=_("Access"),
        required=False,
        choices=AccessFact.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    open_now = forms.MultipleChoiceField(
        label=_("Open now"),
        required=False,
        choices=[("true", _("Open now"))],
        widget=forms.CheckboxSelectMultiple,
    )
    open_at = forms.CharField(
        label=_("Open when I can go"),
        required=False,
        max_length=40,
        help_text=_("A day and a time, for example “sat 10:00”"),
    )
    verified = forms.MultipleChoiceField(
        label=_("Verified"),
        required=False,
        choices=[("true", _("Only listings verified by a moderator"))],
        widget=forms.CheckboxSelectMultiple,
    )
    radius_km = forms.ChoiceField(label=_("Distance"), required=False)
    ordering = forms.ChoiceField(label=_("Order"), required=False)

    #: Fields behind the "Filters" control (the others are the What / Where form).
    FILTERS = (
        "kind",
        "category",
        "need",
        "language",
        "access",
        "open_now",
        "open_at",
        "verified",
        "radius_km",
        "ordering",
    )

    def __init__(self, data, *, categories, reader: str, errors=None, has_open_at=True):
        data = data.copy()
        if not data.get("radius_km"):
            data["radius_km"] = "25"
        super().__init__(data)
        self.fields["category"].choices = [("", _("Any category"))] + [
            (c.slug, ("— " if c.depth > 1 else "") + c.label) for c in categories
        ]
        self.fields["need"].choices = [("", _("Anything"))] + [
            (kind, NEED_PHRASES[kind]) for kind in NeedKind.values
        ]
        languages = list(COMMON_LANGUAGES)
        chosen = (data.get("language") or "")[:16]
        if chosen and chosen not in languages:
            languages.append(chosen)
        self.fields["language"].choices = [("", _("Any language"))] + [
            (code, language_name(code, reader)) for code in languages
        ]
        radii = [str(r) for r in RADII_KM]
        chosen = (data.get("radius_km") or "")[:20]
        if chosen and chosen not in radii:
            radii.append(chosen)
        self.fields["radius_km"].choices = [(r, _("Within %(km)s km") % {"km": r}) for r in radii]
        self.fields["ordering"].choices = [("", _("Best match")), *ORDERING_LABELS.items()]
        if not has_open_at:
            del self.fields["open_at"]
        self._errors = ErrorDict(
            {name: ErrorList([str(m) for m in found]) for name, found in (errors or {}).items()}
        )
        for name in self._errors:
            if name in self.fields:
                field = self.fields[name]
                ids = [f"id_{name}_helptext"] if field.help_text else []
                field.widget.attrs["aria-describedby"] = " ".join([*ids, f"id_{name}_error"])

    @property
    def filter_fields(self):
        return [self[name] for name in self.FILTERS if name in self.fields]

    def active_filters(self) -> int:
        """How many filters are set (the "Filters (n)" control)."""
        count = 0
        for name in self.FILTERS:
            if name in ("radius_km", "ordering"):
                continue
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            count += sum(1 for v in values if v)
        return count


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
