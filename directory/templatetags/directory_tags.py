from django import template

from directory.admin1 import address_admin1
from directory.content import localized as localized_text
from directory.content import reader_language

register = template.Library()


@register.simple_tag
def localized(obj, field: str):
    """(text, language) of a multilingual field for the reader (see directory.content)."""
    return localized_text(obj, field)


@register.simple_tag
def admin1(country, value: str) -> str:
    """A state or province as an address shows it, in the reader's language (see
    directory.admin1): "Nuevo León" for the GeoNames code "19"; US "CA" stays "CA"."""
    return address_admin1(str(country or ""), value or "", reader_language())
