"""The What / Where form and the frame of its filters, as markup built in Python.

Every page of results starts with this form, so it is built here (decision 0015) instead
of by a template: its words are translated and escaped once per language and process,
and the typed values and messages are escaped where they are placed. The filter fields
inside the frame come from `pages.forms.filter_fields_html` (Django's widgets; their
markup is kept per language and values, and the form behind them is built only when it
has to be rendered).
"""

from collections.abc import Callable, Sequence
from functools import lru_cache
from html import escape
from urllib.parse import quote

from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _


@lru_cache(maxsize=32)
def _words(language: str, script_prefix: str) -> dict[str, str]:
    """The form's words in `language`, escaped (and where it sends its query)."""
    words = {
        "what": _("What"),
        "what_hint": _("A need, a service or a name"),
        "where": _("Where"),
        "where_hint": _("A city, a US ZIP code, or latitude,longitude"),
        "error": _("Error:"),
        "locating": _("Finding your location…"),
        "failed": _("Your location is not available. Type a place instead."),
        "locate": _("Use my location"),
        "search": _("Search"),
        "filters": _("Filters"),
        "apply": _("Apply filters"),
        "clear": _("Clear filters"),
        "action": reverse("pages:listings"),
    }
    return {name: escape(str(text)) for name, text in words.items()}


def _field_errors(name: str, messages: Sequence[str], error_word: str) -> str:
    return "".join(
        f'<p class="field-error" id="id_{name}_error"><span class="visually-hidden">'
        f"{error_word}</span> {escape(str(message))}</p>"
        for message in messages
    )


def _described(name: str, messages: Sequence[str]) -> str:
    if not messages:
        return f'aria-describedby="id_{name}_helptext"'
    return f'aria-describedby="id_{name}_helptext id_{name}_error" aria-invalid="true"'


def search_form_html(
    *,
    q: str = "",
    near: str = "",
    errors: dict | None = None,
    filter_fields: Callable[[], str] | None = None,
    active_filters: int = 0,
) -> SafeString:
    """The search form with `q` and `near` typed in, `errors` ({field: [message]}) beside
    their fields; with `filter_fields` (a function giving the fields' markup), the
    "Filters (n)" frame around them, `active_filters` being n."""
    w = _words(get_language(), get_script_prefix())
    errors = errors or {}
    q_errors, near_errors = errors.get("q", ()), errors.get("near", ())
    q_class = " field--error" if q_errors else ""
    near_class = " field--error" if near_errors else ""
    parts = [
        f'<form class="search-form" method="get" action="{w["action"]}" role="search">\n'
        '  <div class="search-form__fields">\n'
        f'    <div class="field{q_class}">\n'
        f'      <label for="id_q">{w["what"]}</label>\n'
        f'      <p class="hint" id="id_q_helptext">{w["what_hint"]}</p>\n'
        f"      {_field_errors('q', q_errors, w['error'])}\n"
        f'      <input type="search" name="q" id="id_q" value="{escape(q)}" maxlength="200" '
        f'autocomplete="off" {_described("q", q_errors)}>\n'
        "    </div>\n"
        f'    <div class="field{near_class}">\n'
        f'      <label for="id_near">{w["where"]}</label>\n'
        f'      <p class="hint" id="id_near_helptext">{w["where_hint"]}</p>\n'
        f"      {_field_errors('near', near_errors, w['error'])}\n"
        '      <div class="where">\n'
        f'        <input type="text" name="near" id="id_near" value="{escape(near)}" '
        f'maxlength="200" autocomplete="off" {_described("near", near_errors)}>\n'
        '        <button type="button" class="button button--secondary js-only" data-locate '
        f'data-locating="{w["locating"]}" data-failed="{w["failed"]}">{w["locate"]}</button>\n'
        "      </div>\n"
        '      <p class="hint locate-status" role="status" aria-live="polite" '
        "data-locate-status></p>\n"
        "    </div>\n"
        f'    <button type="submit" class="button search-form__submit">{w["search"]}</button>\n'
        "  </div>\n"
    ]
    if filter_fields is not None:
        parts.append(_filters_frame(w, q, near, errors, filter_fields, active_filters))
    parts.append("</form>\n")
    return mark_safe("".join(parts))  # every value is escaped above


def _filters_frame(w, q, near, errors, filter_fields, active: int) -> str:
    """The filters inside the search form: one "Filters (n)" control on phones."""
    opened = " open" if errors else ""
    wide = " data-open-wide" if active else ""
    title = escape(_("Filters (%(active)s)") % {"active": active}) if active else w["filters"]
    kept = [f"q={quote(q, safe='/')}"] if q else []  # as the template filter urlencode
    if near:
        kept.append(f"near={quote(near, safe='/')}")
    clear = w["action"] + (f"?{'&amp;'.join(kept)}" if kept else "")
    return (
        f'  <details class="filters"{opened}{wide}>\n'
        f'  <summary class="filters__toggle">{title}</summary>\n'
        '  <div class="filters__body">\n'
        f"  {filter_fields()}\n"
        '  <div class="filters__actions">\n'
        f'    <button type="submit" class="button">{w["apply"]}</button>\n'
        f'    <a class="button button--secondary" href="{clear}">{w["clear"]}</a>\n'
        "  </div>\n"
        "  </div>\n"
        "</details>\n"
    )
