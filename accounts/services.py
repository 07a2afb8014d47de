"""Writes on accounts that other apps need."""

from allauth.account.models import EmailAddress

from .models import User


def account_email_verify(*, user: User) -> EmailAddress:
    """Marks the user's e-mail address as verified and primary (accounts that staff or the demo
    create, which never receive a confirmation e-mail). Idempotent."""
    address, _created = EmailAddress.objects.update_or_create(
        user=user,
        email__iexact=user.email,
        defaults={"email": user.email.lower(), "verified": True, "primary": True},
    )
    EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk).update(
        primary=False
    )
    return address
