"""The vector tiles endpoints and their data versions: the listings (contract in
`mapping.tiles`) and the basemap (`mapping.basemap`)."""

import hashlib
import re

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api.parameters import filter_parameters
from api.renderers import JSONRenderer
from api.schema import ERRORS
from api.throttles import AnonThrottle, UserThrottle
from directory.filters import TileFilterSet, clean_query

from . import basemap, tiles

#: A year: a URL that names the data version never changes.
IMMUTABLE = "public, max-age=31536000, immutable"
#: A URL without the current version is checked again after a minute.
SHORT = "public, max-age=60"
VERSION_PATTERN = re.compile(r"^\d{1,19}$")

VERSION = OpenApiParameter(
    "v",
    {"type": "string", "pattern": VERSION_PATTERN.pattern},
    description=(
        "The data version (GET /api/v1/tiles/version): with the current one, the tile is "
        "cached for a year."
    ),
)


class MVTRenderer(BaseRenderer):
    media_type = tiles.MEDIA_TYPE
    format = "pbf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class TileThrottle(AnonThrottle):
    """A map view asks for a dozen tiles at once, and again at each pan or zoom."""

    scope = "tiles"
    rate = "1200/min"


class BasemapThrottle(TileThrottle):
    """The basemap's tiles come with the listings' at each pan or zoom: a rate of their own."""

    scope = "basemap"


