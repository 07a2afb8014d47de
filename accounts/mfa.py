"""A second factor for the people who can change what others see: moderators and admins.

Until such a person has an authenticator app (TOTP, allauth.mfa) they are sent to set one up
before the moderation pages and the admin, and their moderator powers do not apply
(`directory.rules.is_moderator`); the API says why in its 403. Once it is set up, allauth asks
for its code at every sign-in. Their sessions end MODERATOR_SESSION_AGE after sign-in,
whatever they do meanwhile."""

from datetime import UTC, datetime, timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

#: The session key holding when a privileged session ends (ISO 8601, UTC).
SESSION_ENDS_KEY = "tejido_privileged_until"
#: The code an API 403 carries when a second factor is missing.
MFA_REQUIRED_CODE = "mfa_required"
MFA_REQUIRED_MESSAGE = _(
    "Moderators and administrators must set up two-factor authentication (an authenticator "
    "app) before they can moderate. Set it up under Account, Two-factor authentication."
)
SETUP_MESSAGE = _(
    "Moderators and administrators sign in with a second factor. Set up an authenticator app "
    "to continue: scan the code with it and type the six digits it shows."
)
SESSION_ENDED_MESSAGE = _(
    "For safety, moderators' and administrators' sessions end after a few hours. Sign in again."
)


def is_privileged(user) -> bool:
    """Moderators, staff and superusers: the accounts a second factor protects."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.is_superuser or user.is_moderator)


def has_totp(user) -> bool:
    """Whether the account has an authenticator app set up (cached on the instance)."""
    if not getattr(user, "pk", None):
        return False
    # On the user itself (not on request.user's lazy wrapper): permission checks get it.
    found = getattr(user, "_has_totp", None)
    if found is None:
        found = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
        user._has_totp = found
    return found


def mfa_missing(user) -> bool:
    """A moderator or admin without a second factor yet."""
    return is_privileged(user) and not has_totp(user)


def setup_redirect(request) -> HttpResponseRedirect:
    """Send a moderator or admin without a second factor to set one up, saying why."""
    messages.warning(request, SETUP_MESSAGE)
    url = reverse("mfa_activate_totp")
    return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


@receiver(user_logged_in, dispatch_uid="tejido-privileged-session")
def _privileged_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session") or not is_privileged(user):
        return
    ends = (timezone.now() + timedelta(seconds=settings.MODERATOR_SESSION_AGE)).astimezone(UTC)
    request.session[SESSION_ENDS_KEY] = ends.isoformat()
    request.session.set_expiry(ends)


def session_ends(session) -> datetime | None:
    value = session.get(SESSION_ENDS_KEY)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return timezone.now()  # unreadable: treated as over


class PrivilegedSessionMiddleware:
    """After the authentication middleware: ends a moderator's or admin's session
    MODERATOR_SESSION_AGE after sign-in (the session row and its cookie expire then too), and
    keeps one without a second factor out of the admin.

    It reads the session only when the request reads it anyway (through `request.user`): a
    page for anyone, /healthz and the page shown while the database is down stay without
    `Vary: Cookie` and without a read of the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lazy_user = getattr(request, "user", None)
        if lazy_user is not None:
            request.user = SimpleLazyObject(lambda: _user_in_time(request, lazy_user))
        if request.path.startswith(reverse("admin:index")) and mfa_missing(request.user):
            return setup_redirect(request)
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed:
            return response
        ends = session_ends(session)
        # Set at sign-in (this request or an earlier one). allauth's "remember me" sets the
        # expiry after sign-in; this one wins: the session row and its cookie end then.
        if ends is not None and session.get("_session_expiry") != ends.isoformat():
            session.set_expiry(ends)
        return response


def _user_in_time(request, lazy_user):
    """The request's user, or nobody once a privileged session is over (it is flushed)."""
    ends = session_ends(request.session)
    if ends is not None and timezone.now() >= ends:
        request.session.flush()
        messages.info(request, SESSION_ENDED_MESSAGE)
        return AnonymousUser()
    if isinstance(lazy_user, SimpleLazyObject):
        if lazy_user._wrapped is empty:
            lazy_user._setup()
        return lazy_user._wrapped
    return lazy_user
