"""Full-text search over every language's content (DESIGN.md §3 `q`).

Each content language has a text search configuration that folds accents before stemming
(`tejido_es`... created in migration 0003), so "cafe" finds "Café" and "cooperativas" finds
"cooperativa". The stored `search_document` of a listing concatenates its name (weight A),
summaries (B) and descriptions (C) in every language. A query is read in every language at
once; names also match with typos through trigram word similarity.
"""

import operator
from functools import reduce

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import CharField, Func

#: Text search configuration of each content language.
CONFIGS = {"es": "tejido_es", "pt": "tejido_pt", "fr": "tejido_fr", "en": "tejido_en"}
SIMPLE = "tejido_simple"


def document_expression(*, names: tuple[str, ...] = (), content: dict[str, str]):
    """SearchVector for a generated column: `names` (proper nouns, weight A, no stemming)
    and the per-language columns of each `content` field ({field: weight})."""
    parts = [SearchVector(field, config=SIMPLE, weight="A") for field in names]
    for field, weight in content.items():
        for code, config in CONFIGS.items():
            parts.append(SearchVector(f"{field}_{code}", config=config, weight=weight))
    return reduce(operator.add, parts)


def query_expression(text: str):
    """The user's words read in every language (websearch syntax: "quotes", -not, or)."""
    queries = [
        SearchQuery(text, config=config, search_type="websearch")
        for config in (SIMPLE, *CONFIGS.values())
    ]
    return reduce(operator.or_, queries)


class Unaccent(Func):
    """`tejido_unaccent(text)`: unaccent() declared IMMUTABLE (migration 0003) so that
    expression indexes may use it."""

    function = "tejido_unaccent"
    output_field = CharField()
