"""An offer of help relayed to a listing's leads, tracked until they answer (DESIGN.md §10).

The sender's name, reply address, phone and words are kept only for `OFFER_RETENTION_DAYS`
(`manage.py purge_offers`); the offer itself stays, so the counts and "usually answers
within N days" outlive them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.choices import ContentLanguage


class OfferState(models.TextChoices):
    NEW = "new", _("Not answered yet")
    ANSWERED = "answered", _("Answered")
    NOT_A_FIT = "not_a_fit", _("Not a fit")


class Offer(models.Model):
    listing = models.ForeignKey(
        "directory.Listing", on_delete=models.CASCADE, related_name="offers"
    )
    need = models.ForeignKey(
        "directory.Need",
        on_delete=models.SET_NULL,
        related_name="offers",
        null=True,
        blank=True,
        verbose_name=_("need"),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    language = models.CharField(_("language"), max_length=2, choices=ContentLanguage.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=OfferState.choices, default=OfferState.NEW
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    #: How many leads the message was sent to.
    delivered_to = models.PositiveSmallIntegerField(_("sent to leads"), default=0)

    # Kept for OFFER_RETENTION_DAYS, then emptied (redacted_at says when).
    sender_name = models.CharField(_("name"), max_length=100, blank=True)
    sender_email = models.EmailField(_("reply e-mail"), max_length=254, blank=True)
    sender_phone = models.CharField(_("reply phone"), max_length=40, blank=True)
    message = models.TextField(_("message"), max_length=3000, blank=True)
    redacted_at = models.DateTimeField(_("contact details deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["listing", "state", "-created_at"], name="offer_listing_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=OfferState.values), name="offer_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=OfferState.NEW, answered_at__isnull=True)
                | (~Q(state=OfferState.NEW) & Q(answered_at__isnull=False)),
                name="offer_answered_when_marked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing} – {self.created_at:%Y-%m-%d} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == OfferState.NEW


class JoinState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class JoinRequest(models.Model):
    """Someone asks to keep a listing with its leads (DESIGN.md §9, duplicates): sent
    through the relay, answered with one click on the leads' dashboard."""

    listing = models.ForeignKey(
        "directory.Listing", on_delete=models.CASCADE, related_name="join_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(_("message"), max_length=1000)
    language = models.CharField(_("language"), max_length=2, choices=ContentLanguage.choices)
    #: The requester agreed that the leads may write to them at their address.
    share_email = models.BooleanField(_("address shared with the leads"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=JoinState.choices, default=JoinState.PENDING
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    #: How many people it was e-mailed to, and whether they were the moderators (the
    #: listing had no lead who receives mail).
    delivered_to = models.PositiveSmallIntegerField(_("sent to"), default=0)
    to_moderators = models.BooleanField(_("sent to the moderators"), default=False)

    class Meta:
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["listing", "state", "-created_at"], name="join_listing_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=JoinState.values), name="join_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=JoinState.PENDING, decided_at__isnull=True)
                | (~Q(state=JoinState.PENDING) & Q(decided_at__isnull=False)),
                name="join_decided_when_answered",
            ),
            models.UniqueConstraint(
                fields=["listing", "requester"],
                condition=Q(state=JoinState.PENDING),
                name="join_one_pending_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.listing} ({self.state})"
