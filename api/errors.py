"""One error shape for the whole API: `{"errors": {"<field>": ["<message>", ...]}}`.

Errors that belong to no field use the key `detail`; nested fields are joined with dots
(`contacts.0.value`). No input produces a 500: a database that is down gives a 503.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.limits import WriteLimited, api_refused_links, record_hit
from accounts.models import WriteLimitHit

from .parsers import PayloadTooLarge
from .renderers import JSONRenderer


class WriteCapReached(exceptions.APIException):
    """An account's daily cap on new listings, needs and reports (accounts/limits.py)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "write_limited"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"


class SimilarListingsExist(exceptions.APIException):
    """409: listings like the one being written exist (DESIGN.md §9, duplicates). The body
    is the usual `errors`, naming `different_project`, plus `similar_listings`: what is
    public of each (slug, name, kind, place, links), never a location."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "similar_listings"

    def __init__(self, similar: list[dict]):
        super().__init__(
            {
                "different_project": [
                    _(
                        "Listings of the same kind with a similar name are already near this "
                        'place. Ask to join one of them, or send "different_project": true '
                        "if this is another project."
                    )
                ]
            }
        )
        self.similar = similar


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF error details as {"dotted.field": [messages]}."""
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                errors.update(flatten(value, prefix or "detail"))
                continue
            errors.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return errors
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "detail": [str(item) for item in detail]}
        errors = {}
        for index, item in enumerate(detail):
            errors.update(flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return errors
    return {prefix or "detail": [str(detail)]}


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, WriteLimited):
        exc = WriteCapReached(" ".join(exc.messages), code=exc.kind)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, OperationalError | InterfaceError):
        exc = ServiceUnavailable(_("The database is unavailable; try again in a moment."))
    elif isinstance(exc, IntegrityError | DataError):
        # A value PostgreSQL's constraints refused (a race on a unique slug...): the input.
        exc = exceptions.ValidationError({"detail": [_("The request could not be stored.")]})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    user = getattr(context.get("request"), "user", None)
    if (
        isinstance(exc, exceptions.ValidationError)
        and user is not None
        and user.is_authenticated
        and api_refused_links(exc.detail)
    ):  # text refused for its links: recorded for the moderators (accounts/limits.py)
        action = getattr(context.get("view"), "basename", "") or ""
        record_hit(user, WriteLimitHit.Kind.LINKS, action)
    response.data = {"errors": flatten(response.data)}
    if isinstance(exc, SimilarListingsExist):
        response.data["similar_listings"] = exc.similar
    if isinstance(exc, exceptions.NotAcceptable):
        # No renderer was chosen; the error itself is JSON, whatever the path renders.
        context["request"].accepted_renderer = JSONRenderer()
        context["request"].accepted_media_type = JSONRenderer.media_type
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = "5"
    return response
