"""People who sign in: project leads, volunteers, moderators and organizers."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

MODERATORS_GROUP = "moderators"
ORGANIZERS_GROUP = "organizers"


class User(AbstractUser):
    """A Tejido account. Roles beyond staff are Django groups (`moderators`, `organizers`);
    leadership of a listing is a `directory.ListingMembership`."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def in_group(self, name: str) -> bool:
        # Cached per instance: permission checks ask several times per request.
        cache = self.__dict__.setdefault("_group_names", None)
        if cache is None:
            cache = self.__dict__["_group_names"] = set(self.groups.values_list("name", flat=True))
        return name in cache

    @property
    def is_moderator(self) -> bool:
        return self.is_active and (self.is_superuser or self.in_group(MODERATORS_GROUP))

    @property
    def is_organizer(self) -> bool:
        return self.is_active and self.in_group(ORGANIZERS_GROUP)
