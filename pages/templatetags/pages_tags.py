"""Template helpers of the site's layout."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info

from pages.search_form import search_form_html

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


@lru_cache(maxsize=1)
def _language_names(languages: tuple) -> tuple[tuple[str, str], ...]:
    """(code, escaped name in that language) of each of the site's languages."""
    return tuple(
        (escape(code), escape(capfirst(get_language_info(code)["name_local"])))
        for code, _name in languages
    )


@register.simple_tag(takes_context=True)
def language_links(context) -> SafeString:
    """The language switcher's items: this page in each of the site's languages, each
    language named in itself, the current one marked (every page has it, so it is built
    here rather than by a loop of template tags)."""
    current = get_language()
    items = []
    for code, name in _language_names(tuple(settings.LANGUAGES)):
        if code == current:
            items.append(
                f'<li><span class="current" aria-current="true" lang="{code}">{name}</span></li>'
            )
        else:
            url = escape(in_language(context, code))
            items.append(f'<li><a href="{url}" hreflang="{code}" lang="{code}">{name}</a></li>')
    return mark_safe("\n".join(items))  # every part is escaped above


@register.simple_tag
def search_form() -> SafeString:
    """The What / Where form, empty (the home page's)."""
    return search_form_html()
