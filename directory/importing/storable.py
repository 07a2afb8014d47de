"""What the write path will store, checked on each row before the report is written, so
that a dry run tells what `--commit` does (the commit is the dry run plus the write).

The limits and validators are the model fields' own (`max_length`, choices, `validate_*`,
the array fields' item limits), read from `Listing`, `Contact` and `ListingSource`, never a
second list kept by hand. What a value that cannot be stored does depends on its column
(`POLICY`, written out in fixtures/import/README.md):

- `reject`: the row is rejected, naming the column and the limit (what identifies or places
  the listing: a wrong value there would mislead);
- `drop`: the row is imported without the value and the report warns (optional values that a
  shortened copy would make wrong: a web address, a legal form);
- `cut`: free text is cut to the limit and the report warns (`rows.py` does the cutting).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from ..choices import ContentLanguage
from ..models import Contact, Listing, ListingSource

REJECT, DROP, CUT = "reject", "drop", "cut"
LANGUAGES = tuple(ContentLanguage.values)

#: The columns of a row (`Row.fields` keys, translated fields under their base name).
POLICY = {
    "name": REJECT,
    "kind": REJECT,
    "original_language": REJECT,
    "country": REJECT,
    "street_address": REJECT,
    "locality": REJECT,
    "postal_code": REJECT,
    "location_precision": REJECT,
    "access": REJECT,
    "languages": REJECT,
    "admin1": DROP,
    "legal_form": DROP,
    "ownership_model": DROP,
    "summary": CUT,
    "description": CUT,
    "opening_hours_notes": CUT,
}


class Unstorable(Exception):
    """A value of a REJECT column cannot be stored: the message is the row's reason."""


def _base_name(name: str) -> tuple[str, str]:
    """("summary", "es") for "summary_es"; (name, "") for an untranslated column."""
    base, _sep, code = name.rpartition("_")
    if base in POLICY and code in LANGUAGES:
        return base, code
    return name, ""


def _column(name: str, language: str) -> str:
    if not language:
        return name
    # Translators: a column of an import file and the language of its text: "summary (es)".
    return _("%(column)s (%(language)s)") % {"column": name, "language": language}


def too_long(column: str, length: int, limit: int) -> str:
    # Translators: e.g. "website: 312 characters, at most 300".
    return _("%(column)s: %(length)s characters, at most %(limit)s") % {
        "column": column,
        "length": length,
        "limit": limit,
    }


def _problem(field: models.Field, value) -> str | None:
    """Why `field` cannot store `value` (the first reason), or None. Whether a column may
    be empty is the row checks' to say (a missing country may still come from the point)."""
    if value is None and not field.null:
        return _("a value is required")
    if value in field.empty_values:
        return None
    limit = getattr(field, "max_length", None)
    if limit and isinstance(value, str) and len(value) > limit:
        return f"{len(value)}/{limit}"
    try:
        field.validate(value, None)
        field.run_validators(value)
    except ValidationError as error:
        return _described(field, value, error)
    return None


def _described(field: models.Field, value, error: ValidationError) -> str:
    limit = getattr(field, "max_length", None)
    item_limit = getattr(getattr(field, "base_field", None), "max_length", None)
    if limit and isinstance(value, str) and len(value) > limit:
        return f"{len(value)}/{limit}"
    if item_limit and isinstance(value, list):
        for item in value:
            if isinstance(item, str) and len(item) > item_limit:
                return f"{len(item)}/{item_limit}"
    return " ".join(error.messages)


class Rules:
    """The fields a row's values go into, read once per import."""

    def __init__(self) -> None:
        self.listing = {field.name: field for field in Listing._meta.concrete_fields}
        self.contact_value = Contact._meta.get_field("value")
        self.source_id = ListingSource._meta.get_field("source_id")

    def check(self, row) -> None:
        """Check `row.fields`, contacts and source id against the model; raise Unstorable
        for a REJECT column, drop DROP values and cut CUT ones with a warning."""
        if problem := _problem(self.source_id, row.source_id):
            raise Unstorable(self._reason("source_id", "", problem))
        for name in list(row.fields):
            field = self.listing.get(name)
            if field is None:
                continue
            problem = _problem(field, row.fields[name])
            if problem is None:
                continue
            base, language = _base_name(name)
            policy = POLICY.get(base, REJECT)
            reason = self._reason(base, language, problem)
            if policy == REJECT:
                raise Unstorable(reason)
            value = row.fields[name]
            if policy == CUT and isinstance(value, str) and len(value) > (field.max_length or 0):
                row.fields[name] = value[: field.max_length]
                if _problem(field, row.fields[name]) is None:
                    # Translators: %(why)s is e.g. "summary (es): 312 characters, at most 300".
                    row.warnings.append(_("%(why)s: it was cut to the limit.") % {"why": reason})
                    continue
            row.fields[name] = field.get_default()
            # Translators: %(why)s names the column and what is wrong with its value.
            row.warnings.append(_("%(why)s: it was not kept.") % {"why": reason})
        kept = []
        for kind, value in row.contacts:
            if problem := _problem(self.contact_value, value):
                row.warnings.append(
                    _("%(why)s: it was not kept.") % {"why": self._reason(kind, "", problem)}
                )
            else:
                kept.append((kind, value))
        row.contacts = kept

    @staticmethod
    def _reason(column: str, language: str, problem: str) -> str:
        """`problem` is a sentence, or "length/limit" for a value too long."""
        name = _column(column, language)
        length, slash, limit = problem.partition("/")
        if slash and length.isdigit() and limit.isdigit():
            return too_long(name, int(length), int(limit))
        # Translators: a column of an import file and what is wrong with its value.
        return _("%(column)s: %(problem)s") % {"column": name, "problem": problem}
