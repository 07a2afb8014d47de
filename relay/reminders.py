"""The freshness loop (DESIGN.md §9): a listing unconfirmed for 180 days gets one reminder
(a signed "still current" link to each lead); at 365 days it is archived, reversibly, with
a reason its leads see and a link that brings it back. Run daily by
`manage.py remind_stale_listings` (docs: README, "Scheduled commands")."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from directory import services
from directory.choices import ListingStatus
from directory.freshness import AGING_WITHIN, ARCHIVE_AFTER
from directory.models import Listing

from . import links, mail
from .services import MAIL_ERRORS

log = logging.getLogger(__name__)

#: Stored in English and shown to leads in their language (gettext of the stored text).
STALE_REASON = gettext_noop("Nobody confirmed it as current for a year.")
#: Listings looked at in one run: the rest wait for the next day's run.
BATCH = 2000


@dataclass
class Outcome:
    reminded: list[Listing] = field(default_factory=list)
    archived: list[Listing] = field(default_factory=list)
    failed: list[Listing] = field(default_factory=list)


def due_reminders(now: datetime):
    """Published listings unconfirmed for 180 days, not reminded since they were confirmed,
    not yet due for the archive."""
    return (
        Listing.objects.filter(
            status=ListingStatus.PUBLISHED,
            last_confirmed_at__lte=now - AGING_WITHIN,
            last_confirmed_at__gt=now - ARCHIVE_AFTER,
        )
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("last_confirmed_at")))
        .order_by("last_confirmed_at", "id")
    )


def due_archives(now: datetime):
    return Listing.objects.filter(
        status=ListingStatus.PUBLISHED, last_confirmed_at__lte=now - ARCHIVE_AFTER
    ).order_by("last_confirmed_at", "id")


def _mail(listing: Listing, name: str) -> None:
    recipients = mail.lead_recipients(listing)
    mails = [
        mail.message(
            recipient,
            name,
            {
                "listing": listing,
                "confirm_url": links.still_current_link(listing, recipient.language),
                "dashboard_url": mail.page_url("pages:dashboard", language=recipient.language),
                "reason": STALE_REASON,
            },
        )
        for recipient in recipients
    ]
    if mails:
        with mail.get_connection() as connection:
            connection.send_messages(mails)


def run(*, now: datetime | None = None, dry_run: bool = False) -> Outcome:
    """Remind and archive what is due; idempotent (a second run the same day does nothing)."""
    now = now or timezone.now()
    outcome = Outcome()
    archives = list(due_archives(now)[:BATCH])
    reminders = list(due_reminders(now)[:BATCH])
    if dry_run:
        outcome.archived, outcome.reminded = archives, reminders
        return outcome
    for listing in archives:
        services.listing_archive(listing=listing, by=None, reason=STALE_REASON)
        try:
            _mail(listing, "listing_archived")
        except MAIL_ERRORS:  # archived all the same; its leads see why on the dashboard
            log.exception("the archive note for listing %s could not be sent", listing.pk)
        outcome.archived.append(listing)
    for listing in reminders:
        try:
            _mail(listing, "still_current_reminder")
        except MAIL_ERRORS:  # not marked as reminded: the next run tries again
            log.exception("the reminder for listing %s could not be sent", listing.pk)
            outcome.failed.append(listing)
            continue
        Listing.objects.filter(pk=listing.pk).update(reminded_at=now)
        outcome.reminded.append(listing)
    return outcome
