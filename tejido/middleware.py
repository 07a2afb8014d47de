"""While PostgreSQL is unreachable, pages answer 503 with a short translated page and the
API with its JSON error, both with `Retry-After`, never a traceback (DESIGN.md §8).

Nothing here keeps state: connections are health-checked before reuse
(`CONN_HEALTH_CHECKS`), so the first request after the database is back is served."""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import Error, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
_MARK = "_tejido_database_unavailable"


def unavailable(request) -> HttpResponse:
    """The 503 answer: JSON in the API's error shape under /api/, an HTML page elsewhere."""
    if request.path.startswith("/api/"):
        message = _("The database is unavailable; try again in a moment.")
        response = JsonResponse({"errors": {"detail": [message]}}, status=503)
    else:
        response = HttpResponse(_page(request), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def _page(request) -> str:
    # Rendered without context processors: they may read the user or messages, which
    # need the database. The page itself reads nothing from it.
    try:
        return render_to_string("503.html", {"request": request, "csrf_token": get_token(request)})
    except Error:
        title = _("Tejido is unavailable for a moment")
        text = _("We cannot reach the directory's data right now. Try again in a few minutes.")
        return (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"</head><body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
        )


def _mark_database_error(sender, request=None, **kwargs) -> None:
    """An uncaught error outside a view (in another middleware) reaches Django's 500
    handler; remember that it was the database so the middleware can answer 503."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_database_error, dispatch_uid="tejido-database-unavailable")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            logger.warning("Database unavailable while serving %s", request.path)
            return unavailable(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("Database unavailable while serving %s: %s", request.path, exception)
            return unavailable(request)
        return None
