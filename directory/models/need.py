"""What a listing needs: volunteers, skills, money, food, supplies, space..."""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import ContentLanguage, NeedKind, NeedStatus, Urgency
from ..freshness import freshness
from ..search import document_expression
from ..validators import validate_no_nul, validate_skills

#: Order of urgency, for sorting most urgent first.
URGENCY_RANK = {Urgency.LOW: 1, Urgency.NORMAL: 2, Urgency.URGENT: 3}


class NeedQuerySet(models.QuerySet):
    def current(self, today=None):
        """Open and not expired (no end date, or ending today or later)."""
        today = today or timezone.localdate()
        return self.filter(status=NeedStatus.OPEN).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today)
        )

    def public(self, today=None):
        """Current needs of listings anyone may see."""
        from .listing import Listing

        return self.current(today).filter(listing__in=Listing.objects.public())


class Need(models.Model):
    listing = models.ForeignKey("directory.Listing", on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("kind"), max_length=12, choices=NeedKind.choices)
    # Multilingual content: modeltranslation adds title_es, description_pt...
    title = models.CharField(_("title"), max_length=200, blank=True, validators=[validate_no_nul])
    description = models.TextField(_("description"), max_length=5000, blank=True)
    original_language = models.CharField(
        _("original language"), max_length=2, choices=ContentLanguage.choices
    )
    skills = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("skills"),
        default=list,
        blank=True,
        validators=[validate_skills],
    )
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=6, choices=Urgency.choices, default=Urgency.NORMAL
    )
    urgency_rank = models.GeneratedField(
        expression=models.Case(
            *(models.When(urgency=value, then=rank) for value, rank in URGENCY_RANK.items()),
            default=0,
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    starts_on = models.DateField(_("from"), default=timezone.localdate)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    last_confirmed_at = models.DateTimeField(_("last confirmed"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    search_document = models.GeneratedField(
        expression=document_expression(content={"title": "A", "description": "C"}),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    history = HistoricalRecords(excluded_fields=["urgency_rank", "search_document"])
    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-urgency_rank", "ends_on", "id"]
        indexes = [
            models.Index(fields=["status", "kind"], name="need_status_kind"),
            models.Index(fields=["ends_on"], name="need_ends_on"),
            GinIndex(fields=["skills"], name="need_skills_gin"),
            GinIndex(fields=["search_document"], name="need_search_gin"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NeedKind.values), name="need_kind_valid"),
            models.CheckConstraint(
                condition=Q(urgency__in=Urgency.values), name="need_urgency_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NeedStatus.values), name="need_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="need_ends_after_start",
                violation_error_message=_("A need cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def freshness(self):
        return freshness(self.last_confirmed_at)

    def clean(self) -> None:
        if not any(getattr(self, f"title_{code}", "") for code in ContentLanguage.values):
            raise ValidationError({"title": _("Give a title in at least one language.")})

    def is_expired(self, today=None) -> bool:
        return self.ends_on is not None and self.ends_on < (today or timezone.localdate())
