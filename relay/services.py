"""Writes of the relay: send an offer to a listing's leads, mark it answered, forget the
sender after OFFER_RETENTION_DAYS. Views, the API and commands call these."""

import logging
import math
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.choices import MembershipRole
from directory.models import Listing, ListingMembership

from . import guard, links, mail
from .models import Offer, OfferState

log = logging.getLogger(__name__)

#: "Usually answers within N days" looks at offers of this many days...
ANSWER_WINDOW = timedelta(days=180)
#: ...and says nothing below this many answered ones.
ANSWERS_NEEDED = 3
#: Mail servers' refusals and a server that cannot be reached.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


@dataclass(frozen=True)
class ContactData:
    """What a volunteer writes (already checked by the form or the serializer)."""

    name: str
    email: str
    phone: str
    message: str
    language: str
    need: object = None  # a Need of the listing, or None


def relay_offer(*, listing, data: ContactData, client: str) -> Offer:
    """Check the throttles, store the offer and e-mail it to every lead of `listing` with
    the sender's address as Reply-To. Raises `guard.Refused`; a mail server's failure
    raises too, and then nothing is stored (the sender still has their words)."""
    need_pk = data.need.pk if data.need is not None else None
    guard.check_links(data.message)
    guard.check_throttles(listing.pk, need_pk, client)
    recipients = mail.lead_recipients(listing)
    if not recipients:
        raise guard.Refused(
            "no_leads",
            _("Nobody receives messages for this listing on Tejido yet."),
            status=409,
        )
    with transaction.atomic():
        offer = Offer.objects.create(
            listing=listing,
            need=data.need,
            language=data.language,
            sender_name=data.name,
            sender_email=data.email,
            sender_phone=data.phone,
            message=data.message,
        )
        mails = [
            mail.message(
                recipient,
                "offer_to_leads",
                {
                    "listing": listing,
                    "offer": offer,
                    "need": data.need,
                    "dashboard_url": mail.page_url("relay:offers", language=recipient.language),
                    "mark_url": links.offer_link(offer, recipient.language),
                },
                reply_to=[data.email],
            )
            for recipient in recipients
        ]
        with mail.get_connection() as connection:
            offer.delivered_to = connection.send_messages(mails) or 0
        offer.save(update_fields=["delivered_to"])
    guard.count(listing.pk, need_pk, client)
    return offer


def offer_mark(*, offer: Offer, state: str) -> bool:
    """A lead marks an offer answered or not a fit; the volunteer hears of it by e-mail.
    False when it was already in that state."""
    if state not in (OfferState.ANSWERED, OfferState.NOT_A_FIT):
        raise ValueError(state)
    if offer.state == state:
        return False
    first_answer = offer.answered_at is None
    offer.state = state
    if first_answer:
        offer.answered_at = timezone.now()
    offer.save(update_fields=["state", "answered_at"])
    if first_answer and offer.sender_email and offer.redacted_at is None:
        transaction.on_commit(lambda: _tell_volunteer(offer))
    return True


def _tell_volunteer(offer: Offer) -> None:
    name = "offer_answered" if offer.state == OfferState.ANSWERED else "offer_not_a_fit"
    recipient = mail.Recipient(offer.sender_email, offer.language)
    try:
        context = {
            "offer": offer,
            "listing": offer.listing,
            "listing_url": mail.page_url(
                "pages:listing", offer.listing.slug, language=offer.language
            ),
            "needs_url": mail.page_url("pages:needs", language=offer.language),
        }
        mail.send([recipient], name, context)
    except MAIL_ERRORS:  # the mark stands; the volunteer's note is the one thing lost
        log.exception("the note to the volunteer of offer %s could not be sent", offer.pk)


def purge_offers(*, now=None, dry_run: bool = False) -> int:
    """Empty the contact details and words of offers older than OFFER_RETENTION_DAYS;
    the offers (listing, need, dates, state) stay. The number purged (or to purge)."""
    now = now or timezone.now()
    due = Offer.objects.filter(
        created_at__lt=now - timedelta(days=settings.OFFER_RETENTION_DAYS),
        redacted_at__isnull=True,
    )
    if dry_run:
        return due.count()
    return due.update(sender_name="", sender_email="", sender_phone="", message="", redacted_at=now)


class _Median(Aggregate):
    """PostgreSQL's median of a number: percentile_cont(0.5) WITHIN GROUP (ORDER BY it)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _leads_reached(listing_ref):
    return (
        ListingMembership.objects.filter(
            listing=listing_ref, role=MembershipRole.LEAD, user__is_active=True
        )
        .exclude(user__email="")
        .values("pk")
    )


@dataclass(frozen=True)
class Reach:
    """Whether the relay reaches someone (an active lead with an e-mail address), and the
    days within which the listing usually answers: the median wait of its offers of the last
    180 days that were answered, rounded up; None below three answered offers."""

    accepts_messages: bool
    answer_days: int | None


def reach(listing, *, now=None) -> Reach:
    """The listing's `Reach`, in one query."""
    now = now or timezone.now()
    answered = Offer.objects.filter(
        listing=OuterRef("pk"), answered_at__isnull=False, created_at__gte=now - ANSWER_WINDOW
    ).values("listing")
    wait = Func(
        F("answered_at") - F("created_at"),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )
    accepts, answered_count, median = (
        Listing.objects.filter(pk=listing.pk)
        .annotate(
            accepts=Exists(_leads_reached(OuterRef("pk"))),
            answered=Subquery(answered.annotate(n=Count("pk")).values("n")),
            median=Subquery(answered.annotate(m=_Median(wait)).values("m")),
        )
        .values_list("accepts", "answered", "median")
        .get()
    )
    if not answered_count or answered_count < ANSWERS_NEEDED:
        return Reach(accepts, None)
    return Reach(accepts, max(1, math.ceil(median / 86400)))


def accepts_messages(listing) -> bool:
    """Whether the relay reaches someone: an active lead with an e-mail address."""
    return _leads_reached(listing).exists()


def answer_days(listing, *, now=None) -> int | None:
    """`Reach.answer_days` alone."""
    return reach(listing, now=now).answer_days
