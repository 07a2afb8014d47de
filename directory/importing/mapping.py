"""Mappings from the columns of a file to Tejido's fields, read from TOML or built in
(`presets.py`). fixtures/import/sample-mapping.toml shows every key.

A mapping turns a record into flat values keyed by the columns of the tejido-csv format
(`FIELDS`) plus a few extras (`precision`, `languages`, `ownership_model`, `legal_form`,
`summary_<lang>`, `description_<lang>`); `rows.py` then checks and converts them.
"""

import hashlib
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from ..choices import ContentLanguage, LocationPrecision
from .readers import Record

#: The columns of the tejido-csv format (fixtures/import/tejido-template.csv).
FIELDS = (
    "source_id",
    "name",
    "kind",
    "lat",
    "lng",
    "street_address",
    "locality",
    "admin1",
    "postal_code",
    "country",
    "website",
    "email",
    "phone",
    "summary",
    "description",
    "language",
    "categories",
    "access",
    "opening_hours",
)
EXTRA_FIELDS = (
    "precision",
    "languages",
    "ownership_model",
    "legal_form",
    *(f"{name}_{code}" for name in ("summary", "description") for code in ContentLanguage.values),
)
LIST_FIELDS = ("categories", "access", "languages")
#: What defusedcsv (the CSV exports) puts a `'` before, so that no spreadsheet runs the cell.
FORMULA_STARTS = ("@", "+", "-", "=", "|", "%")
UNPLACED = ("reject", "hidden")


class MappingError(Exception):
    """The mapping file is not usable: `reason` says why (a translated sentence), after the
    file's path when it is known."""

    def __init__(self, reason: str, *, path: Path | None = None):
        super().__init__(f"{path}: {reason}" if path else reason)
        self.reason = reason
        self.path = path


@dataclass
class Mapping:
    name: str
    #: Default source name of what it imports (else the file's name).
    source: str = ""
    #: Tejido field -> source columns to try in turn (dotted paths reach into JSON objects).
    columns: dict[str, list[str]] = field(default_factory=dict)
    #: Tejido field -> {source value: Tejido value}, compared case-insensitively.
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Tejido field -> value used when the row has none.
    defaults: dict[str, str] = field(default_factory=dict)
    list_separator: str = ";"
    #: Lists may also be separated by spaces (the CSV export's lists).
    lists_split_on_spaces: bool = False
    #: Undo the formula neutralising of a CSV export (`'+1 555…` -> `+1 555…`).
    unescape_formulas: bool = False
    #: A row that has no point and cannot be placed: "reject" it, or keep it "hidden".
    unplaced: str = "reject"
    #: A category the directory does not know: "reject" the row, or "warn" and go on.
    unknown_categories: str = "reject"
    #: Preset code run after the columns are read: hook(values, record, warnings).
    hook: Callable[[dict, Record, list[str]], None] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.columns) | set(self.values) | set(self.defaults)
        unknown -= {*FIELDS, *EXTRA_FIELDS}
        if unknown:
            raise MappingError(
                _("Tejido has no fields %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
            )
        if self.unplaced not in UNPLACED:
            raise MappingError(
                _("unplaced must be one of %(choices)s.") % {"choices": ", ".join(UNPLACED)}
            )
        if self.unknown_categories not in ("reject", "warn"):
            raise MappingError(_("unknown_categories must be “reject” or “warn”."))
        precision = self.defaults.get("precision", LocationPrecision.AREA)
        if precision not in LocationPrecision.values:
            raise MappingError(
                _("precision must be one of %(choices)s.")
                % {"choices": ", ".join(LocationPrecision.values)}
            )
        self.values = {
            name: {str(key).casefold(): str(value) for key, value in table.items()}
            for name, table in self.values.items()
        }

    def apply(self, record: Record) -> dict:
        """Flat values of one record: every Tejido field the mapping gives, as text
        (lists for categories and access)."""
        index = _CaseIndex(record.values)
        out: dict = {}
        for name in (*FIELDS, *EXTRA_FIELDS):
            value = ""
            for column in self.columns.get(name, [name] if name in FIELDS else []):
                value = index.get(column)
                if value:
                    break
            if self.unescape_formulas:
                value = unescape_formula(value)
            if name in LIST_FIELDS:
                if self.lists_split_on_spaces:
                    items = value.replace(self.list_separator, " ").split()
                else:
                    items = [item.strip() for item in value.split(self.list_separator)]
                out[name] = [self._translate(name, item) for item in items if item]
            elif value:
                out[name] = self._translate(name, value)
        for name, value in self.defaults.items():
            if not out.get(name):
                out[name] = value if name not in LIST_FIELDS else [value]
        return out

    def _translate(self, name: str, value: str) -> str:
        return self.values.get(name, {}).get(value.casefold(), value)


class _CaseIndex:
    """Values of a record by column name, exact first, then ignoring case (OSM files carry
    keys differing only by case: the first non-empty one wins). Each value is made text
    once."""

    def __init__(self, values: dict) -> None:
        self.values = values
        self.texts: dict[str, str] = {}
        self.folded: dict[str, str] = {}
        for key, value in values.items():
            text = _text(value)
            self.texts[key] = text
            if text and str(key).casefold() not in self.folded:
                self.folded[str(key).casefold()] = text

    def get(self, column: str) -> str:
        text = self.texts.get(column) or self.folded.get(column.casefold(), "")
        if not text and "." in column:
            value = self.values
            for part in column.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            text = _text(value)
        return text


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_text(item) for item in value if _text(item))
    if isinstance(value, dict):
        return ""  # an object is reached into with a dotted path, never taken whole
    if isinstance(value, float) and value.is_integer() and abs(value) > 1000:
        return str(int(value))
    return str(value).strip()


