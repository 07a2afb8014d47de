"""Vector tiles under /api/v1/tiles/ (included by api/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("version", views.TileVersionView.as_view(), name="tile-version"),
    path("<int:z>/<int:x>/<int:y>.pbf", views.TileView.as_view(), name="tile"),
]
