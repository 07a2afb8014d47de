"""URLs of the benchmark server (tejido.settings.bench: ROOT_URLCONF = "bench.urls"): the
whole app, plus the bare reference views of bench/bare.py under /bench/bare/."""

from django.urls import path

from tejido.urls import urlpatterns as app_urlpatterns

from . import bare

urlpatterns = [
    *app_urlpatterns,
    path("bench/bare/near/", bare.near),
    path("bench/bare/bbox/", bare.bbox),
    path("bench/bare/search/", bare.search),
    path("bench/bare/search-region/", bare.search_region),
    path("bench/bare/layer/", bare.layer),
    path("bench/bare/regions/<slug:slug>/stats/", bare.region_stats),
]
