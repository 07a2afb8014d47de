"""Content negotiation that real clients pass (GDAL, QGIS, browsers, curl).

- An explicit format wins over `Accept`: `?format=geojson`, or a path that names the format
  its view serves (`export.geojson`, `export.csv`). An unknown `?format=` is a 400 naming it.
- Otherwise `Accept` decides, by quality then specificity (no header means `*/*`);
  `application/json` also accepts the JSON-based types (`+json` suffixes: GeoJSON is JSON).
- OPTIONS answers in JSON, whatever the path renders.
- 406 only when nothing offered is acceptable; the error names the media types offered.

The response keeps the renderer's own Content-Type (`application/geo+json`, `text/csv`).
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotAcceptable, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.mediatypes import _MediaType

from .renderers import JSONRenderer

JSON = "application/json"


def is_json(media_type: _MediaType) -> bool:
    """`application/json` and the types built on it (`application/geo+json`...)."""
    return media_type.main_type == "application" and (
        media_type.sub_type == "json" or media_type.sub_type.endswith("+json")
    )


def quality(media_type: _MediaType) -> float:
    try:
        value = float(media_type.params.get("q", "1"))
    except ValueError:
        return 1.0
    return value if 0 <= value <= 1 else 1.0


def quality_for(offered: _MediaType, ranges: list[_MediaType]) -> float:
    """The quality of the most specific range that covers `offered` (RFC 9110 §12.5.1);
    `application/json` covers the `+json` types, less specifically than their own name."""
    matches = [(wanted.precedence, quality(wanted)) for wanted in ranges if offered.match(wanted)]
    if is_json(offered):
        matches += [(1.5, quality(wanted)) for wanted in ranges if wanted.full_type == JSON]
    if not matches:
        return 0.0
    top = max(precedence for precedence, _value in matches)
    return max(value for precedence, value in matches if precedence == top)


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if request.method == "OPTIONS":
            return JSONRenderer(), JSON
        requested = (
            format_suffix
            or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
            or self.format_in_path(request, renderers)
        )
        if requested:
            chosen = [renderer for renderer in renderers if renderer.format == requested]
            if not chosen:
                formats = ", ".join(dict.fromkeys(renderer.format for renderer in renderers))
                raise ValidationError(
                    {
                        "format": [
                            _("Unknown format; use one of: %(formats)s.") % {"formats": formats}
                        ]
                    }
                )
            return self.by_accept(request, chosen) or (chosen[0], chosen[0].media_type)
        selected = self.by_accept(request, renderers)
        if selected is None:
            offered = ", ".join(dict.fromkeys(renderer.media_type for renderer in renderers))
            raise NotAcceptable(
                _("None of the media types in Accept can be sent. Offered: %(types)s.")
                % {"types": offered}
            )
        return selected

    @staticmethod
    def format_in_path(request, renderers) -> str | None:
        """`export.geojson`: the last path segment ends with the format of a renderer."""
        name = request.path.rstrip("/").rsplit("/", 1)[-1]
        _stem, dot, extension = name.rpartition(".")
        if dot and any(renderer.format == extension for renderer in renderers):
            return extension
        return None

    def by_accept(self, request, renderers):
        """(renderer, media type) of the first renderer with the highest quality, or None."""
        ranges = [_MediaType(token) for token in self.get_accept_list(request)]
        ranges = ranges or [_MediaType("*/*")]
        best, best_quality = None, 0.0
        for renderer in renderers:
            value = quality_for(_MediaType(renderer.media_type), ranges)
            if value > best_quality:
                best, best_quality = renderer, value
        return (best, best.media_type) if best else None
