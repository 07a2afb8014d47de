"""Template helpers of the site's layout."""

from django import template
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def in_language(context, code: str) -> str:
    """The current page (query string kept) in the language `code`."""
    request = context.get("request")
    if request is None:
        return f"/{code}/"
    return translate_url(request.get_full_path(), code)
