from django.urls import path

from . import search

app_name = "pages"

urlpatterns = [
    path("", search.home, name="home"),
]
