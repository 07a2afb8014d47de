from django import template

from directory.content import localized as localized_text

register = template.Library()


@register.simple_tag
def localized(obj, field: str):
    """(text, language) of a multilingual field for the reader (see directory.content)."""
    return localized_text(obj, field)
