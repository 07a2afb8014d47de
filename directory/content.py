"""Multilingual content: pick the text of a field for a reader's language."""

from django.conf import settings
from django.utils.translation import get_language

CONTENT_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def reader_language() -> str:
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in CONTENT_LANGUAGES else settings.LANGUAGE_CODE


def localized(obj, field: str, language: str | None = None) -> tuple[str, str]:
    """Return (text, language) of `field` in the reader's language, falling back to the
    language the object was written in, then to any language that has it."""
    language = language or reader_language()
    original = getattr(obj, "original_language", "") or settings.LANGUAGE_CODE
    for code in dict.fromkeys((language, original, *CONTENT_LANGUAGES)):
        text = getattr(obj, f"{field}_{code}", "") or ""
        if text:
            return text, code
    return "", language


def set_translations(obj, field: str, texts: dict[str, str]) -> None:
    """Write {language: text} into the per-language columns of `field`; other languages are
    left empty. Unknown languages are refused."""
    unknown = set(texts) - set(CONTENT_LANGUAGES)
    if unknown:
        raise ValueError(f"unknown content language(s) for {field}: {sorted(unknown)}")
    for code in CONTENT_LANGUAGES:
        setattr(obj, f"{field}_{code}", texts.get(code, "") or "")
