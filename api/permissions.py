"""DRF permissions backed by the rules of `directory.rules`."""

from rest_framework import permissions

from accounts.mfa import MFA_REQUIRED_CODE, MFA_REQUIRED_MESSAGE, mfa_missing


class ExplainedPermission(permissions.BasePermission):
    """A refusal says so when the only thing missing is a moderator's second factor."""

    def refuse(self, request) -> bool:
        if mfa_missing(request.user):
            self.message, self.code = MFA_REQUIRED_MESSAGE, MFA_REQUIRED_CODE
        return False


def mfa_denied_detail(request) -> dict:
    """`permission_denied` arguments for a view's own refusal."""
    if mfa_missing(request.user):
        return {"message": MFA_REQUIRED_MESSAGE, "code": MFA_REQUIRED_CODE}
    return {}


class ListingPermission(ExplainedPermission):
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
            allowed = request.user.has_perm("directory.delete_listing", obj)
        else:
            allowed = request.user.has_perm("directory.change_listing", obj)
        return allowed or self.refuse(request)


class NeedPermission(ExplainedPermission):
    """Anyone reads; the listing's leads and editors (and moderators) write."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.is_authenticated

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.has_perm("directory.change_need", obj) or self.refuse(request)
