"""E-mails of Tejido's own: one translated template per message, in the recipient's language,
with a plain-text part and an HTML part.

A message `name` is three Jinja2 templates: `email/<name>.subject.txt`, `email/<name>.txt` and
`email/<name>.html`. Each e-mail goes to one person, so that no recipient sees another's
address; a sender's reply address travels only as `Reply-To`."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from directory.choices import MembershipRole

TEMPLATES = "jinja2"


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str


def site_url(path: str = "") -> str:
    """An absolute link for an e-mail (SITE_URL: the address people reach Tejido at)."""
    return settings.SITE_URL.rstrip("/") + path


def page_url(name: str, *args, language: str) -> str:
    """An absolute link to a page, with the language prefix of `language`."""
    with translation.override(language):
        return site_url(reverse(name, args=args or None))


def language_for(user, fallback: str = "") -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    for code in (getattr(user, "preferred_language", ""), fallback):
        if code in codes:
            return code
    return settings.LANGUAGE_CODE


def render(name: str, context: dict, language: str) -> tuple[str, str, str]:
    """(subject, text, html) of message `name` in `language`."""
    with translation.override(language):
        context = {
            "language": language,
            "site_url": site_url(),
            "retention_days": settings.OFFER_RETENTION_DAYS,
            "link_days": settings.CONFIRM_LINK_DAYS,
            **context,
        }
        subject = render_to_string(f"email/{name}.subject.txt", context, using=TEMPLATES)
        text = render_to_string(f"email/{name}.txt", context, using=TEMPLATES)
        html = render_to_string(f"email/{name}.html", context, using=TEMPLATES)
    subject = " ".join(subject.split())  # one line: a header cannot hold a line break
    return f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", text, html


def message(
    recipient: Recipient, name: str, context: dict, *, reply_to: Iterable[str] = ()
) -> EmailMultiAlternatives:
    subject, text, html = render(name, context, recipient.language)
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.address],
        reply_to=[address for address in reply_to if address] or None,
        headers={"Auto-Submitted": "auto-generated", "Content-Language": recipient.language},
    )
    mail.attach_alternative(html, "text/html")
    return mail


def send(recipients: Iterable[Recipient], name: str, context: dict, **options) -> int:
    """Send message `name` to each recipient on its own; the number sent. A mail server that
    refuses raises (smtplib's errors): callers decide whether that undoes their write."""
    mails = [message(recipient, name, context, **options) for recipient in recipients]
    if not mails:
        return 0
    with get_connection() as connection:
        return connection.send_messages(mails) or 0


def lead_recipients(listing) -> list[Recipient]:
    """The listing's leads who can receive e-mail, each in their own language."""
    memberships = listing.memberships.filter(
        role=MembershipRole.LEAD, user__is_active=True
    ).select_related("user")
    seen, recipients = set(), []
    for membership in memberships:
        address = (membership.user.email or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            recipients.append(
                Recipient(address, language_for(membership.user, listing.original_language))
            )
    return recipients


def send_to_leads(listing, template: str, context: dict, *, reply_to=None) -> int:
    """E-mail every lead of `listing` (one message each, in their language): the number sent."""
    context = {"listing": listing, **context}
    return send(lead_recipients(listing), template, context, reply_to=reply_to or ())
