from tejido.urls import urlpatterns as app_urlpatterns

urlpatterns = [*app_urlpatterns]