def tile_throttles(anonymous=TileThrottle) -> list:
    """The tiles' own rate for anonymous clients, unless the settings lift throttles."""
    return [anonymous, UserThrottle] if api_settings.DEFAULT_THROTTLE_CLASSES else []


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def matches(header: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


#: What a tile answers (listing tiles and basemap tiles alike), for the OpenAPI document.
TILE_RESPONSES = {
    (200, tiles.MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="MVT"),
    304: OpenApiResponse(description="Not modified (If-None-Match)."),
    400: ERRORS[400],
    404: ERRORS[404],
    429: ERRORS[429],
}


def no_such_tile(max_zoom: int) -> NotFound:
    return NotFound(
        _("There is no such tile (zoom 0 to %(max)s, x and y below 2^zoom).") % {"max": max_zoom}
    )


def tile_response(request, body: bytes, *, current: bool, vary: str | None = None):
    """A tile's answer: cached for a year when its URL names the current version, else for a
    minute, with an ETag (304 when it matches). A plain response: DRF drops the Content-Type
    of an empty body (an empty tile)."""
    etag = etag_of(body)
    headers = {"Cache-Control": IMMUTABLE if current else SHORT, "ETag": etag}
    if vary:
        headers["Vary"] = vary
    if matches(request.headers.get("If-None-Match", ""), etag):
        return Response(status=304, headers=headers)
    return HttpResponse(body, headers=headers, content_type=tiles.MEDIA_TYPE)


@extend_schema(
    summary="A Mapbox Vector Tile of the public listings",
    description=(
        "Layer `cells` (Point: count, cooperative, mutual_aid, community_project) at zooms "
        "0-9 and wherever a tile would hold more than 2,000 listings; layer `listings` "
        "(Point: id, slug, kind, category) from zoom 10. An empty tile is an empty body."
    ),
    parameters=[*filter_parameters(TileFilterSet), VERSION],
    responses=TILE_RESPONSES,
)
class TileView(APIView):
    renderer_classes = [MVTRenderer, JSONRenderer]
    throttle_classes = tile_throttles()

    def get(self, request, z: int, x: int, y: int):
        if not tiles.in_range(z, x, y):
            raise no_such_tile(tiles.MAX_ZOOM)
        data, errors = clean_query(TileFilterSet, request.query_params, extra={"v", "format"})
        wanted = request.query_params.get("v")
        if wanted is not None and not VERSION_PATTERN.match(wanted):
            errors = {**errors, "v": [_("Give the version from /api/v1/tiles/version.")]}
        if errors:
            raise ValidationError(errors)
        filters = tiles.TileFilters(
            kinds=tuple(data.get("kind") or ()),
            category=data.get("category") or None,
            need=data.get("need") or "",
            access=tuple(data.get("access") or ()),
        )
        body = tiles.tile(z, x, y, filters)
        return tile_response(
            request, body, current=wanted is not None and wanted == tiles.version()
        )


@extend_schema(
    summary="The data version of the vector tiles",
    description="Changes whenever a public listing changes; put it in tile URLs as `v`.",
    responses={
        200: inline_serializer("TileVersion", {"version": serializers.CharField()}),
        429: ERRORS[429],
    },
)
class TileVersionView(APIView):
    renderer_classes = [JSONRenderer]
    throttle_classes = tile_throttles()

    def get(self, request):
        if request.query_params:
            raise ValidationError(
                {name: [_("Unknown parameter.")] for name in request.query_params}
            )
        return Response({"version": tiles.version()}, headers={"Cache-Control": "no-cache"})


@extend_schema(
    summary="A Mapbox Vector Tile of Tejido's own basemap",
    description=(
        "Layers `land` (MultiPolygon: the countries' union; the water is the rest), "
        "`boundaries` (MultiLineString per `level`: country, admin1 from zoom 3, admin2 from "
        "zoom 7) and `places` (Point: name, kind, rank, tier), names in `lang`. Zoom 0-19."
    ),
    parameters=[
        OpenApiParameter(
            "lang",
            {"type": "string", "enum": ["es", "pt", "fr", "en"]},
            description="The language of the names (default: the request's language).",
        ),
        OpenApiParameter(
            "v",
            {"type": "string", "pattern": VERSION_PATTERN.pattern},
            description=(
                "The basemap's version (GET /api/v1/tiles/basemap/version): with the current "
                "one, the tile is cached for a year."
            ),
        ),
    ],
    responses=TILE_RESPONSES,
)
class BasemapTileView(APIView):
    renderer_classes = [MVTRenderer, JSONRenderer]
    throttle_classes = tile_throttles(BasemapThrottle)

    def get(self, request, z: int, x: int, y: int):
        if not basemap.in_range(z, x, y):
            raise no_such_tile(basemap.MAX_ZOOM)
        errors = {
            name: [_("Unknown parameter.")]
            for name in request.query_params
            if name not in {"lang", "v", "format"}
        }
        lang = request.query_params.get("lang")
        if lang is not None and lang not in basemap.languages():
            errors["lang"] = [_("Give one of the site's languages: es, pt, fr or en.")]
        wanted = request.query_params.get("v")
        if wanted is not None and not VERSION_PATTERN.match(wanted):
            errors["v"] = [_("Give the version from /api/v1/tiles/basemap/version.")]
        if errors:
            raise ValidationError(errors)
        chosen = lang or (get_language() or settings.LANGUAGE_CODE)[:2]
        if chosen not in basemap.languages():
            chosen = settings.LANGUAGE_CODE
        body = basemap.tile(z, x, y, chosen)
        return tile_response(
            request,
            body,
            current=wanted is not None and wanted == basemap.version(),
            vary="Accept-Language" if lang is None else None,
        )


@extend_schema(
    summary="The version of the basemap",
    description="Changes whenever the basemap is rebuilt; put it in basemap tile URLs as `v`.",
    responses={
        200: inline_serializer("BasemapVersion", {"version": serializers.CharField()}),
        429: ERRORS[429],
    },
)
class BasemapVersionView(APIView):
    renderer_classes = [JSONRenderer]
    throttle_classes = tile_throttles(BasemapThrottle)

    def get(self, request):
        if request.query_params:
            raise ValidationError(
                {name: [_("Unknown parameter.")] for name in request.query_params}
            )
        return Response({"version": basemap.version()}, headers={"Cache-Control": "no-cache"})
