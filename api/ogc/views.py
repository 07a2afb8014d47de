"""OGC API - Features views: landing page, conformance, collections, queryables, items and
single features, as JSON (GeoJSON for features) or HTML (`?f=`, or `Accept`).

DRF views for what the API shares (throttles, authentication, the error shape and the 503
while the database is down); each answer is written here in its own format. Errors are
always JSON: `{"errors": {"<parameter>": ["<message>"]}}`."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from ..parameters import field_schema
from ..renderers import JSONRenderer
from . import openapi
from .formats import HTML, wanted_format
from .layers import LAYERS, Layer
from .parameters import CRS84, MAX_OFFSET, check_crs, interval, now_text, window

JSON_TYPE = "application/json"
GEOJSON_TYPE = "application/geo+json"
HTML_TYPE = "text/html"
OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.0"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


class ErrorsAsJSON(BaseContentNegotiation):
    """Answers pick their format themselves (`formats.wanted_format`); what DRF renders
    (errors) is JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def link(href: str, rel: str, media_type: str, title: str = "") -> dict:
    found = {"href": href, "rel": rel, "type": media_type}
    if title:
        found["title"] = title
    return found


def with_format(url: str, value: str) -> str:
    return replace_query_param(url, "f", value)


def self_links(request, *, json_type: str = JSON_TYPE) -> list[dict]:
    """`self` in the format answered and `alternate` in the other."""
    url = request.build_absolute_uri()
    as_json = link(with_format(url, "json"), "self", json_type, _("This document as JSON"))
    as_html = link(with_format(url, "html"), "alternate", HTML_TYPE, _("This document as HTML"))
    if wanted_format(request) == HTML:
        as_json["rel"], as_html["rel"] = "alternate", "self"
    return [as_json, as_html]


class OGCView(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJSON
    # Not in the API's OpenAPI document (/api/v1/schema/), which describes /api/v1/.
    schema = None

    def check_parameters(self, request) -> None:
        """Documents other than items pages take only `f`, and ignore other parameters:
        GDAL repeats a connection's parameters (`OAPIF:https://…/ogc?kind=cooperative`)
        on every request it makes. Items pages refuse unknown ones (`Layer.clean`)."""
        wanted_format(request)

    def layer(self, collection_id: str) -> Layer:
        if collection_id not in LAYERS:
            raise NotFound(_("There is no collection “%(id)s”.") % {"id": collection_id[:50]})
        return LAYERS[collection_id]

    def url(self, request, name: str, *args) -> str:
        return request.build_absolute_uri(reverse(f"ogc:{name}", args=args))

    def answer(self, request, document: dict, *, media_type: str = JSON_TYPE, **context):
        if wanted_format(request) == HTML:
            response = render(request, self.template, {"document": document, **context})
        else:
            response = HttpResponse(JSONRenderer().render(document), content_type=media_type)
        response["Vary"] = "Accept"
        return response

    def collection(self, request, layer: Layer) -> dict:
        items = self.url(request, "items", layer.id)
        document = {
            "id": layer.id,
            "title": layer.title,
            "description": layer.description,
            "extent": layer.extent(),
            "itemType": "feature",
            "crs": [CRS84],
            "storageCrs": CRS84,
            "links": [
                link(
                    self.url(request, "collection", layer.id),
                    "self",
                    JSON_TYPE,
                    _("This collection"),
                ),
                link(with_format(items, "json"), "items", GEOJSON_TYPE, _("Features (GeoJSON)")),
                link(with_format(items, "html"), "items", HTML_TYPE, _("Features (HTML)")),
                link(
                    self.url(request, "queryables", layer.id),
                    "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                    "application/schema+json",
                    _("Parameters that filter the features"),
                ),
            ],
        }
        return document


class LandingView(OGCView):
    template = "ogc/landing.html"

    def get(self, request):
        self.check_parameters(request)
        document = {
            "title": _("Tejido: the solidarity economy of the Americas"),
            "description": _(
                "Co-operatives, mutual-aid programs and community projects, their open "
                "needs, and regions, as OGC API - Features. Public locations only."
            ),
            "links": [
                *self_links(request),
                link(
                    self.url(request, "openapi"),
                    "service-desc",
                    OPENAPI_TYPE,
                    _("The API's OpenAPI 3 document"),
                ),
                link(
                    self.url(request, "docs"),
                    "service-doc",
                    HTML_TYPE,
                    _("The API's documentation"),
                ),
                link(
                    self.url(request, "conformance"),
                    "conformance",
                    JSON_TYPE,
                    _("Conformance classes implemented"),
                ),
                link(self.url(request, "collections"), "data", JSON_TYPE, _("The collections")),
            ],
        }
        return self.answer(request, document)


class OpenAPIView(OGCView):
    """The service's OpenAPI document (`service-desc`); a browser asking for HTML is sent
    to its interactive documentation (`service-doc`)."""

    def get(self, request):
        self.check_parameters(request)
        if wanted_format(request) == HTML:
            return redirect("ogc:docs")
        server = self.url(request, "landing").rstrip("/")
        body = JSONRenderer().render(openapi.document(server))
        response = HttpResponse(body, content_type=OPENAPI_TYPE)
        response["Vary"] = "Accept"
        return response


class ConformanceView(OGCView):
    template = "ogc/conformance.html"

    def get(self, request):
        self.check_parameters(request)
        return self.answer(request, {"conformsTo": CONFORMANCE, "links": self_links(request)})


class CollectionsView(OGCView):
    template = "ogc/collections.html"

    def get(self, request):
        self.check_parameters(request)
        document = {
            "links": self_links(request),
            "collections": [self.collection(request, layer) for layer in LAYERS.values()],
        }
        return self.answer(request, document)


class CollectionView(OGCView):
    template = "ogc/collection.html"

    def get(self, request, collection_id):
        layer = self.layer(collection_id)
        self.check_parameters(request)
        document = self.collection(request, layer)
        document["links"][:1] = self_links(request)
        return self.answer(request, document)


class QueryablesView(OGCView):
    """The parameters that filter a collection's items, as a JSON Schema (OGC API -
    Features Part 3): the same form fields as those that validate them."""

    template = "ogc/queryables.html"

    def get(self, request, collection_id):
        layer = self.layer(collection_id)
        self.check_parameters(request)
        properties = {}
        for name, filter_ in layer.filterset.base_filters.items():
            schema, _repeats = field_schema(filter_.field)
            properties[name] = {"title": str(filter_.label or name), **schema}
        if "bbox" in layer.extra_parameters:
            properties["bbox"] = {
                "title": _("Bounding box: minLng,minLat,maxLng,maxLat"),
                "type": "string",
            }
        if layer.temporal:
            properties["datetime"] = {
                "title": _("An instant or an interval (start/end, ../end, start/..)"),
                "type": "string",
            }
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": self.url(request, "queryables", layer.id),
            "type": "object",
            "title": layer.title,
            "properties": properties,
            "additionalProperties": False,
        }
        accept = request.headers.get("Accept", "")
        media_type = "application/schema+json" if "schema+json" in accept else JSON_TYPE
        return self.answer(request, document, media_type=media_type, layer=layer)