def unescape_formula(value: str) -> str:
    """A cell as it was before defusedcsv neutralised it: `'=A1` -> `=A1`, `'+1 555` ->
    `+1 555` (and its `\\|` back to `|`). Other values are returned as they are."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:].replace("\\|", "|")
    return value


def content_hash(values: dict, geometry) -> str:
    """A digest of what a row says: equal digests mean an import would change nothing."""
    payload = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    wkb = geometry.hexewkb.decode() if geometry is not None else ""
    return hashlib.sha256(_bytes(f"{payload}|{wkb}")).hexdigest()


def _bytes(text: str) -> bytes:
    # "surrogatepass": a lone surrogate (JSON can hold one) still has a digest; the row is
    # then rejected by its checks, not by the digest.
    return text.encode("utf-8", "surrogatepass")


def stable_id(record: Record) -> str:
    """An id for a row the source gives none: a digest of its whole content."""
    payload = json.dumps(record.values, sort_keys=True, ensure_ascii=False, default=str)
    wkb = record.geometry.hexewkb.decode() if record.geometry is not None else ""
    return "h" + hashlib.sha256(_bytes(f"{payload}|{wkb}")).hexdigest()[:20]


def _strings(value, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise MappingError(_("columns.%(key)s must be a column name or a list of them.") % {"key": key})


def load_mapping(path: Path) -> Mapping:
    """A mapping from a TOML file (see fixtures/import/sample-mapping.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MappingError(_unreadable(error), path=path) from error
    known = {"source", "columns", "values", "defaults", "list_separator", "unplaced"}
    known.add("unknown_categories")
    if unknown := set(data) - known:
        raise MappingError(
            _("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}, path=path
        )
    try:
        return Mapping(
            name=path.stem,
            source=str(data.get("source", "")),
            columns={key: _strings(value, key) for key, value in data.get("columns", {}).items()},
            values={key: dict(table) for key, table in data.get("values", {}).items()},
            defaults={key: str(value) for key, value in data.get("defaults", {}).items()},
            list_separator=str(data.get("list_separator", ";")),
            unplaced=str(data.get("unplaced", "reject")),
            unknown_categories=str(data.get("unknown_categories", "reject")),
        )
    except MappingError as error:
        raise MappingError(error.reason, path=path) from error
    except (TypeError, ValueError) as error:
        raise MappingError(_unreadable(error), path=path) from error


def _unreadable(error: Exception) -> str:
    # Translators: %(error)s is the TOML reader's own explanation, in English.
    return _("The mapping cannot be read (%(error)s).") % {"error": error}
