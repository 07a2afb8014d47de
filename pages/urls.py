from django.urls import path

from . import dashboard, imports, light, listing, moderation, regions, search, sheets
from . import map as map_pages
from .feeds import needs_feed
from .needs import needs

app_name = "pages"

urlpatterns = [
    path("dashboard/", dashboard.index, name="dashboard"),
    path("dashboard/listings/new/", dashboard.listing_new, name="listing_new"),
    path("dashboard/listings/<slug:slug>/", dashboard.listing_edit, name="listing_edit"),
    path(
        "dashboard/listings/<slug:slug>/confirm/",
        dashboard.listing_confirm,
        name="listing_confirm",
    ),
    path("dashboard/listings/<slug:slug>/hide/", dashboard.listing_hide, name="listing_hide"),
    path(
        "dashboard/listings/<slug:slug>/resubmit/",
        dashboard.listing_resubmit,
        name="listing_resubmit",
    ),
    path(
        "dashboard/listings/<slug:slug>/people/", dashboard.listing_members, name="listing_members"
    ),
    path("dashboard/listings/<slug:slug>/needs/new/", dashboard.need_new, name="need_new"),
    path("dashboard/needs/<int:pk>/", dashboard.need_edit, name="need_edit"),
    path("dashboard/needs/<int:pk>/fulfil/", dashboard.need_fulfil, name="need_fulfil"),
    path("dashboard/needs/<int:pk>/close/", dashboard.need_close, name="need_close"),
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/listings/<slug:slug>/approve/", moderation.approve, name="moderation_approve"),
    path("moderation/listings/<slug:slug>/reject/", moderation.reject, name="moderation_reject"),
    path(
        "moderation/listings/<slug:slug>/merge/", moderation.merge_listing, name="moderation_merge"
    ),
    path("moderation/merges/<int:pk>/", moderation.merge_record, name="moderation_merge_record"),
    path("moderation/merges/<int:pk>/undo/", moderation.merge_undo, name="moderation_merge_undo"),
    path("moderation/reports/<int:pk>/resolve/", moderation.resolve, name="moderation_resolve"),
    path("moderation/imports/", imports.upload_page, name="moderation_imports"),
    path(
        "moderation/imports/examples/<str:name>", imports.example, name="moderation_import_example"
    ),
    path("moderation/imports/<str:token>/", imports.report_page, name="moderation_import"),
    path(
        "moderation/imports/<str:token>/report.csv",
        imports.report_csv,
        name="moderation_import_report",
    ),
    path(
        "moderation/imports/<str:token>/confirm/", imports.confirm, name="moderation_import_confirm"
    ),
    path("", search.home, name="home"),
    path("listings/", search.listings, name="listings"),
    path("listings/<slug:slug>/", listing.listing_page, name="listing"),
    path("listings/<slug:slug>/report/", listing.report, name="listing_report"),
    path("needs/", needs, name="needs"),
    path("needs/feed/", needs_feed, name="needs-feed"),
    path("map/", map_pages.full_map, name="map"),
    path("embed/map/", map_pages.embed_map, name="embed_map"),
    path("regions/", regions.regions, name="regions"),
    path("regions/areas.geojson", regions.regions_areas, name="regions_areas"),
    path("regions/<slug:slug>/", regions.region, name="region"),
    path("sheets/", sheets.sheet_form, name="sheets"),
    path("text-only/", light.text_only, name="text_only"),
    path("sheets/print/", sheets.sheet_print, name="sheet_print"),
]
