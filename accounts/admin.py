from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User, WriteLimitHit


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("preferred_language",)}),
    )


@admin.register(WriteLimitHit)
class WriteLimitHitAdmin(admin.ModelAdmin):
    """Writes refused by a limit (accounts/limits.py): read only."""

    list_display = ("created_at", "user", "kind", "action")
    list_filter = ("kind", "action")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
