"""The Jinja2 environment of Tejido's own pages (docs/decisions/0016-markup-in-templates.md).

Templates live in `jinja2/` and are rendered through Django's own backend
(`django.template.backends.jinja2.Jinja2`, autoescaping on), which gives each page `request`,
`csrf_input` and `csrf_token`; the context processors of the TEMPLATES setting add `user` and
`messages`. What Django's templates have besides, the pages have here under the same names:

- `_("...")`, `gettext`, `ngettext`, `pgettext` and `{% trans %}...{% endtrans %}` (Django's
  translations; `{{ _("...") }}` is escaped like `{% translate %}`, and in `{% trans %}` the
  values are escaped and the words are not, like `{% blocktranslate %}`);
- `url(name, *args)` (`{% url %}`; `url_or_empty` where the template tested `{% url ... as x %}`),
  `static(path)`, `get_language()`, `localized(obj, field)`, `admin1(country, value)`,
  `in_language(request, code)` and `site_languages()` (the language switcher);
- Django's filters that the templates use (`intcomma`, `date`, `floatformat`,
  `linebreaksbr`, `timesince`...), the CSP nonce as `request.csp_nonce`.

Templates compile once per process (Jinja2's cache; with DEBUG they are reloaded when their
file changes). Undefined names render as nothing and chain (`missing.attr`), as in Django's.
"""

from datetime import date
from functools import lru_cache

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.html import json_script
from django.utils.text import capfirst
from django.utils.translation import (
    get_language,
    get_language_info,
    gettext,
    ngettext,
    npgettext,
    pgettext,
)

from directory.admin1 import address_admin1
from directory.content import localized as localized_text
from directory.content import reader_language
from jinja2 import ChainableUndefined, Environment

#: Translations the templates looked up, by language: a page asks for the same words on every
#: card (a dict lookup instead of Django's gettext, ~10 times dearer, some 200 times a page).
#: Catalogs do not change while a process runs; tests that change translation settings
#: clear this (`forget_translations`, on Django's `setting_changed`).
_TRANSLATED: dict[str, dict[str, str]] = {}


def template_gettext(message: str) -> str:
    """`gettext(message)` in the active language, looked up once per process."""
    language = get_language()
    found = _TRANSLATED.get(language)
    if found is None:
        found = _TRANSLATED[language] = {}
    translated = found.get(message)
    if translated is None:
        translated = found[message] = gettext(message)
    return translated


@receiver(setting_changed)
def forget_translations(**_kwargs) -> None:
    _TRANSLATED.clear()


def url(name: str, *args, **kwargs) -> str:
    """`{% url name arg... %}`."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def url_or_empty(name: str, *args, **kwargs) -> str:
    """`{% url name as found %}`: "" when the name is not routed (a page switched off)."""
    try:
        return url(name, *args, **kwargs)
    except NoReverseMatch:
        return ""


def localized(obj, field: str):
    """(text, language) of a multilingual field for the reader (`directory.content`)."""
    return localized_text(obj, field)


def admin1(country, value: str) -> str:
    """A state or province as an address shows it, in the reader's language."""
    return address_admin1(str(country or ""), value or "", reader_language())


def in_language(request, code: str) -> str:
    """The current page (query string kept) in the language `code`.

    The site's paths are the same in every language but for their prefix (`/es/...`), so
    the prefix is swapped; a path without it is resolved and reversed (`translate_url`)."""
    if not request:
        return f"/{code}/"
    path = request.get_full_path()
    prefix = f"/{get_language()}/"
    if path.startswith(prefix):
        return f"/{code}/{path[len(prefix) :]}"
    return translate_url(path, code)


@lru_cache(maxsize=1)
def _language_names(languages: tuple) -> tuple[tuple[str, str], ...]:
    return tuple(
        (code, capfirst(get_language_info(code)["name_local"])) for code, _name in languages
    )


def site_languages() -> tuple[tuple[str, str], ...]:
    """(code, name in that language) of each of the site's languages."""
    return _language_names(tuple(settings.LANGUAGES))


@lru_cache(maxsize=4096)
def _day(language: str, value: date, format_name: str) -> str:
    return defaultfilters.date(value, format_name)


def date_filter(value, format_name: str | None = None) -> str:
    """Django's `date` filter; a calendar day (not a datetime) is formatted once per
    language and process (a page of needs shows the same few days many times)."""
    if type(value) is date:
        return _day(get_language(), value, format_name)
    return defaultfilters.date(value, format_name)


FILTERS = {
    "intcomma": intcomma,
    "date": date_filter,
    "floatformat": defaultfilters.floatformat,
    "linebreaks": defaultfilters.linebreaks_filter,
    "linebreaksbr": defaultfilters.linebreaksbr,
    "timesince": defaultfilters.timesince_filter,
    "capfirst": defaultfilters.capfirst,
    "stringformat": defaultfilters.stringformat,
    "django_urlencode": defaultfilters.urlencode,
    "json_script": json_script,
    "truncatewords": defaultfilters.truncatewords,
}


def environment(**options) -> Environment:
    options["autoescape"] = True  # Django's backend sets it too: never without
    options["undefined"] = ChainableUndefined  # (Django sets another by default)
    options.setdefault("keep_trailing_newline", True)
    options.setdefault("extensions", ["jinja2.ext.i18n"])
    env = Environment(**options)  # noqa: S701 (autoescape is on, above)
    env.install_gettext_callables(
        template_gettext, ngettext, newstyle=False, pgettext=pgettext, npgettext=npgettext
    )
    env.globals.update(
        _=template_gettext,
        url=url,
        url_or_empty=url_or_empty,
        static=static,
        get_language=get_language,
        localized=localized,
        admin1=admin1,
        in_language=in_language,
        site_languages=site_languages,
    )
    env.filters.update(FILTERS)
    return env