class ItemsView(OGCView):
    template = "ogc/items.html"

    def get(self, request, collection_id):
        layer = self.layer(collection_id)
        wanted_format(request)  # a bad `f` is a 400 like every other parameter
        data = layer.clean(request.GET)
        check_crs(request.GET)
        when = interval(request.GET)
        if when is not None and not layer.temporal:
            raise ValidationError(
                {"datetime": [_("The features of this collection have no time.")]}
            )
        page_window = window(request.GET)
        page = layer.page(request, data, when, page_window)
        document = {
            "type": "FeatureCollection",
            "features": page.features,
            "timeStamp": now_text(),
            "numberReturned": len(page.features),
        }
        if page.exact:
            document["numberMatched"] = page.count
        document["links"] = [
            *self_links(request, json_type=GEOJSON_TYPE),
            *self.page_links(request, page_window, page),
            link(self.url(request, "collection", layer.id), "collection", JSON_TYPE, layer.title),
        ]
        rows = [
            (feature, *layer.summary(feature), self.feature_url(request, layer, feature))
            for feature in page.features
        ]
        response = self.answer(
            request, document, media_type=GEOJSON_TYPE, layer=layer, rows=rows, page=page
        )
        response["Content-Crs"] = f"<{CRS84}>"
        return response

    def page_links(self, request, page_window, page) -> list[dict]:
        url = with_format(request.build_absolute_uri(), "json")
        if wanted_format(request) == HTML:
            url = with_format(url, "html")
        media_type = HTML_TYPE if wanted_format(request) == HTML else GEOJSON_TYPE
        limit, offset = page_window.limit, page_window.offset
        links = []
        following = offset + limit
        if following < page.count and following <= MAX_OFFSET:
            href = replace_query_param(
                replace_query_param(url, "offset", following), "limit", limit
            )
            links.append(link(href, "next", media_type, _("Next page")))
        if offset > 0:
            previous = max(offset - limit, 0)
            href = replace_query_param(url, "limit", limit)
            href = (
                remove_query_param(href, "offset")
                if previous == 0
                else replace_query_param(href, "offset", previous)
            )
            links.append(link(href, "prev", media_type, _("Previous page")))
        return links

    def feature_url(self, request, layer: Layer, feature: dict) -> str:
        return reverse("ogc:item", args=(layer.id, feature["id"]))


class ItemView(OGCView):
    template = "ogc/item.html"

    def get(self, request, collection_id, feature_id):
        layer = self.layer(collection_id)
        self.check_parameters(request)
        feature = layer.feature(request, feature_id)
        if feature is None:
            raise NotFound(_("There is no such feature in this collection."))
        feature["links"] = [
            *self_links(request, json_type=GEOJSON_TYPE),
            link(self.url(request, "collection", layer.id), "collection", JSON_TYPE, layer.title),
        ]
        label, kind, place = layer.summary(feature)
        response = self.answer(
            request,
            feature,
            media_type=GEOJSON_TYPE,
            layer=layer,
            label=label,
            kind=kind,
            place=place,
            properties=flat_properties(feature["properties"]),
        )
        response["Content-Crs"] = f"<{CRS84}>"
        return response


def flat_properties(properties: dict) -> list[tuple[str, str]]:
    """(name, text) of each property, nested values spelled out, for the HTML page."""

    def text(value) -> str:
        if isinstance(value, dict):
            return "; ".join(f"{key}: {text(item)}" for key, item in value.items())
        if isinstance(value, list | tuple):
            return ", ".join(text(item) for item in value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    return [(name, text(value)) for name, value in properties.items()]
