"""What keeps the relay from becoming a spam cannon, without a third-party captcha: a
honeypot, a signed minimum fill time, a cap on links, and throttles per client address,
per listing and per need. Each refusal is a `Refused` with a translated message: nothing is
dropped silently."""

import hashlib
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.validators import LINK

FORM_SALT = "relay.contact-form"
#: A form shown more than a day ago is shown again (with what was written) before it is sent.
FORM_MAX_AGE = 24 * 3600
HOUR, DAY = 3600, 24 * 3600


class Refused(Exception):
    """A message the relay will not send; `message` says why, `status` the HTTP status."""

    def __init__(self, code: str, message, status: int = 400, field: str | None = None):
        super().__init__(str(message))
        self.code, self.message, self.status, self.field = code, message, status, field


def client_digest(request) -> str:
    """A keyed hash of the client's address (behind NUM_PROXIES proxies): throttles count
    under it, and the address itself is never stored."""
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        address = hops[-min(proxies, len(hops))]
    return hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]


# --- The form's own checks -------------------------------------------------------------------


def form_stamp(listing_pk: int, now: float | None = None) -> str:
    """A signed note of when the form was shown, sent back with it."""
    return signing.dumps([listing_pk, now or time.time()], salt=FORM_SALT)


def check_stamp(stamp: str, listing_pk: int, now: float | None = None) -> None:
    now = now or time.time()
    try:
        shown_for, shown_at = signing.loads(stamp or "", salt=FORM_SALT, max_age=FORM_MAX_AGE)
    except signing.SignatureExpired as error:
        raise Refused(
            "expired",
            _("This form was open for more than a day. Check your message and send it again."),
        ) from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise Refused(
            "stamp", _("The form could not be checked. Check your message and send it again.")
        ) from error
    if shown_for != listing_pk:
        raise Refused(
            "stamp", _("The form could not be checked. Check your message and send it again.")
        )
    if now - float(shown_at) > FORM_MAX_AGE:
        raise Refused(
            "expired",
            _("This form was open for more than a day. Check your message and send it again."),
        )
    if now - float(shown_at) < settings.RELAY_MIN_FILL_SECONDS:
        raise Refused(
            "too_fast",
            _("That was sent very quickly, as robots do. Read your message again and send it."),
        )


def check_honeypot(value: str) -> None:
    if value:
        raise Refused(
            "honeypot",
            _("The message was not sent: a field meant to stay empty was filled in."),
            field="website",
        )


def check_links(text: str) -> None:
    found = len(LINK.findall(text))
    allowed = settings.RELAY_MAX_LINKS
    if found > allowed:
        raise Refused(
            "links",
            ngettext(
                "Write at most %(allowed)d link in your message (it has %(found)d).",
                "Write at most %(allowed)d links in your message (it has %(found)d).",
                allowed,
            )
            % {"allowed": allowed, "found": found},
            field="message",
        )


# --- Throttles -------------------------------------------------------------------------------


def _limits(listing_pk: int, need_pk: int | None, client: str):
    yield (
        f"relay:client:{client}",
        settings.RELAY_PER_CLIENT_PER_HOUR,
        HOUR,
        _("You have sent several messages in the last hour. Try again later."),
    )
    yield (
        f"relay:listing:{listing_pk}",
        settings.RELAY_PER_LISTING_PER_DAY,
        DAY,
        _("This project has received many messages today. Try again tomorrow."),
    )
    if need_pk is not None:
        yield (
            f"relay:need:{need_pk}",
            settings.RELAY_PER_NEED_PER_DAY,
            DAY,
            _("Many people have offered help with this need today. Try again tomorrow."),
        )


def check_throttles(listing_pk: int, need_pk: int | None, client: str) -> None:
    for key, allowed, _window, message in _limits(listing_pk, need_pk, client):
        if (cache.get(key) or 0) >= allowed:
            raise Refused("throttled", message, status=429)


def count(listing_pk: int, need_pk: int | None, client: str) -> None:
    """Count a message that was sent against each throttle."""
    for key, _allowed, window, _message in _limits(listing_pk, need_pk, client):
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window)
