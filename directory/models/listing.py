"""Listings: co-operatives, mutual-aid programs and community projects, and what hangs on
them (contacts, opening hours, leads and editors)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from ..choices import (
    AccessFact,
    ContactKind,
    ContentLanguage,
    ListingKind,
    ListingStatus,
    LocationPrecision,
    MembershipRole,
    OwnershipModel,
    Visibility,
)
from ..freshness import freshness
from ..geo import SRID, AsGeography, GridCellCentre, validate_area, validate_point
from ..privacy import CELLS_PER_DEGREE
from ..search import Unaccent, document_expression
from ..validators import (
    normalize_contact_value,
    validate_access_facts,
    validate_founded_year,
    validate_language_codes,
    validate_no_nul,
)


def public_point_expression():
    """SQL for the public point (DESIGN.md §6), stored by PostgreSQL as a generated column."""
    point = models.F("location")
    return models.Case(
        models.When(location_precision=LocationPrecision.EXACT, then=point),
        *(
            models.When(
                location_precision=precision, then=GridCellCentre(point, cells_per_degree=k)
            )
            for precision, k in CELLS_PER_DEGREE.items()
        ),
        default=None,
        output_field=models.PointField(srid=SRID),
    )


class ListingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ListingStatus.PUBLISHED)

    def public(self):
        """What anyone may see: published, not hidden in an emergency nor by reports."""
        return self.published().filter(emergency_hidden_at__isnull=True, hidden_by_reports=False)


class Listing(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ListingKind.choices)
    name = models.CharField(_("name"), max_length=200, validators=[validate_no_nul])
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    # Multilingual content: modeltranslation adds one column per language (summary_es...).
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), max_length=10_000, blank=True)
    eligibility_notes = models.TextField(_("eligibility notes"), max_length=2000, blank=True)
    opening_hours_notes = models.CharField(_("notes on opening hours"), max_length=500, blank=True)
    original_language = models.CharField(
        _("original language"), max_length=2, choices=ContentLanguage.choices
    )
    categories = models.ManyToManyField(
        "directory.Category", verbose_name=_("categories"), related_name="listings", blank=True
    )

    # Location. `location` is the true point: it never leaves the server except to the
    # listing's leads, moderators and organizers granted access (audit-logged).
    location = models.PointField(
        _("true location"),
        srid=SRID,
        null=True,
        blank=True,
        spatial_index=False,
        validators=[validate_point],
    )
    location_precision = models.CharField(
        _("public location precision"),
        max_length=10,
        choices=LocationPrecision.choices,
        default=LocationPrecision.AREA,
    )
    public_point = models.GeneratedField(
        expression=public_point_expression(),
        output_field=models.PointField(srid=SRID, null=True, spatial_index=False),
        db_persist=True,
        verbose_name=_("public location"),
    )
    # The same point as geography, for radius filters and nearest-first order in metres. A
    # real column (not an expression index) so that ANALYZE gives PostGIS statistics: with
    # them the planner knows a city holds thousands of listings and walks the index in `<->`
    # order instead of sorting them all (docs/decisions/0006-public-geography-column.md).
    public_geog = models.GeneratedField(
        expression=AsGeography(public_point_expression()),
        output_field=models.PointField(srid=SRID, geography=True, null=True, spatial_index=False),
        db_persist=True,
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    locality = models.CharField(_("city or town"), max_length=120, blank=True)
    admin1 = models.CharField(_("state or province"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = CountryField(_("country"))
    service_area = models.MultiPolygonField(
        _("service area"), srid=SRID, null=True, blank=True, validators=[validate_area]
    )
    regions = models.ManyToManyField(
        "directory.Region",
        verbose_name=_("regions"),
        related_name="listings",
        blank=True,
        help_text=_("Derived from the public location; set by the directory, not by hand."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)

    languages = ArrayField(
        models.CharField(max_length=16),
        verbose_name=_("languages spoken"),
        default=list,
        blank=True,
        validators=[validate_language_codes],
    )
    access = ArrayField(
        models.CharField(max_length=32, choices=AccessFact.choices),
        verbose_name=_("access facts"),
        default=list,
        blank=True,
        validators=[validate_access_facts],
    )

    # Co-operatives.
    ownership_model = models.CharField(
        _("ownership model"), max_length=20, choices=OwnershipModel.choices, blank=True
    )
    legal_form = models.CharField(_("legal form"), max_length=150, blank=True)
    member_count = models.PositiveIntegerField(
        _("members"), null=True, blank=True, validators=[MaxValueValidator(10_000_000)]
    )
    founded_year = models.PositiveSmallIntegerField(
        _("founded in"), null=True, blank=True, validators=[validate_founded_year]
    )

    # Life cycle, moderation and freshness.
    status = models.CharField(
        _("status"), max_length=10, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    moderation_note = models.TextField(
        _("note from the moderators"), blank=True, help_text=_("Shown to the listing's leads.")
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    last_confirmed_at = models.DateTimeField(_("last confirmed"), default=dj_timezone.now)
    emergency_hidden_at = models.DateTimeField(
        _("hidden in an emergency at"), null=True, blank=True
    )
    emergency_hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    hidden_by_reports = models.BooleanField(_("hidden by reports"), default=False)
    # The freshness loop (DESIGN.md §9): one reminder per unconfirmed stretch, then archived.
    reminded_at = models.DateTimeField(_("reminded to confirm at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archived_reason = models.TextField(
        _("reason for archiving"), blank=True, help_text=_("Shown to the listing's leads.")
    )
    #: The status an archived listing goes back to when it is restored.
    status_before_archive = models.CharField(
        _("status before archiving"), max_length=10, choices=ListingStatus.choices, blank=True
    )
    #: A duplicate merged into another listing (status "merged"): its slug redirects there.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_listings",
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="directory.ListingMembership", related_name="listings"
    )
    search_document = models.GeneratedField(
        expression=document_expression(
            names=("name",), content={"summary": "B", "description": "C"}
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    history = HistoricalRecords(
        m2m_fields=[categories],
        excluded_fields=["public_point", "public_geog", "search_document"],
    )

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["name", "id"]
        indexes = [
            GistIndex(fields=["public_point"], name="listing_public_point_gist"),
            GistIndex(fields=["public_geog"], name="listing_public_geog_gist"),
            GinIndex(fields=["search_document"], name="listing_search_gin"),
            GinIndex(
                OpClass(Lower(Unaccent("name")), name="gin_trgm_ops"), name="listing_name_trgm"
            ),
            GinIndex(fields=["languages"], name="listing_languages_gin"),
            GinIndex(fields=["access"], name="listing_access_gin"),
            # The orders of the list endpoints, ties broken by id.
            models.Index(fields=["name", "id"], name="listing_name_id"),
            models.Index(fields=["-updated_at", "id"], name="listing_updated_id"),
            models.Index(fields=["-created_at", "id"], name="listing_created_id"),
            models.Index(fields=["country"], name="listing_country"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ListingKind.values), name="listing_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ListingStatus.values), name="listing_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(location_precision__in=LocationPrecision.values),
                name="listing_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(location__isnull=False)
                | Q(location_precision=LocationPrecision.HIDDEN),
                name="listing_located_unless_hidden",
                violation_error_message=_("Give a location, or choose the hidden precision."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def freshness(self):
        return freshness(self.last_confirmed_at)

    @property
    def is_public(self) -> bool:
        return (
            self.status == ListingStatus.PUBLISHED
            and self.emergency_hidden_at is None
            and not self.hidden_by_reports
        )


class Contact(models.Model):
    """One way to reach a listing, with who may see it."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=300, validators=[validate_no_nul])
    label = models.CharField(_("label"), max_length=100, blank=True)
    visibility = models.CharField(
        _("visible to"), max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def clean(self) -> None:
        try:
            self.value = normalize_contact_value(self.kind, self.value)
        except ValidationError as error:
            raise ValidationError({"value": error.messages}) from error


class OpeningPeriod(models.Model):
    """A weekly opening period in the listing's local time. `closes` earlier than `opens`
    means it runs past midnight into the next day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 1, _("Monday")
        TUESDAY = 2, _("Tuesday")
        WEDNESDAY = 3, _("Wednesday")
        THURSDAY = 4, _("Thursday")
        FRIDAY = 5, _("Friday")
        SATURDAY = 6, _("Saturday")
        SUNDAY = 7, _("Sunday")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(
        _("day"), choices=Weekday.choices, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening period")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="opening_weekday_valid"
            ),
            models.CheckConstraint(
                condition=~Q(opens=models.F("closes")), name="opening_period_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ListingMembership(models.Model):
    """A person who may keep a listing current: a lead (also manages leads) or an editor."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=6, choices=MembershipRole.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("lead or editor")
        verbose_name_plural = _("leads and editors")
        constraints = [
            models.UniqueConstraint(fields=["listing", "user"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) – {self.listing}"


class LocationAccessGrant(models.Model):
    """Lets an organizer read one listing's exact location (each read is audit-logged)."""

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="location_access_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="location_access_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("exact location access")
        verbose_name_plural = _("exact location access")
        constraints = [
            models.UniqueConstraint(fields=["listing", "user"], name="location_access_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.listing}"
