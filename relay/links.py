"""Signed links in e-mails that work without signing in (`django.core.signing`).

- An offer's "answered" / "not a fit" link: valid for OFFER_LINK_DAYS, once (an offer
  already marked says so).
- A listing's "still current" link: valid for CONFIRM_LINK_DAYS, once: it carries the
  confirmation it answers, so after any confirmation (by this link or on the dashboard) it
  is spent."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from directory.models import Listing

from .mail import site_url
from .models import Offer

OFFER_SALT = "relay.offer-mark"
CONFIRM_SALT = "relay.still-current"
DAY = 24 * 3600


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def _load(token: str, salt: str, days: int):
    try:
        return signing.loads(token, salt=salt, max_age=days * DAY)
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise LinkInvalid from error


def offer_token(offer: Offer) -> str:
    return signing.dumps({"o": offer.pk}, salt=OFFER_SALT)


def _link(name: str, token: str, language: str) -> str:
    with translation.override(language):  # the path's language prefix
        return site_url(reverse(name, args=[token]))


def offer_link(offer: Offer, language: str) -> str:
    return _link("relay:offer_link", offer_token(offer), language)


def offer_from_token(token: str) -> Offer:
    data = _load(token, OFFER_SALT, settings.OFFER_LINK_DAYS)
    offer = Offer.objects.select_related("listing", "need").filter(pk=data.get("o")).first()
    if offer is None:
        raise LinkInvalid
    return offer


def _confirmed_stamp(listing: Listing) -> int:
    return int(listing.last_confirmed_at.timestamp() * 1000)


def still_current_token(listing: Listing) -> str:
    return signing.dumps({"l": listing.pk, "c": _confirmed_stamp(listing)}, salt=CONFIRM_SALT)


def still_current_link(listing: Listing, language: str) -> str:
    return _link("relay:still_current", still_current_token(listing), language)


def listing_from_token(token: str) -> tuple[Listing, bool]:
    """(listing, spent): spent when it was confirmed since the link was made."""
    data = _load(token, CONFIRM_SALT, settings.CONFIRM_LINK_DAYS)
    listing = Listing.objects.filter(pk=data.get("l")).first()
    if listing is None:
        raise LinkInvalid
    return listing, data.get("c") != _confirmed_stamp(listing)
