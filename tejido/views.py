"""Error pages: JSON in the API's error shape under /api/, HTML elsewhere."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"errors": {"detail": [_("Not found.")]}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"errors": {"detail": [_("Server error.")]}}, status=500)
    return defaults.server_error(request)
