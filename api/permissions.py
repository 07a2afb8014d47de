"""DRF permissions backed by the rules of `directory.rules`."""

from rest_framework import permissions


class ListingPermission(permissions.BasePermission):
    """Anyone reads public listings; signed-in people create; members and moderators change;
    leads and moderators delete (archive)."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.has_perm("directory.add_listing")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return request.user.has_perm("directory.delete_listing", obj)
        return request.user.has_perm("directory.change_listing", obj)


class NeedPermission(permissions.BasePermission):
    """Anyone reads; the listing's leads and editors (and moderators) write."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.is_authenticated

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.has_perm("directory.change_need", obj)
