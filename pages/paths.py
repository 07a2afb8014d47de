"""A listing's page path without `reverse()` per card (a page of results links 20 of them)."""

import re
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language

#: A listing slug that needs no quoting in a URL (SlugField: letters, digits, - and _).
_PLAIN_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_SLUG_MARK = "tejido-listing-slug"


@lru_cache(maxsize=32)
def _listing_pattern(language: str, script_prefix: str) -> list[str]:
    return reverse("pages:listing", args=[_SLUG_MARK]).split(_SLUG_MARK)


def listing_path(slug: str) -> str:
    """`reverse("pages:listing", args=[slug])` in the active language."""
    pattern = _listing_pattern(get_language(), get_script_prefix())
    if len(pattern) != 2 or not _PLAIN_SLUG.match(slug):
        return reverse("pages:listing", args=[slug])
    return f"{pattern[0]}{slug}{pattern[1]}"
