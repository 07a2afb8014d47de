"""The format of an OGC answer: `?f=json|html` wins, then `Accept`; GIS clients get JSON
(GeoJSON for features), browsers HTML. Nothing is refused: an Accept header naming neither
gets JSON, the format every OGC API client reads."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

JSON = "json"
HTML = "html"
FORMATS = {"json": JSON, "geojson": JSON, "html": HTML}

MEDIA_TYPES = {
    "application/geo+json": JSON,
    "application/json": JSON,
    "application/schema+json": JSON,
    "text/html": HTML,
    "application/xhtml+xml": HTML,
}


def _accepted(header: str) -> list[tuple[float, int, str]]:
    """(quality, -position, media type) of each entry of an Accept header."""
    entries = []
    for position, part in enumerate(header.split(",")):
        media_type, *options = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for option in options:
            name, _sep, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        entries.append((quality, -position, media_type.lower()))
    return entries


def wanted_format(request) -> str:
    """JSON or HTML, from `f` or the Accept header (q-values and order respected)."""
    if "f" in request.GET:
        value = request.GET["f"].lower()
        if value not in FORMATS:
            raise ValidationError({"f": [_("Give json or html.")]})
        return FORMATS[value]
    best = None
    for quality, position, media_type in _accepted(request.headers.get("Accept", "")):
        if quality > 0 and media_type in MEDIA_TYPES:
            best = max(best or (quality, position, media_type), (quality, position, media_type))
    return MEDIA_TYPES[best[2]] if best else JSON
