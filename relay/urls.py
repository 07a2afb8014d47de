from django.urls import path

from . import join_views, views

app_name = "relay"

urlpatterns = [
    path("listings/<slug:slug>/contact/", views.contact, name="contact"),
    path("listings/<slug:slug>/contact/sent/", views.contact_sent, name="contact_sent"),
    path("listings/<slug:slug>/join/", join_views.join, name="join"),
    path("dashboard/join-requests/<int:pk>/", join_views.join_decide, name="join_decide"),
    path("offers/<str:token>/", views.offer_link, name="offer_link"),
    path("still-current/<str:token>/", views.still_current, name="still_current"),
    path("dashboard/offers/", views.offers, name="offers"),
    path("dashboard/offers/<int:pk>/", views.offer_mark_view, name="offer_mark"),
    path("dashboard/listings/<slug:slug>/restore/", views.listing_restore, name="listing_restore"),
]
