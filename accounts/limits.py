"""What keeps abuse out of the directory's writes: a new account (younger than
NEW_ACCOUNT_DAYS) makes at most NEW_ACCOUNT_WRITES_PER_DAY new listings, needs and reports a
day, and an account whose listings were rejected REJECTIONS_TO_SLOW times within
REJECTIONS_WINDOW_DAYS makes at most SLOWED_WRITES_PER_DAY. Each refusal says why (a
`WriteLimited`, 429) and is recorded as a `WriteLimitHit`, which the moderation queue shows.

The writes are counted like the relay's throttles (relay/guard.py): in the cache, per account,
over a sliding day from the first write. Moderators and staff are not limited."""

from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from .models import WriteLimitHit

DAY = 24 * 3600


class WriteLimited(ValidationError):
    """A write an account may not make now; 429 in the API and on the pages."""

    status = 429

    def __init__(self, message, *, kind: str):
        super().__init__(message, code=kind)
        self.kind = kind


@dataclass(frozen=True)
class Standing:
    """What limits an account's writes, as moderators see it."""

    age_days: int
    rejections: int
    #: Writes allowed in 24 hours, or None when not limited.
    cap: int | None
    kind: str | None  # WriteLimitHit.Kind


def _exempt(user) -> bool:
    return user.is_staff or user.is_superuser or user.is_moderator


def recent_rejections(user) -> int:
    """Listings the account leads that moderators rejected within REJECTIONS_WINDOW_DAYS."""
    from directory.choices import AuditAction, MembershipRole
    from directory.models import AuditEvent, ListingMembership

    since = timezone.now() - timedelta(days=settings.REJECTIONS_WINDOW_DAYS)
    led = ListingMembership.objects.filter(user_id=user.pk, role=MembershipRole.LEAD)
    return AuditEvent.objects.filter(
        action=AuditAction.LISTING_REJECTED,
        created_at__gte=since,
        listing_id__in=led.values("listing_id"),
    ).count()


def standing_of(*, age_days: int, rejections: int, exempt: bool = False) -> Standing:
    if exempt:
        return Standing(age_days, rejections, None, None)
    if rejections >= settings.REJECTIONS_TO_SLOW:
        return Standing(
            age_days, rejections, settings.SLOWED_WRITES_PER_DAY, WriteLimitHit.Kind.SLOWED
        )
    if age_days < settings.NEW_ACCOUNT_DAYS:
        cap = settings.NEW_ACCOUNT_WRITES_PER_DAY
        return Standing(age_days, rejections, cap, WriteLimitHit.Kind.NEW_ACCOUNT)
    return Standing(age_days, rejections, None, None)


def standing(user) -> Standing:
    age_days = (timezone.now() - user.date_joined).days
    return standing_of(age_days=age_days, rejections=recent_rejections(user), exempt=_exempt(user))


def _key(user) -> str:
    return f"writes:account:{user.pk}"


def writes_today(user) -> int:
    return cache.get(_key(user)) or 0


def _message(current: Standing):
    cap = current.cap
    if current.kind == WriteLimitHit.Kind.SLOWED:
        return ngettext(
            "Several of your listings were sent back by moderators lately, so your account "
            "may add %(cap)d thing a day for now (listings, needs, reports). Try again "
            "tomorrow, and read the moderators' reasons on your dashboard.",
            "Several of your listings were sent back by moderators lately, so your account "
            "may add %(cap)d things a day for now (listings, needs, reports). Try again "
            "tomorrow, and read the moderators' reasons on your dashboard.",
            cap,
        ) % {"cap": cap}
    return ngettext(
        "New accounts may add %(cap)d thing a day (listings, needs, reports) during their "
        "first %(days)d days. You have reached it: try again tomorrow.",
        "New accounts may add %(cap)d things a day (listings, needs, reports) during their "
        "first %(days)d days. You have reached it: try again tomorrow.",
        cap,
    ) % {"cap": cap, "days": settings.NEW_ACCOUNT_DAYS}


def record_hit(user, kind: str, action: str = "") -> None:
    WriteLimitHit.objects.create(user=user, kind=kind, action=action[:20])


def check_write(user, action: str) -> None:
    """Refuse (WriteLimited) a write over the account's daily cap, recording the hit."""
    if user is None or not user.is_authenticated:
        return
    current = standing(user)
    if current.cap is not None and writes_today(user) >= current.cap:
        record_hit(user, current.kind, action)
        raise WriteLimited(_message(current), kind=current.kind)


def count_write(user) -> None:
    """Count one write that was stored (after its transaction commits)."""
    if user is None or not user.is_authenticated or _exempt(user):
        return
    key = _key(user)

    def bump():
        if not cache.add(key, 1, timeout=DAY):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=DAY)

    transaction.on_commit(bump)


def limited_write(action: str, *, user_of):
    """Wrap a write service: check the account's cap before its transaction (so that the
    recorded hit stays when the write is refused) and count the write once it is stored.
    `user_of(kwargs)` gives the account writing."""

    def decorator(service):
        @wraps(service)
        def wrapped(*args, **kwargs):
            user = user_of(kwargs)
            check_write(user, action)
            result = service(*args, **kwargs)
            count_write(user)
            return result

        return wrapped

    return decorator


def record_link_refusals(user, action: str, *forms) -> None:
    """Record that a signed-in person's text was refused for its links (directory.validators
    .validate_link_count): spam looks like this, and moderators see it."""
    if user is None or not user.is_authenticated:
        return
    for form in forms:
        if any(
            error.code == "links" for errors in form.errors.as_data().values() for error in errors
        ):
            record_hit(user, WriteLimitHit.Kind.LINKS, action)
            return


def api_refused_links(detail) -> bool:
    """Whether DRF error details hold a refusal for links (code "links")."""
    if isinstance(detail, dict):
        return any(api_refused_links(value) for value in detail.values())
    if isinstance(detail, list):
        return any(api_refused_links(value) for value in detail)
    return getattr(detail, "code", None) == "links"
