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


class FieldRule:
    """What a model field accepts, read from it once: its `max_length`, its choices (or its
    items' choices and length, for an array field) and its validators. Django's own
    `Field.validate` walks the choices anew on every call (the 250 countries: 3 ms a row)."""

    def __init__(self, field: models.Field) -> None:
        self.field = field
        self.max_length = getattr(field, "max_length", None)
        self.choices = _choices(field)
        base = getattr(field, "base_field", None)
        self.item_length = getattr(base, "max_length", None)
        self.item_choices = _choices(base) if base is not None else None
        self.validators = [*field.validators]
        self.item_validators = [*base.validators] if base is not None else []

    def problem(self, value) -> str | None:
        """Why the field cannot store `value` (the first reason), or None. Whether a column
        may be empty is the row checks' to say (a missing country may come from the point)."""
        if value is None:
            return None if self.field.null else _("a value is required")
        if value in self.field.empty_values:
            return None
        if self.max_length and isinstance(value, str) and len(value) > self.max_length:
            return f"{len(value)}/{self.max_length}"
        if isinstance(value, list):
            for item in value:
                if self.item_length and isinstance(item, str) and len(item) > self.item_length:
                    return f"{len(item)}/{self.item_length}"
                if self.item_choices is not None and item not in self.item_choices:
                    return self._invalid(item)
        elif self.choices is not None and value not in self.choices:
            return self._invalid(value)
        try:
            for validator in self.validators:
                validator(value)
            for item in value if isinstance(value, list) else ():
                for validator in self.item_validators:
                    validator(item)
        except ValidationError as error:
            return " ".join(error.messages)
        return None

    def _invalid(self, value) -> str:
        # The message Django gives for a value outside a field's choices.
        error = ValidationError(
            self.field.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": value},
        )
        return " ".join(error.messages)


def _choices(field: models.Field) -> frozenset | None:
    if not field.choices:
        return None
    return frozenset(str(value) for value, _label in field.flatchoices)


class Rules:
    """The fields a row's values go into, read once per import."""

    def __init__(self) -> None:
        self.listing = {field.name: FieldRule(field) for field in Listing._meta.concrete_fields}
        self.contact_value = FieldRule(Contact._meta.get_field("value"))
        self.source_id = FieldRule(ListingSource._meta.get_field("source_id"))

    def check(self, row) -> None:
        """Check `row.fields`, contacts and source id against the model; raise Unstorable
        for a REJECT column, drop DROP values and cut CUT ones with a warning."""
        if problem := self.source_id.problem(row.source_id):
            raise Unstorable(self._reason("source_id", "", problem))
        for name in list(row.fields):
            rule = self.listing.get(name)
            if rule is None:
                continue
            problem = rule.problem(row.fields[name])
            if problem is None:
                continue
            base, language = _base_name(name)
            policy = POLICY.get(base, REJECT)
            reason = self._reason(base, language, problem)
            if policy == REJECT:
                raise Unstorable(reason)
            value = row.fields[name]
            if policy == CUT and isinstance(value, str) and len(value) > (rule.max_length or 0):
                row.fields[name] = value[: rule.max_length]
                if rule.problem(row.fields[name]) is None:
                    # Translators: %(why)s is e.g. "summary (es): 312 characters, at most 300".
                    row.warnings.append(_("%(why)s: it was cut to the limit.") % {"why": reason})
                    continue
            row.fields[name] = rule.field.get_default()
            # Translators: %(why)s names the column and what is wrong with its value.
            row.warnings.append(_("%(why)s: it was not kept.") % {"why": reason})
        kept = []
        for kind, value in row.contacts:
            if problem := self.contact_value.problem(value):
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
