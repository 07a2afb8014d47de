"""Vector tiles under /api/v1/tiles/ (included by api/urls.py): the listings', and the
basemap's under basemap/."""

from django.urls import path

from . import views

urlpatterns = [
    path("version", views.TileVersionView.as_view(), name="tile-version"),
    path("<int:z>/<int:x>/<int:y>.pbf", views.TileView.as_view(), name="tile"),
    path("basemap/version", views.BasemapVersionView.as_view(), name="basemap-version"),
    path("basemap/<int:z>/<int:x>/<int:y>.pbf", views.BasemapTileView.as_view(), name="basemap"),
]
