"""The OpenAPI 3.0 document of the OGC API - Features service (`/ogc/api`), the landing
page's `service-desc` (conformance class "OpenAPI 3.0").

It is built from the same parts that answer the requests: a path per collection, whose
items take the collection's FilterSet (each parameter described from its form field, as in
the API's own document: `api.parameters.field_schema`), plus the parameters of OGC API -
Features itself (`bbox`, `limit`, `offset`, `datetime`, `f`, `crs`, `bbox-crs`)."""

from django.utils.translation import gettext as _

from ..parameters import field_schema
from .layers import LAYERS, Layer
from .parameters import CRS84, DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET

OPENAPI_VERSION = "3.0.3"

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _parameters() -> dict:
    """The parameters OGC API - Features defines, by component name."""
    return {
        "f": {
            "name": "f",
            "in": "query",
            "description": _("The format of the answer: json (the default) or html."),
            "schema": {"type": "string", "enum": ["json", "html"]},
        },
        "bbox": {
            "name": "bbox",
            "in": "query",
            "description": _(
                "Only features inside this box: minLng,minLat,maxLng,maxLat (WGS 84)."
            ),
            "style": "form",
            "explode": False,
            "schema": {
                "type": "array",
                "minItems": 4,
                "maxItems": 4,
                "items": {"type": "number"},
            },
        },
        "limit": {
            "name": "limit",
            "in": "query",
            "description": _("Features per page (a larger value is lowered to the maximum)."),
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_LIMIT,
                "default": DEFAULT_LIMIT,
            },
        },
        "offset": {
            "name": "offset",
            "in": "query",
            "description": _("Index of the first feature of the page."),
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        },
        "datetime": {
            "name": "datetime",
            "in": "query",
            "description": _("An instant or an interval (start/end, ../end, start/..)."),
            "schema": {"type": "string"},
        },
        "crs": {
            "name": "crs",
            "in": "query",
            "description": _("The coordinate reference system of the answer (CRS84 only)."),
            "schema": {"type": "string", "format": "uri", "enum": [CRS84]},
        },
        "bbox-crs": {
            "name": "bbox-crs",
            "in": "query",
            "description": _("The coordinate reference system of bbox (CRS84 only)."),
            "schema": {"type": "string", "format": "uri", "enum": [CRS84]},
        },
        "featureId": {
            "name": "featureId",
            "in": "path",
            "required": True,
            "description": _("The feature's id."),
            "schema": {"type": "string"},
        },
    }


def _filter_parameters(layer: Layer) -> list[dict]:
    """The collection's own filters, as query parameters (the queryables)."""
    parameters = []
    for name, filter_ in layer.filterset.base_filters.items():
        if name == "bbox":  # the standard `bbox`, which the filter answers
            continue
        schema, repeats = field_schema(filter_.field)
        parameter = {
            "name": name,
            "in": "query",
            "description": str(filter_.label or name),
            "schema": schema,
        }
        if repeats:
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def _schemas() -> dict:
    link = {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    }
    links = {"type": "array", "items": _ref("schemas", "link")}
    geometry = {
        "type": "object",
        "nullable": True,
        "required": ["type"],
        "properties": {"type": {"type": "string"}, "coordinates": {"type": "array"}},
    }
    feature = {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "geometry": _ref("schemas", "geometry"),
            "properties": {"type": "object", "nullable": True},
            "links": links,
        },
    }
    collection = {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "extent": {"type": "object"},
            "itemType": {"type": "string"},
            "crs": {"type": "array", "items": {"type": "string"}},
            "storageCrs": {"type": "string"},
            "links": links,
        },
    }
    return {
        "link": link,
        "geometry": geometry,
        "feature": feature,
        "featureCollection": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": _ref("schemas", "feature")},
                "links": links,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
            },
        },
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": links,
            },
        },
        "confClasses": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
        },
        "collection": collection,
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": links,
                "collections": {"type": "array", "items": _ref("schemas", "collection")},
            },
        },
        "queryables": {"type": "object", "description": _("A JSON Schema (2020-12).")},
        "errors": {
            "type": "object",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                }
            },
        },
    }


