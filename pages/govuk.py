"""The GOV.UK pattern the site's forms follow: each error next to its field (the widget says
so with aria-describedby), all of them summarised at the top with a link to each field
(`error_summary`), and a service's ValidationError put back on the fields it names."""

from django import forms
from django.core.exceptions import ValidationError

from directory.choices import ContentLanguage
from directory.content import CONTENT_LANGUAGES
from directory.validators import validate_link_count

LANGUAGE_NAMES = dict(ContentLanguage.choices)


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


def translated_fields(prefix: str, *, label, max_length: int, textarea: bool) -> dict:
    """`<prefix>_<code>` fields, one per content language."""
    return {
        f"{prefix}_{code}": forms.CharField(
            label=label,
            max_length=max_length,
            required=False,
            validators=[validate_link_count],
            widget=forms.Textarea(attrs={"rows": 4, "lang": code})
            if textarea
            else forms.TextInput(attrs={"lang": code}),
        )
        for code in CONTENT_LANGUAGES
    }


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
