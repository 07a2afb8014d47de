"""What a page computes the same way for many requests, kept in the process (decision 0015).

`KeptMarkup`: the last N renderings by key (the filter panels of the search page and the
volunteer board). `listing_path`: a listing's page path without `reverse()` per card.
"""

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language


class KeptMarkup:
    """The last `size` values built by `keep(key, build)`, newest last (thread-safe; a
    value is built outside the lock, so two requests may both build a new key)."""

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, key: Hashable, build: Callable[[], str]) -> str:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        built = build()
        with self._lock:
            self._kept[key] = built
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return built


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
