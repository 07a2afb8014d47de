from csp.decorators import csp_replace, csp_update
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from relay.api import ContactView

from . import exports, exports_formats, hsds, murmurations, reference, views

app_name = "api"
INLINE_STYLES = {"style-src": ["'unsafe-inline'"]}
#: Redoc starts from an inline script and renders in a worker made from a blob.
REDOC_POLICY = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "worker-src": ["'self'", "blob:"],
}

router = SimpleRouter()
router.register("listings", views.ListingViewSet, basename="listing")
router.register("needs", views.NeedViewSet, basename="need")
router.register("categories", reference.CategoryViewSet, basename="category")
router.register("regions", reference.RegionViewSet, basename="region")
router.register("places", reference.PlaceViewSet, basename="place")
router.register("reports", reference.ReportViewSet, basename="report")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The interactive docs run under the site's CSP: Swagger UI's start-up script is served
    # as a file (the split view), and both UIs inject their own <style> elements.
    path(
        "docs/",
        csp_update(INLINE_STYLES)(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path(
        "redoc/",
        csp_replace(REDOC_POLICY)(SpectacularRedocView.as_view(url_name="api:schema")),
        name="redoc",
    ),
    path("auth/token/", views.ObtainToken.as_view(), name="token"),
    path("listings/<slug:slug>/contact/", ContactView.as_view(), name="listing-contact"),
    path("tiles/", include("mapping.urls")),
    path("listings/export.geojson", exports.GeoJSONExport.as_view(), name="export-geojson"),
    path("listings/export.csv", exports.CSVExport.as_view(), name="export-csv"),
    path("listings/export.gpkg", exports_formats.GeoPackageExport.as_view(), name="export-gpkg"),
    path(
        "listings/<slug:slug>/murmurations/",
        murmurations.ProfileView.as_view(),
        name="listing-murmurations",
    ),
    path(
        "murmurations/profiles/",
        murmurations.ProfileIndexView.as_view(),
        name="murmurations-profiles",
    ),
    path("listings/<slug:slug>/hsds/", hsds.ServiceView.as_view(), name="listing-hsds"),
    path("hsds/services/", hsds.ServiceListView.as_view(), name="hsds-services"),
    *router.urls,
]
