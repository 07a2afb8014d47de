"""What a text message asks, read in Spanish, Portuguese, French and English: a command
(HELP, MORE) or what is wanted (a word for a kind of help, mapped to a category of the
taxonomy) and where ("90701", "Santa Ana CA", "near Porto Alegre"), and the language of the
words, in which the reply is written.

People write short, without accents and in capitals: words are compared lower-cased and
without accents. A word several languages share ("comida": es and pt; "abrigo": a shelter in
Portuguese, a coat or a shelter in Spanish) is read in the language of the place when that
place's country speaks one of them (Porto Alegre: Portuguese), else in the first of es, pt,
fr, en.
"""

import re
import unicodedata
from dataclasses import dataclass

LANGUAGES = ("es", "pt", "fr", "en")

#: Words for a kind of help -> category slug, per language (several words may share one).
CATEGORY_WORDS = {
    "es": {
        "comida": "food",
        "alimentos": "food",
        "despensa": "food-banks",
        "comedor": "community-kitchens",
        "abrigo": "shelters",
        "albergue": "shelters",
        "refugio": "shelters",
        "vivienda": "housing",
        "ayuda legal": "legal-aid",
        "abogado": "legal-aid",
        "asesoria legal": "legal-aid",
        "inmigracion": "immigration-legal",
        "salud": "health",
        "clinica": "free-clinics",
        "medico": "free-clinics",
        "ropa": "free-stores",
        "trabajo": "workers-rights",
    },
    "pt": {
        "comida": "food",
        "alimento": "food",
        "alimentos": "food",
        "cesta basica": "food-banks",
        "abrigo": "shelters",
        "albergue": "shelters",
        "moradia": "housing",
        "ajuda juridica": "legal-aid",
        "advogado": "legal-aid",
        "imigracao": "immigration-legal",
        "saude": "health",
        "clinica": "free-clinics",
        "medico": "free-clinics",
        "roupa": "free-stores",
        "roupas": "free-stores",
        "trabalho": "workers-rights",
    },
    "fr": {
        "nourriture": "food",
        "manger": "food",
        "repas": "community-kitchens",
        "banque alimentaire": "food-banks",
        "refuge": "shelters",
        "abri": "shelters",
        "hebergement": "shelters",
        "logement": "housing",
        "aide juridique": "legal-aid",
        "avocat": "legal-aid",
        "immigration": "immigration-legal",
        "sante": "health",
        "clinique": "free-clinics",
        "medecin": "free-clinics",
        "vetements": "free-stores",
        "travail": "workers-rights",
    },
    "en": {
        "food": "food",
        "meal": "community-kitchens",
        "meals": "community-kitchens",
        "pantry": "food-banks",
        "shelter": "shelters",
        "bed": "shelters",
        "housing": "housing",
        "legal help": "legal-aid",
        "legal": "legal-aid",
        "lawyer": "legal-aid",
        "immigration": "immigration-legal",
        "health": "health",
        "clinic": "free-clinics",
        "doctor": "free-clinics",
        "clothes": "free-stores",
        "clothing": "free-stores",
        "work": "workers-rights",
    },
}
HELP_WORDS = {"ayuda": "es", "ajuda": "pt", "aide": "fr", "help": "en", "info": ""}
MORE_WORDS = {"mas": "es", "mais": "pt", "plus": "fr", "more": "en", "next": "en"}
#: Words between what and where ("comida cerca de 90701"), per language.
LINKING = {
    "es": ("cerca de", "cerca", "en"),
    "pt": ("perto de", "perto", "em"),
    "fr": ("pres de", "a cote de", "a"),
    "en": ("near", "in", "at"),
}
#: The language of a country, when it is one of the four (to read a shared word).
COUNTRY_LANGUAGE = {"BR": "pt", "PT": "pt", "HT": "fr", "FR": "fr", "CA": "fr"}
#: US states and Canadian provinces as people write them after a town ("Santa Ana CA").
STATE_SUFFIX = re.compile(r"^(?P<town>.+?)[ ,]+(?P<state>[A-Za-z]{2})$")


def fold(text: str) -> str:
    """Lower-case, without accents, single spaces."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w,]+", " ", plain.lower()).split())


@dataclass(frozen=True)
class Request:
    """What a message asks. `command` is "help", "more" or ""; `languages` are those the
    words may be in (the first is the default)."""

    command: str = ""
    category: str = ""
    place: str = ""
    languages: tuple[str, ...] = ()


def _phrases() -> list[tuple[str, str, str]]:
    """(folded phrase, language, category slug), longest phrases first."""
    found = [
        (phrase, language, slug)
        for language, words in CATEGORY_WORDS.items()
        for phrase, slug in words.items()
    ]
    return sorted(found, key=lambda item: -len(item[0]))


PHRASES = _phrases()


def read(text: str) -> Request:
    """Read a message: a command, or what and where (either may be missing)."""
    words = fold(text).replace(",", " , ").split()
    plain = " ".join(word for word in words if word != ",")
    if plain in HELP_WORDS:
        language = HELP_WORDS[plain]
        return Request(command="help", languages=(language,) if language else ())
    if plain in MORE_WORDS:
        return Request(command="more", languages=(MORE_WORDS[plain],))
    folded = f" {plain} "
    category, languages = "", ()
    for phrase, _language, slug in PHRASES:
        if f" {phrase} " in folded:
            category = slug
            languages = tuple(
                code for code in LANGUAGES if CATEGORY_WORDS[code].get(phrase) == slug
            )
            folded = folded.replace(f" {phrase} ", " ", 1)
            break
    rest = folded.strip()
    for code in languages or LANGUAGES:
        for linking in LINKING[code]:
            if rest.startswith(f"{linking} "):
                rest = rest[len(linking) + 1 :]
                if not languages:
                    languages = (code,)
                break
    return Request(category=category, place=_place_text(text, rest), languages=languages)


def _place_text(original: str, folded_rest: str) -> str:
    """The place as the search page's "Where" reads it: the original spelling of the
    remaining words (accents kept for the gazetteer), a state code after a comma."""
    if not folded_rest:
        return ""
    words = original.split()
    kept = [word for word in words if fold(word) and fold(word) in folded_rest.split()]
    place = " ".join(kept) or folded_rest
    match = STATE_SUFFIX.match(place)
    if match and not place.replace(" ", "").isdigit() and "," not in place:
        place = f"{match['town']}, {match['state'].upper()}"
    return place


def language_for(request: Request, country: str = "") -> str:
    """The reply's language: of the words, the place's country deciding between several."""
    if not request.languages:
        return COUNTRY_LANGUAGE.get(country, "es")
    preferred = COUNTRY_LANGUAGE.get(country)
    if preferred in request.languages:
        return preferred
    return request.languages[0]
