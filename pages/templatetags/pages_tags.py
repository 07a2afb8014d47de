"""Template helpers of the site's layout."""

from django import template
from django.urls import translate_url
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def in_language(context, code: str) -> str:
    """The current page (query string kept) in the language `code`.

    The site's paths are the same in every language but for their prefix (`/es/...`), so
    the prefix is swapped; a path without it is resolved and reversed (`translate_url`)."""
    request = context.get("request")
    if request is None:
        return f"/{code}/"
    path = request.get_full_path()
    prefix = f"/{get_language()}/"
    if path.startswith(prefix):
        return f"/{code}/{path[len(prefix) :]}"
    return translate_url(path, code)
