"""What the search page's form shows (jinja2/pages/_search_form.html and
_filter_fields.html): plain values for the templates, no markup.

The form only renders: the query is validated by `directory.filters` (the API's rules), and
its messages come back here by field. The filters' labels and choices are in the reader's
language; what was chosen is shown again as it was typed.
"""

from dataclasses import dataclass, field
from urllib.parse import quote

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory import filters
from directory.choices import AccessFact, ListingKind, NeedKind

from .forms import COMMON_LANGUAGES, NEED_PHRASES, ORDERING_LABELS, RADII_KM, language_name

#: The distance the form shows when none is chosen (the API's default radius).
DEFAULT_RADIUS_KM = str(filters.DEFAULT_RADIUS_KM)


@dataclass
class FilterField:
    """One filter: `kind` is "choices" (checkboxes), "select" or "text"."""

    name: str
    label: str
    kind: str
    choices: list[tuple[str, str]] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    help_text: str = ""
    errors: list[str] = field(default_factory=list)
    max_length: int = 0


#: The filters behind "Filters (n)", in the form's order (the others are What / Where).
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

LABELS = {
    "kind": gettext_lazy("Kind"),
    "category": gettext_lazy("Category"),
    "need": gettext_lazy("Looking for help with"),
    "language": gettext_lazy("Language spoken"),
    "access": gettext_lazy("Access"),
    "open_now": gettext_lazy("Open now"),
    "open_at": gettext_lazy("Open when I can go"),
    "verified": gettext_lazy("Verified"),
    "radius_km": gettext_lazy("Distance"),
    "ordering": gettext_lazy("Order"),
}


def _with_typed(values: list[str], typed: str) -> list[str]:
    """`values`, and the one typed in the address bar if it is not among them."""
    return values if not typed or typed in values else [*values, typed]


def filter_fields(data, *, categories, reader: str, errors=None, has_open_at=True):
    """The filters for the query `data` (a QueryDict), `categories` being the labelled
    taxonomy (`pages.cards.CategoryNames.categories`) and `errors` {field: [message]}."""
    errors = errors or {}
    language = (data.get("language") or "")[:16]
    radius = (data.get("radius_km") or "")[:20] or DEFAULT_RADIUS_KM
    choices = {
        "kind": list(ListingKind.choices),
        "category": [("", _("Any category"))]
        + [(c.slug, ("— " if c.depth > 1 else "") + c.label) for c in categories],
        "need": [("", _("Anything"))] + [(kind, NEED_PHRASES[kind]) for kind in NeedKind.values],
        "language": [("", _("Any language"))]
        + [
            (code, language_name(code, reader))
            for code in _with_typed(list(COMMON_LANGUAGES), language)
        ],
        "access": list(AccessFact.choices),
        "open_now": [("true", _("Open now"))],
        "verified": [("true", _("Only listings verified by a moderator"))],
        "radius_km": [
            (r, _("Within %(km)s km") % {"km": r})
            for r in _with_typed([str(r) for r in RADII_KM], radius)
        ],
        "ordering": [("", _("Best match")), *ORDERING_LABELS.items()],
    }
    kinds = {"category": "select", "need": "select", "language": "select", "radius_km": "select"}
    kinds.update(ordering="select", open_at="text")
    open_at_hint = _("A day and a time, for example “sat 10:00”")
    fields = []
    for name in FILTERS:
        if name == "open_at" and not has_open_at:
            continue
        values = [str(v) for v in data.getlist(name)]
        if name == "radius_km" and not data.get("radius_km"):
            values = [DEFAULT_RADIUS_KM]
        elif kinds.get(name) == "select":
            values = values[-1:] or [""]  # one value shown: the last, as Django's widgets
        elif kinds.get(name) == "text":
            values = [value for value in values[-1:] if value]
        fields.append(
            FilterField(
                name=name,
                label=str(LABELS[name]),
                kind=kinds.get(name, "choices"),
                choices=[(str(value), str(label)) for value, label in choices.get(name, ())],
                values=values,
                help_text=open_at_hint if name == "open_at" else "",
                errors=[str(message) for message in errors.get(name, ())],
                max_length=40 if name == "open_at" else 0,
            )
        )
    return fields


def active_filters(data) -> int:
    """How many filters of the query `data` are set (the "Filters (n)" control)."""
    return sum(
        1
        for name in FILTERS
        if name not in ("radius_km", "ordering")
        for value in data.getlist(name)
        if value
    )


def clear_url(q: str, near: str) -> str:
    """The search with What and Where kept and no filter."""
    kept = [f"q={quote(q, safe='/')}"] if q else []  # as the template filter urlencode
    if near:
        kept.append(f"near={quote(near, safe='/')}")
    return reverse("pages:listings") + (f"?{'&'.join(kept)}" if kept else "")


def search_form_context(*, q="", near="", errors=None, filters=None, active=0) -> dict:
    """`search_form` of jinja2/pages/_search_form.html."""
    return {
        "q": q,
        "near": near,
        "errors": errors or {},
        "filters": filters,
        "active": active,
        "clear_url": clear_url(q, near) if filters else "",
    }
