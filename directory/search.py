"""Full-text search over every language's content (DESIGN.md §3 `q`).

Each content language has a text search configuration that folds accents before stemming
(`tejido_es`... created in migration 0003), so "cafe" finds "Café" and "cooperativas" finds
"cooperativa". The stored `search_document` of a listing concatenates its name (weight A),
summaries (B) and descriptions (C) in every language. A query is read in every language at
once; names also match with typos through trigram word similarity.
"""

import operator
from functools import reduce

from django.contrib.postgres.search import SearchQueryField, SearchVector
from django.db.models import BooleanField, CharField, F, Func, Value

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


class TextQuery(Func):
    """`tejido_tsquery(words)` (migration 0011): the user's words (websearch syntax:
    "quotes", -not, or) read in every content language, each distinct reading once."""

    function = "tejido_tsquery"
    output_field = SearchQueryField()


def matches(document: str, text: str) -> Func:
    """The tsvector column `document` matches the user's words `text`."""
    return Func(
        F(document),
        TextQuery(Value(text)),
        template="(%(expressions)s)",
        arg_joiner=" @@ ",
        output_field=BooleanField(),
    )


class Unaccent(Func):
    """`tejido_unaccent(text)`: unaccent() declared IMMUTABLE (migration 0003) so that
    expression indexes may use it."""

    function = "tejido_unaccent"
    output_field = CharField()
