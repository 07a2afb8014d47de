"""Forms of the search and listing pages.

The search form only renders: its parameters are validated by `directory.filters`
(`clean_query`), the same rules as the API, and the errors are put back on the fields.
"""

import html
from functools import lru_cache

import langcodes
from django import forms
from django.forms.utils import ErrorDict, ErrorList
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from directory import filters
from directory.choices import AccessFact, ListingKind, NeedKind, ReportReason
from directory.filters import MAX_RADIUS_KM

from .kept import KeptMarkup

RADII_KM = (1, 2, 5, 10, 25, 50, 100, 250, MAX_RADIUS_KM)
#: The distance the search form shows when none is chosen (the API's default radius).
DEFAULT_RADIUS_KM = str(filters.DEFAULT_RADIUS_KM)

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


# --- widgets rendered in Python ---------------------------------------------------------
# Django renders a widget from templates, one per option: on the search page the filters'
# ~90 options cost more than the rest of the page. These widgets give the same markup as
# Django's own templates (django/forms/widgets/{select,select_option,input,input_option}.html)
# from Python; any other template goes to Django as usual.


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}` in a template (a plain string, so always escaped)."""
    return html.escape(f"{value}")


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {name}" if value is True else f' {name}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>\n'


def _input_option(widget: dict) -> str:
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    element_id = widget["attrs"].get("id")
    target = f' for="{conditional_escape(element_id)}"' if element_id else ""
    label = conditional_escape(widget["label"])
    return f"<label{target}>{_input(widget)} {label}</label>\n"


def _option(widget: dict) -> str:
    value, label = _text(widget["value"]), conditional_escape(widget["label"])
    return f'<option value="{value}"{_attrs(widget["attrs"])}>{label}</option>\n'


def _select(widget: dict) -> str:
    name = conditional_escape(widget["name"])
    parts = [f'<select name="{name}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            parts.append("\n  " + _TEMPLATES[option["template_name"]](option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


_TEMPLATES = {
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/select_option.html": _option,
    "django/forms/widgets/text.html": _input,
    "django/forms/widgets/input.html": _input,
    "django/forms/widgets/checkbox_option.html": _input_option,
}


class PythonRendered:
    """A widget whose templates `_TEMPLATES` knows are rendered without the template engine
    (the form renderer strips what it renders: so do we)."""

    def _render(self, template_name, context, renderer=None):
        render = _TEMPLATES.get(template_name)
        if render is None:
            return super()._render(template_name, context, renderer)
        return mark_safe(render(context["widget"]).strip())


class Select(PythonRendered, forms.Select):
    pass


class CheckboxSelectMultiple(PythonRendered, forms.CheckboxSelectMultiple):
    pass


class TextInput(PythonRendered, forms.TextInput):
    pass


#: Rendered filter fields kept per process (SearchForm.filter_fields_html), newest last.
FILTERS_KEPT = 256
_FILTERS_HTML = KeptMarkup(FILTERS_KEPT)


class SearchForm(forms.Form):
    """What, Where and the filters, with the API's parameter names."""

    q = forms.CharField(label=_("What"), required=False, max_length=200, widget=TextInput)
    near = forms.CharField(
        label=_("Where"),
        required=False,
        max_length=200,
        help_text=_("A city, a US ZIP code, or latitude,longitude"),
        widget=TextInput,
    )
    kind = forms.MultipleChoiceField(
        label=_("Kind"),
        required=False,
        choices=ListingKind.choices,
        widget=CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(label=_("Category"), required=False, widget=Select)
    need = forms.ChoiceField(label=_("Looking for help with"), required=False, widget=Select)
    language = forms.ChoiceField(label=_("Language spoken"), required=False, widget=Select)
    access = forms.MultipleChoiceField(
        label=_("Access"),
        required=False,
        choices=AccessFact.choices,
        widget=CheckboxSelectMultiple,
    )
    open_now = forms.MultipleChoiceField(
        label=_("Open now"),
        required=False,
        choices=[("true", _("Open now"))],
        widget=CheckboxSelectMultiple,
    )
    open_at = forms.CharField(
        label=_("Open when I can go"),
        required=False,
        max_length=40,
        help_text=_("A day and a time, for example “sat 10:00”"),
        widget=TextInput,
    )
    verified = forms.MultipleChoiceField(
        label=_("Verified"),
        required=False,
        choices=[("true", _("Only listings verified by a moderator"))],
        widget=CheckboxSelectMultiple,
    )
    radius_km = forms.ChoiceField(label=_("Distance"), required=False, widget=Select)
    ordering = forms.ChoiceField(label=_("Order"), required=False, widget=Select)

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
            data["radius_km"] = DEFAULT_RADIUS_KM
        super().__init__(data)
        self._categories, self._reader, self._choices_set = categories, reader, False
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

    def _set_choices(self) -> None:
        """The filters' choices in the reader's language: set only when the fields are
        rendered (a page whose filters' markup is kept needs none of them)."""
        if self._choices_set:
            return
        self._choices_set = True
        categories, reader, data = self._categories, self._reader, self.data
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

    @property
    def filter_fields(self):
        self._set_choices()
        return [self[name] for name in self.FILTERS if name in self.fields]

    def filter_fields_html(self) -> str:
        """The filters' fields (templates/pages/_filter_fields.html)."""
        return render_to_string("pages/_filter_fields.html", {"form": self})


def filter_fields_html(
    data, *, categories, reader: str, errors=None, has_open_at=True, categories_key=None
) -> str:
    """The markup of the search form's filter fields for the query `data` (a QueryDict):
    `SearchForm(data, ...).filter_fields_html()`. `categories_key` identifies the labels
    of `categories` (`CategoryNames.key`).

    Without errors the markup depends only on the language, the choices and the values of
    the filters, so that of the last FILTERS_KEPT such combinations is kept in the process
    and the form is built only when it is not (on a page of results, building and
    rendering the form cost more than the results)."""
    options = {"categories": categories, "reader": reader, "has_open_at": has_open_at}
    if errors:
        return SearchForm(data, errors=errors, **options).filter_fields_html()
    if categories_key is None:
        categories_key = tuple((c.slug, c.depth, c.label) for c in categories)
    values = []
    for name in SearchForm.FILTERS:
        found = tuple(data.getlist(name))
        if name == "radius_km" and not data.get("radius_km"):
            found = (DEFAULT_RADIUS_KM,)
        values.append((name, found))
    key = (get_language(), reader, categories_key, has_open_at, tuple(values))
    return _FILTERS_HTML.keep(key, lambda: SearchForm(data, **options).filter_fields_html())


def active_filters(data) -> int:
    """How many filters of the query `data` are set (the "Filters (n)" control)."""
    return sum(
        1
        for name in SearchForm.FILTERS
        if name not in ("radius_km", "ordering")
        for value in data.getlist(name)
        if value
    )


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
