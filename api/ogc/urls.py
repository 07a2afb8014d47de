"""OGC API - Features paths (the spec's own: no trailing slash but on the landing page)."""

from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView

from . import views

app_name = "ogc"

COLLECTION = "collections/<str:collection_id>"

urlpatterns = [
    path("", views.LandingView.as_view(), name="landing"),
    path("api", views.OpenAPIView.as_view(), name="openapi"),
    # Swagger UI of that document, under the CSP of the API's own docs (api/urls.py).
    path(
        "api.html",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="ogc:openapi", title="Tejido OGC API")
        ),
        name="docs",
    ),
    path("conformance", views.ConformanceView.as_view(), name="conformance"),
    path("collections", views.CollectionsView.as_view(), name="collections"),
    path(COLLECTION, views.CollectionView.as_view(), name="collection"),
    path(f"{COLLECTION}/queryables", views.QueryablesView.as_view(), name="queryables"),
    path(f"{COLLECTION}/items", views.ItemsView.as_view(), name="items"),
    path(f"{COLLECTION}/items/<str:feature_id>", views.ItemView.as_view(), name="item"),
]
