"""JSON and GeoJSON renderers on orjson (DESIGN.md §7: rendering must not dominate)."""

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import BaseRenderer


def _default(value):
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class JSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


class GeoJSONRenderer(JSONRenderer):
    """RFC 7946 GeoJSON: chosen by `?format=geojson` or `Accept: application/geo+json`.
    Views shape their data as Features / FeatureCollections when this renderer is chosen."""

    media_type = "application/geo+json"
    format = "geojson"