def _answer(description: str, schema: str, media_type: str = JSON) -> dict:
    return {
        "description": description,
        "content": {media_type: {"schema": _ref("schemas", schema)}, HTML: {"schema": {}}},
    }


def _responses(description: str, schema: str, media_type: str = JSON, *, found=False) -> dict:
    responses = {
        "200": _answer(description, schema, media_type),
        "400": _ref("responses", "badRequest"),
    }
    if found:
        responses["404"] = _ref("responses", "notFound")
    return responses


def _operation(operation_id: str, summary: str, parameters: list, responses: dict) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["OGC API - Features"],
            "parameters": parameters,
            "responses": responses,
        }
    }


def _collection_paths(layer: Layer) -> dict:
    f = _ref("parameters", "f")
    items = [
        f,
        _ref("parameters", "bbox"),
        _ref("parameters", "limit"),
        _ref("parameters", "offset"),
        _ref("parameters", "crs"),
        _ref("parameters", "bbox-crs"),
    ]
    if layer.temporal:
        items.append(_ref("parameters", "datetime"))
    items.extend(_filter_parameters(layer))
    base = f"/collections/{layer.id}"
    title = str(layer.title)
    return {
        base: _operation(
            f"describe_{layer.id}",
            _("The collection: %(title)s") % {"title": title},
            [f],
            _responses(_("The collection"), "collection", found=True),
        ),
        f"{base}/queryables": _operation(
            f"queryables_{layer.id}",
            _("The parameters that filter %(title)s") % {"title": title},
            [f],
            _responses(_("A JSON Schema of the queryables"), "queryables", found=True),
        ),
        f"{base}/items": _operation(
            f"items_{layer.id}",
            _("Features: %(title)s") % {"title": title},
            items,
            _responses(_("A page of features"), "featureCollection", GEOJSON, found=True),
        ),
        f"{base}/items/{{featureId}}": _operation(
            f"item_{layer.id}",
            _("One feature: %(title)s") % {"title": title},
            [_ref("parameters", "featureId"), f],
            _responses(_("The feature"), "feature", GEOJSON, found=True),
        ),
    }


def document(server_url: str) -> dict:
    """The OpenAPI document of the service whose landing page is `server_url` + `/`."""
    f = _ref("parameters", "f")
    paths = {
        "/": _operation(
            "landing_page",
            _("The landing page"),
            [f],
            _responses(_("Links to the API, the conformance and the data"), "landingPage"),
        ),
        "/api": _operation(
            "openapi",
            _("This document"),
            [f],
            {"200": {"description": _("The API's definition"), "content": {OPENAPI: {}}}},
        ),
        "/conformance": _operation(
            "conformance",
            _("The conformance classes implemented"),
            [f],
            _responses(_("The conformance classes"), "confClasses"),
        ),
        "/collections": _operation(
            "collections",
            _("The collections"),
            [f],
            _responses(_("The collections"), "collections"),
        ),
    }
    for layer in LAYERS.values():
        paths.update(_collection_paths(layer))
    error = {JSON: {"schema": _ref("schemas", "errors")}}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": _("Tejido: OGC API - Features"),
            "description": _(
                "Co-operatives, mutual-aid programs and community projects, their open "
                "needs, and regions, as OGC API - Features. Public locations only."
            ),
            "version": "1.0.0",
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": "OGC API - Features"}],
        "paths": paths,
        "components": {
            "parameters": _parameters(),
            "schemas": _schemas(),
            "responses": {
                "badRequest": {
                    "description": _("A parameter is wrong: each is named with the problem."),
                    "content": error,
                },
                "notFound": {"description": _("There is no such thing."), "content": error},
            },
        },
    }
