"""The vocabularies listings are described with: categories, regions and the gazetteer."""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from treebeard.mp_tree import MP_Node

from ..admin1 import admin1_name
from ..choices import PlaceKind, RegionLevel
from ..geo import SRID, validate_area, validate_point

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #2e7d32."))


class Category(MP_Node):
    """A node of the category tree; labels in every content language (modeltranslation)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    icon = models.CharField(_("icon"), max_length=40, blank=True)
    colour = models.CharField(
        _("colour"), max_length=7, default="#37474f", validators=[colour_validator]
    )
    essglobal_uri = models.URLField(
        _("ESSGlobal URI"),
        blank=True,
        help_text=_("The matching term of the ESSGlobal vocabulary, for imports and exports."),
    )

    node_order_by = ["slug"]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name or self.slug

    def descendants_and_self(self):
        """This category and every category under it (one indexed prefix query)."""
        return Category.objects.filter(path__startswith=self.path)


class Region(models.Model):
    """An administrative or custom area: country, state, county, city..."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    code = models.CharField(
        _("code"), max_length=20, blank=True, help_text=_("ISO, FIPS or INEGI code.")
    )
    country = CountryField(_("country"), blank=True)
    geom = models.MultiPolygonField(_("boundary"), srid=SRID, validators=[validate_area])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["level", "slug"]
        indexes = [models.Index(fields=["level", "code"], name="region_level_code")]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=RegionLevel.values), name="region_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    """A gazetteer entry for "where" look-ups: a city (GeoNames) or a postal code."""

    kind = models.CharField(_("kind"), max_length=12, choices=PlaceKind.choices)
    name = models.CharField(_("name"), max_length=200)
    ascii_name = models.CharField(_("ASCII name"), max_length=200)
    country = CountryField(_("country"))
    admin1 = models.CharField(_("state or province code"), max_length=20, blank=True)
    admin1_name = models.CharField(_("state or province"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    point = models.PointField(_("point"), srid=SRID, validators=[validate_point])
    population = models.PositiveBigIntegerField(_("population"), default=0)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    geonames_id = models.PositiveBigIntegerField(
        _("GeoNames id"), null=True, blank=True, unique=True
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["-population", "name"]
        indexes = [
            GinIndex(
                fields=["ascii_name"], name="place_ascii_name_trgm", opclasses=["gin_trgm_ops"]
            ),
            models.Index(fields=["postal_code"], name="place_postal_code"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "postal_code"],
                condition=Q(kind=PlaceKind.POSTAL_CODE),
                name="place_unique_postal_code",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == PlaceKind.POSTAL_CODE:
            return f"{self.postal_code} {self.name}, {self.admin1}"
        admin1 = admin1_name(self.country.code, self.admin1_name or self.admin1, get_language())
        return ", ".join(part for part in (self.name, admin1, self.country.code) if part)
