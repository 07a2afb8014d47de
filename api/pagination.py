"""`limit` / `offset` pagination (DESIGN.md §3): default 50, at most 500; a value out of
range is an error, not silently clamped. The response is `{count, next, previous, results}`,
or a GeoJSON FeatureCollection with the same keys as foreign members.

Counting every match of a broad query costs more than the page itself (30,000 listings
within 25 km of a large city: ~190 ms against ~1 ms for the nearest 20), so `count` is
exact up to COUNT_AHEAD results past the page and `count_exact` says whether it is; when it
is not, there are more (docs/decisions/0005-bounded-counts.md)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 10_000
#: How many results past the end of the page are counted exactly.
COUNT_AHEAD = 200


class PageForm(forms.Form):
    limit = forms.IntegerField(min_value=1, max_value=MAX_LIMIT, required=False)
    offset = forms.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False)


class LimitOffset(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def window(self, request) -> tuple[int, int]:
        """Validated (limit, offset) of the request."""
        form = PageForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        if (form.cleaned_data["limit"] or 0) > self.max_limit:
            raise ValidationError(
                {"limit": [_("At most %(max)d results per page here.") % {"max": self.max_limit}]}
            )
        self.request = request
        self.limit = form.cleaned_data["limit"] or self.default_limit
        self.offset = form.cleaned_data["offset"] or 0
        return self.limit, self.offset

    @property
    def count_cap(self) -> int:
        """Matches are counted up to COUNT_AHEAD past this page."""
        return self.offset + self.limit + COUNT_AHEAD

    def set_count(self, count: int) -> None:
        self.count = count
        self.count_exact = count < self.count_cap

    def count_matches(self, queryset) -> int:
        """Matches counted up to COUNT_AHEAD past this page (without ordering: cheap)."""
        self.set_count(queryset.order_by()[: self.count_cap].count())
        return self.count

    def paginate_queryset(self, queryset, request, view=None):
        limit, offset = self.window(request)
        if self.count_matches(queryset) == 0 or offset > self.count:
            return []
        return list(queryset[offset : offset + limit])

    def links(self) -> tuple[str | None, str | None]:
        url = self.request.build_absolute_uri()
        next_offset = self.offset + self.limit
        following = None
        if next_offset < self.count and next_offset <= MAX_OFFSET:
            following = replace_query_param(url, self.offset_query_param, next_offset)
            following = replace_query_param(following, self.limit_query_param, self.limit)
        previous = None
        if self.offset > 0:
            previous_offset = max(self.offset - self.limit, 0)
            previous = (
                remove_query_param(url, self.offset_query_param)
                if previous_offset == 0
                else replace_query_param(url, self.offset_query_param, previous_offset)
            )
        return following, previous

    def body(self, results: list, *, geojson: bool = False) -> dict:
        following, previous = self.links()
        if geojson:
            return {
                "type": "FeatureCollection",
                "count": self.count,
                "count_exact": self.count_exact,
                "next": following,
                "previous": previous,
                "features": results,
            }
        return {
            "count": self.count,
            "count_exact": self.count_exact,
            "next": following,
            "previous": previous,
            "results": results,
        }

    def get_paginated_response(self, data):
        from rest_framework.response import Response

        return Response(self.body(data))

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "description": str(_("Number of results per page (default 50, at most 500).")),
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
            {
                "name": "offset",
                "required": False,
                "in": "query",
                "description": str(_("Index of the first result (at most 10,000).")),
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            },
        ]
