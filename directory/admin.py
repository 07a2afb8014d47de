"""GeoDjango admin for staff: every entity of the directory, with maps for geometries."""

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from . import services
from .models import (
    AuditEvent,
    Category,
    Contact,
    Listing,
    ListingMembership,
    LocationAccessGrant,
    MergeRecord,
    Need,
    OpeningPeriod,
    Place,
    Region,
    Report,
)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 0


class MembershipInline(admin.TabularInline):
    model = ListingMembership
    extra = 0
    raw_id_fields = ["user"]


class NeedInline(TranslationTabularInline):
    model = Need
    extra = 0
    fields = ["kind", "title", "urgency", "status", "starts_on", "ends_on"]
    show_change_link = True


@admin.register(Listing)
class ListingAdmin(SimpleHistoryAdmin, TabbedTranslationAdmin, GISModelAdmin):
    list_display = [
        "name",
        "kind",
        "status",
        "location_precision",
        "country",
        "locality",
        "updated_at",
    ]
    list_filter = ["status", "kind", "location_precision", "country", "hidden_by_reports"]
    search_fields = ["name", "slug", "locality"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["public_point", "timezone", "created_at", "updated_at"]
    filter_horizontal = ["categories"]
    inlines = [ContactInline, OpeningPeriodInline, MembershipInline, NeedInline]
    fieldsets = [
        (None, {"fields": ["kind", "name", "slug", "status", "original_language", "categories"]}),
        (
            _("Description"),
            {"fields": ["summary", "description", "eligibility_notes", "access", "languages"]},
        ),
        (
            _("Location"),
            {
                "fields": [
                    "location",
                    "location_precision",
                    "public_point",
                    "street_address",
                    "locality",
                    "admin1",
                    "postal_code",
                    "country",
                    "service_area",
                    "timezone",
                ]
            },
        ),
        (_("Opening hours"), {"fields": ["opening_hours_notes"]}),
        (
            _("Co-operative"),
            {"fields": ["ownership_model", "legal_form", "member_count", "founded_year"]},
        ),
        (
            _("Moderation and freshness"),
            {
                "fields": [
                    "moderation_note",
                    "verified_on",
                    "last_confirmed_at",
                    "emergency_hidden_at",
                    "emergency_hidden_reason",
                    "hidden_by_reports",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.listing_refresh_derived(form.instance)


@admin.register(Need)
class NeedAdmin(SimpleHistoryAdmin, TabbedTranslationAdmin):
    list_display = ["title", "listing", "kind", "urgency", "status", "ends_on"]
    list_filter = ["status", "kind", "urgency"]
    search_fields = ["title", "listing__name"]
    raw_id_fields = ["listing"]


@admin.register(Category)
class CategoryAdmin(TreeAdmin, TabbedTranslationAdmin):
    form = movenodeform_factory(Category, exclude=["path", "depth", "numchild"])
    list_display = ["name", "slug", "essglobal_uri"]
    search_fields = ["slug", "name"]


@admin.register(Region)
class RegionAdmin(TabbedTranslationAdmin, GISModelAdmin):
    list_display = ["name", "slug", "level", "code", "country", "parent"]
    list_filter = ["level", "country"]
    search_fields = ["name", "slug", "code"]
    raw_id_fields = ["parent"]


@admin.register(Place)
class PlaceAdmin(GISModelAdmin):
    list_display = ["name", "kind", "admin1", "country", "postal_code", "population"]
    list_filter = ["kind", "country"]
    search_fields = ["ascii_name", "postal_code"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["listing", "reason", "status", "created_at"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["listing", "need", "reporter", "resolved_by"]


@admin.register(LocationAccessGrant)
class LocationAccessGrantAdmin(admin.ModelAdmin):
    list_display = ["listing", "user", "granted_by", "created_at"]
    raw_id_fields = ["listing", "user", "granted_by"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the admin shows and never writes: they are made by the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["created_at", "action", "actor_repr", "object_repr"]
    list_filter = ["action"]


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnlyAdmin):
    """Read-only: merges are made and undone on the moderation pages (directory.merge)."""

    list_display = ["merged_at", "source", "target", "moderator", "undone_at"]
    raw_id_fields = ["source", "target", "moderator", "undone_by"]
