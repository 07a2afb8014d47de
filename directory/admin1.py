"""State and province names for admin1 values (fixtures/gazetteer/admin1.csv).

The gazetteer and older data carry admin1 as a GeoNames admin1 code ("19" in Mexico is
Nuevo León); readers see the name, in their language where the table has it.
"""

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings

TABLE = Path(settings.BASE_DIR) / "fixtures" / "gazetteer" / "admin1.csv"
LANGUAGES = ("es", "pt", "fr", "en")

#: Countries whose addresses write admin1 as a postal abbreviation ("CA", "NY"): a listing's
#: address keeps it as it is.
POSTAL_CONVENTION = frozenset({"US"})


@dataclass(frozen=True)
class Admin1:
    """One state or province: its GeoNames and ISO 3166-2 codes and its names."""

    country: str
    code: str
    iso_code: str
    name: str
    translations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def name_in(self, language: str | None) -> str:
        """The name in `language` ("pt-br" counts as "pt"), else the local name."""
        base = (language or "").split("-")[0].lower()
        return self.translations.get(base) or self.name


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], Admin1]:
    """(country, key) -> Admin1, the key being a GeoNames code, an ISO code or a name
    (case-folded); codes win over names."""
    by_code: dict[tuple[str, str], Admin1] = {}
    by_name: dict[tuple[str, str], Admin1] = {}
    with open(TABLE, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            entry = Admin1(
                country=row["country"],
                code=row["admin1_code"],
                iso_code=row["iso_code"],
                name=row["name"],
                translations={
                    lang: row[f"name_{lang}"] for lang in LANGUAGES if row[f"name_{lang}"]
                },
            )
            by_code[(entry.country, entry.code.casefold())] = entry
            if entry.iso_code:
                by_code.setdefault((entry.country, entry.iso_code.casefold()), entry)
            for name in (entry.name, *entry.translations.values()):
                by_name.setdefault((entry.country, name.casefold()), entry)
    return {**by_name, **by_code}


def admin1_lookup(country: str, value: str) -> Admin1 | None:
    """The state or province a GeoNames code, ISO 3166-2 code or name stands for, if known."""
    if not value or not country:
        return None
    return _index().get((str(country).upper(), value.strip().casefold()))


def admin1_name(country: str, value: str, language: str | None = None) -> str:
    """The name of the state or province `value` stands for, in `language` when the table
    has it (else the local name); a value the table does not know comes back unchanged."""
    entry = admin1_lookup(country, value)
    return entry.name_in(language) if entry else value


def address_admin1(country: str, value: str, language: str | None = None) -> str:
    """admin1 as an address shows it: the name, except in countries that write a postal
    abbreviation (US "CA" stays "CA")."""
    if str(country).upper() in POSTAL_CONVENTION:
        return value
    return admin1_name(country, value, language)
