"""Form fields the GOV.UK way: the input points at its hint and its error message."""

from django import template
from django.forms import BoundField

register = template.Library()


@register.simple_tag
def field_input(field: BoundField) -> str:
    """The field's widget, described by its hint and error (ids from allauth/forms/field.html),
    without placeholder: the label above it says what to type."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    attrs = {"placeholder": False}
    if field.widget_type != "checkbox":
        attrs["class"] = "input"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
