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

    def has_perm(self, perm, obj=None) -> bool:
        """A superuser without a second factor has only the rules' permissions (as any
        account): their powers wait for an authenticator app (accounts/mfa.py)."""
        if self.is_active and self.is_superuser:
            from rules import has_perm

            from .mfa import has_totp

            if not has_totp(self):
                return has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    @property
    def is_moderator(self) -> bool:
        return self.is_active and (self.is_superuser or self.in_group(MODERATORS_GROUP))

    @property
    def is_organizer(self) -> bool:
        return self.is_active and self.in_group(ORGANIZERS_GROUP)


class WriteLimitHit(models.Model):
    """A write refused because the account is new, slowed by rejections, or its text held
    too many links (accounts/limits.py): moderators see these next to its submissions."""

    class Kind(models.TextChoices):
        NEW_ACCOUNT = "new_account", _("daily cap of a new account")
        SLOWED = "slowed", _("daily cap after rejections")
        LINKS = "links", _("too many links")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="write_limit_hits",
    )
    kind = models.CharField(_("limit"), max_length=20, choices=Kind.choices)
    #: What was being written: listing, need, report.
    action = models.CharField(_("write"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("write limit reached")
        verbose_name_plural = _("write limits reached")
        indexes = [models.Index(fields=["user", "-created_at"], name="writelimithit_user_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"
