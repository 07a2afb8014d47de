"""Requests to join a listing (DESIGN.md §9, duplicates): instead of a second listing of the
same project, a person asks its leads to add them. The request travels through the relay:
the leads never see the requester's address unless the requester agrees (`share_email`),
and the requester never sees theirs. A listing whose leads cannot receive mail sends the
request to the moderators. A lead (or a moderator) accepts with one click, which makes the
requester a co-lead through `directory.moderation.listing_add_member` (audited), or
declines; the requester is told by e-mail either way."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import MODERATORS_GROUP
from directory import moderation
from directory.choices import MembershipRole
from directory.models import Listing

from . import guard, mail
from .models import JoinRequest, JoinState
from .services import MAIL_ERRORS

log = logging.getLogger(__name__)
MESSAGE_MAX = 1000
#: Pending requests shown on a lead's dashboard.
SHOWN = 50
DAY = timedelta(days=1)


def _check_throttles(listing: Listing, requester, now) -> None:
    since = now - DAY
    sent = JoinRequest.objects.filter(created_at__gte=since)
    if sent.filter(requester=requester).count() >= settings.RELAY_JOINS_PER_PERSON_PER_DAY:
        raise guard.Refused(
            "throttled",
            _("You have asked to join several listings today. Try again tomorrow."),
            status=429,
        )
    if sent.filter(listing=listing).count() >= settings.RELAY_JOINS_PER_LISTING_PER_DAY:
        raise guard.Refused(
            "throttled",
            _("This project has received many requests to join today. Try again tomorrow."),
            status=429,
        )


def moderator_recipients() -> list[mail.Recipient]:
    """Active moderators with an address, each in their language."""
    User = get_user_model()
    people = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=MODERATORS_GROUP))
        .exclude(email="")
        .distinct()
        .order_by("id")
    )
    return [mail.Recipient(person.email, mail.language_for(person)) for person in people]


def _clean_message(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"message": _("Say in a few words who you are in this project.")})
    if len(text) > MESSAGE_MAX:
        raise ValidationError(
            {"message": _("Keep it under %(max)d characters.") % {"max": MESSAGE_MAX}}
        )
    if "\x00" in text:
        raise ValidationError({"message": _("Remove the null characters.")})
    return text


def join_request_send(
    *, listing: Listing, by, message: str, language: str, share_email: bool = False
) -> JoinRequest:
    """Store a request to join `listing` and e-mail it to its leads (or, when none receives
    mail, to the moderators). Raises ValidationError (bad input, already a member or
    already asked) or `guard.Refused` (links, throttles); a mail server's failure raises
    and nothing is stored."""
    if by is None or not by.is_authenticated or not by.is_active:
        raise PermissionDenied
    if not listing.is_public:
        raise PermissionDenied
    message = _clean_message(message)
    guard.check_links(message)
    if listing.memberships.filter(user=by).exists():
        raise ValidationError({"message": _("You already keep this listing.")})
    if JoinRequest.objects.filter(listing=listing, requester=by, state=JoinState.PENDING).exists():
        raise ValidationError(
            {"message": _("You have already asked to join it; its leads have not answered yet.")}
        )
    now = timezone.now()
    _check_throttles(listing, by, now)
    recipients, to_moderators = mail.lead_recipients(listing), False
    if not recipients:
        recipients, to_moderators = moderator_recipients(), True
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(
                listing=listing,
                requester=by,
                message=message,
                language=language,
                share_email=share_email and bool(by.email),
                created_at=now,
                to_moderators=to_moderators,
            )
            mails = [
                mail.message(
                    recipient,
                    "join_request",
                    {
                        "listing": listing,
                        "join": request,
                        "requester": by.get_username(),
                        "to_moderators": to_moderators,
                        "dashboard_url": mail.page_url(
                            "pages:moderation" if to_moderators else "pages:dashboard",
                            language=recipient.language,
                        ),
                    },
                    reply_to=[by.email] if request.share_email else (),
                )
                for recipient in recipients
            ]
            if mails:
                with mail.get_connection() as connection:
                    request.delivered_to = connection.send_messages(mails) or 0
                request.save(update_fields=["delivered_to"])
    except IntegrityError as error:  # a second request sent at the same moment
        raise ValidationError(
            {"message": _("You have already asked to join it; its leads have not answered yet.")}
        ) from error
    return request


def _require_lead(join: JoinRequest, by) -> None:
    if by is None or not by.has_perm("directory.delete_listing", join.listing):
        raise PermissionDenied


def _pending(join: JoinRequest, by) -> JoinRequest:
    """The request, locked, if `by` may answer it and nobody has yet."""
    _require_lead(join, by)
    locked = JoinRequest.objects.select_for_update().select_related("listing", "requester")
    join = locked.get(pk=join.pk)
    if join.state != JoinState.PENDING:
        raise ValidationError(_("This request was already answered."))
    return join


@transaction.atomic
def join_request_accept(*, join: JoinRequest, by) -> JoinRequest:
    """A lead (or a moderator) accepts: the requester becomes a co-lead (audited)."""
    join = _pending(join, by)
    if not join.listing.memberships.filter(user=join.requester).exists():
        moderation.listing_add_member(
            listing=join.listing, by=by, user=join.requester, role=MembershipRole.LEAD
        )
    return _decide(join, by, JoinState.ACCEPTED)


@transaction.atomic
def join_request_decline(*, join: JoinRequest, by) -> JoinRequest:
    """A lead (or a moderator) declines; the requester is told, kindly."""
    join = _pending(join, by)
    return _decide(join, by, JoinState.DECLINED)


def _decide(join: JoinRequest, by, state: str) -> JoinRequest:
    join.state, join.decided_at, join.decided_by = state, timezone.now(), by
    join.save(update_fields=["state", "decided_at", "decided_by"])
    transaction.on_commit(lambda: _tell_requester(join))
    return join


def _tell_requester(join: JoinRequest) -> None:
    person = join.requester
    if not person.email:
        return
    language = mail.language_for(person, join.language)
    context = {
        "join": join,
        "listing": join.listing,
        "accepted": join.state == JoinState.ACCEPTED,
        "listing_url": mail.page_url("pages:listing", join.listing.slug, language=language),
        "dashboard_url": mail.page_url("pages:dashboard", language=language),
    }
    try:
        mail.send([mail.Recipient(person.email, language)], "join_answered", context)
    except MAIL_ERRORS:  # the decision stands; the note to the requester is what is lost
        log.exception("the answer to join request %s could not be sent", join.pk)


def pending_for(user) -> QuerySet:
    """Pending requests to join the listings `user` leads (all of them for a moderator on
    the moderators' page), the oldest first."""
    pending = JoinRequest.objects.filter(state=JoinState.PENDING).select_related(
        "listing", "requester"
    )
    pending = pending.only(
        "id", "message", "created_at", "language", "share_email", "to_moderators",
        "listing__slug", "listing__name", "requester__username", "requester__email",
    )  # fmt: skip
    led = Q(listing__memberships__user=user, listing__memberships__role=MembershipRole.LEAD)
    return pending.filter(led).order_by("created_at", "id")[:SHOWN]


def pending_for_moderators() -> QuerySet:
    """Pending requests that went to the moderators (no lead receives mail)."""
    return (
        JoinRequest.objects.filter(state=JoinState.PENDING, to_moderators=True)
        .select_related("listing", "requester")
        .order_by("created_at", "id")[:SHOWN]
    )
