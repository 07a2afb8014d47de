"""Where imported listings came from, so that importing a file again updates them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ListingSource(models.Model):
    """One record of an outside data set (`source`, `source_id`) and the listing made from
    it; `content_hash` tells whether the record changed since it was last imported."""

    listing = models.ForeignKey(
        "directory.Listing", on_delete=models.CASCADE, related_name="sources"
    )
    source = models.CharField(_("source"), max_length=100)
    source_id = models.CharField(_("id in the source"), max_length=200)
    content_hash = models.CharField(_("content hash"), max_length=64)
    imported_at = models.DateTimeField(_("last imported"), auto_now=True)

    class Meta:
        verbose_name = _("listing source")
        verbose_name_plural = _("listing sources")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="listing_source_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}"
