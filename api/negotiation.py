"""Content negotiation: an unknown `?format=` is a 400 naming the parameter, not a 404."""

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (NotFound, Http404) as error:
            formats = ", ".join(renderer.format for renderer in renderers)
            raise ValidationError(
                {"format": [_("Unknown format; use one of: %(formats)s.") % {"formats": formats}]}
            ) from error
