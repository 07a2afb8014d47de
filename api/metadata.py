"""OPTIONS on any API path: the methods it allows (also in `Allow`) and where the whole
description is. Operations are described by the OpenAPI document, not by introspection."""

from django.urls import reverse
from rest_framework.metadata import BaseMetadata


class Metadata(BaseMetadata):
    def determine_metadata(self, request, view) -> dict:
        return {"methods": list(view.allowed_methods), "schema": reverse("api:schema")}
