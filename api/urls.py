from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import exports, reference, views

app_name = "api"

router = SimpleRouter()
router.register("listings", views.ListingViewSet, basename="listing")
router.register("needs", views.NeedViewSet, basename="need")
router.register("categories", reference.CategoryViewSet, basename="category")
router.register("regions", reference.RegionViewSet, basename="region")
router.register("places", reference.PlaceViewSet, basename="place")
router.register("reports", reference.ReportViewSet, basename="report")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("auth/token/", views.ObtainToken.as_view(), name="token"),
    path("listings/export.geojson", exports.GeoJSONExport.as_view(), name="export-geojson"),
    path("listings/export.csv", exports.CSVExport.as_view(), name="export-csv"),
    *router.urls,
]
