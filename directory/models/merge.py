"""Merges of duplicate listings (DESIGN.md §9), with what moved so that undoing is exact."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class MergeRecord(models.Model):
    """Listing `source` (a duplicate) merged into `target`.

    `choices` says, per field that differed, whose value `target` kept ("target" or
    "source"); `moved` holds the ids of the rows that moved from source to target (and of
    target's rows that went the other way or were replaced), per table; `before` holds
    target's values of the fields taken from source, and source's status, as they were."""

    target = models.ForeignKey(
        "directory.Listing",
        verbose_name=_("merged into"),
        on_delete=models.CASCADE,
        related_name="merges_in",
    )
    source = models.ForeignKey(
        "directory.Listing",
        verbose_name=_("duplicate"),
        on_delete=models.CASCADE,
        related_name="merges_out",
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    choices = models.JSONField(_("fields chosen"), default=dict, blank=True)
    moved = models.JSONField(_("rows moved"), default=dict, blank=True)
    before = models.JSONField(_("values before"), default=dict, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("merge of listings")
        verbose_name_plural = _("merges of listings")
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("target")), name="merge_not_into_itself"),
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(undone_at__isnull=True),
                name="merge_one_live_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"
