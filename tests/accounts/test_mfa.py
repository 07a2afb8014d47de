"""Moderators and admins behind a second factor (accounts/mfa.py): sent to set up an
authenticator app before their pages, refused in the API with the reason, asked for its code
at sign-in, and signed out sooner than leads."""

import re
from datetime import timedelta

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.mfa import SESSION_ENDS_KEY
from accounts.models import MODERATORS_GROUP
from directory.choices import ListingStatus
from tests.factories import (
    TOTP_SECRET,
    ListingFactory,
    MembershipFactory,
    UserFactory,
    with_totp,
)

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
SETUP = "/en/accounts/2fa/totp/activate/"
AUTHENTICATE = "/en/accounts/2fa/authenticate/"


def moderator(username="mod", *, totp=False):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    from accounts.services import account_email_verify

    account_email_verify(user=user)
    return with_totp(user) if totp else user


def verified(user):
    from accounts.services import account_email_verify

    account_email_verify(user=user)
    return user


def sign_in(client, username, password=PASSWORD):
    return client.post("/en/accounts/login/", {"login": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Without a second factor ------------------------------------------------------------------


def test_a_moderator_without_mfa_is_sent_to_set_it_up_and_never_sees_the_queue(client):
    pending = ListingFactory(status=ListingStatus.PENDING, name="Cocina Pendiente")
    client.force_login(moderator())
    response = client.get("/en/moderation/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fen%2Fmoderation%2F"
    followed = client.get("/en/moderation/", follow=True)
    body = followed.content.decode()
    assert "Moderators and administrators sign in with a second factor" in body
    assert "Cocina Pendiente" not in body
    # The decisions are closed too: nothing changes.
    response = client.post(f"/en/moderation/listings/{pending.slug}/approve/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    pending.refresh_from_db()
    assert pending.status == ListingStatus.PENDING


def test_an_admin_without_mfa_is_sent_to_set_it_up_from_the_admin(client):
    admin = verified(UserFactory(username="root", is_staff=True, is_superuser=True))
    client.force_login(admin)
    response = client.get("/admin/directory/listing/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fadmin%2Fdirectory%2Flisting%2F"
    with_totp(admin)
    assert client.get("/admin/directory/listing/").status_code == 200


def test_the_admin_signs_in_through_the_accounts_pages(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_the_api_refuses_moderator_only_actions_with_the_reason(client):
    listing = ListingFactory(slug="comedor")
    client.force_login(moderator())
    response = client.post(
        "/api/v1/listings/comedor/hide/", {"hidden": True}, content_type="application/json"
    )
    assert response.status_code == 403
    [message] = response.json()["errors"]["detail"]
    assert "two-factor authentication" in message
    listing.refresh_from_db()
    assert listing.is_public
    response = client.patch(
        "/api/v1/listings/comedor/", {"name": "Otro"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "two-factor" in response.json()["errors"]["detail"][0]


def test_with_mfa_the_same_moderator_may_act(client):
    ListingFactory(slug="comedor")
    client.force_login(moderator(totp=True))
    response = client.post(
        "/api/v1/listings/comedor/hide/", {"hidden": True}, content_type="application/json"
    )
    assert response.status_code == 200
    assert client.get("/en/moderation/").status_code == 200


def test_a_lead_is_not_asked_for_a_second_factor(client):
    lead = verified(UserFactory(username="lead"))
    listing = MembershipFactory(user=lead).listing
    response = sign_in(client, "lead")
    assert response.status_code == 302 and response["Location"] == "/en/dashboard/"
    assert signed_in(client)
    assert client.get("/en/dashboard/").status_code == 200
    assert client.get(f"/en/dashboard/listings/{listing.slug}/").status_code == 200
    assert SESSION_ENDS_KEY not in client.session


# --- Setting it up ----------------------------------------------------------------------------


def test_setting_up_totp_with_a_code_from_an_app_opens_the_queue(client):
    moderator()
    sign_in(client, "mod")
    # Changing how one signs in asks for the password again first.
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/reauthenticate/")
    confirm = client.get(response["Location"]).content.decode()
    assert "Before this change to how you sign in, type your password again." in confirm
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == SETUP
    page = client.get(SETUP)
    assert page.status_code == 200
    body = page.content.decode()
    # The QR code comes inline, from no other site.
    [src] = re.findall(r'<img src="([^"]+)"', body)
    assert src.startswith("data:image/svg+xml;base64,")
    assert not re.search(r'(?:src|href)="(?:https?:)?//', body)
    secret = client.session["mfa.totp.secret"]
    assert secret in body  # for typing it in by hand
    wrong = client.post(SETUP, {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code." in wrong.content.decode()
    assert not Authenticator.objects.filter(type="totp").exists()

    response = client.post(SETUP, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/2fa/recovery-codes/"
    codes = client.get(response["Location"]).content.decode()
    assert "Go on to moderation" in codes
    assert Authenticator.objects.filter(type="totp").count() == 1
    assert Authenticator.objects.filter(type="recovery_codes").count() == 1
    assert client.get("/en/moderation/").status_code == 200


def test_the_setup_page_is_translated(client):
    moderator()
    client.post("/es/accounts/login/", {"login": "mod", "password": PASSWORD})
    client.post("/es/accounts/reauthenticate/", {"password": PASSWORD})
    body = client.get("/es/accounts/2fa/totp/activate/").content.decode()
    assert '<html lang="es">' in body
    assert "Activar la aplicación de autenticación" in body  # allauth's own catalog


# --- Signing in with it -----------------------------------------------------------------------


def test_with_totp_sign_in_asks_for_the_code_and_refuses_a_wrong_one():
    moderator(totp=True)
    client = Client()
    response = sign_in(client, "mod")
    assert response.status_code == 302 and response["Location"] == AUTHENTICATE
    assert not signed_in(client)
    page = client.get(AUTHENTICATE).content.decode()
    assert "Type the six digits your authenticator app shows" in page
    wrong = client.post(AUTHENTICATE, {"code": "123456"})
    assert wrong.status_code == 200 and "Incorrect code." in wrong.content.decode()
    assert not signed_in(client)
    response = client.post(AUTHENTICATE, {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.status_code == 302 and response["Location"] == "/en/dashboard/"
    assert signed_in(client)
    assert client.get("/en/moderation/").status_code == 200


def test_a_recovery_code_works_once():
    user = moderator(totp=True)
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    first = Client()
    sign_in(first, "mod")
    response = first.post(AUTHENTICATE, {"code": code})
    assert response.status_code == 302 and signed_in(first)

    second = Client()
    sign_in(second, "mod")
    again = second.post(AUTHENTICATE, {"code": code})
    assert again.status_code == 200 and "Incorrect code." in again.content.decode()
    assert not signed_in(second)


def test_an_api_token_needs_the_code_too(client):
    moderator(totp=True)
    body = {"username": "mod", "password": PASSWORD}
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["code"]
    body["code"] = "000000"
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["code"]
    body["code"] = pyotp.TOTP(TOTP_SECRET).now()
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["token"]


# --- Shorter sessions -------------------------------------------------------------------------


def test_a_moderators_session_ends_sooner_than_a_leads(settings):
    moderator(totp=True)
    verified(UserFactory(username="lead"))
    mod, lead = Client(), Client()
    sign_in(mod, "mod")
    mod.post(AUTHENTICATE, {"code": pyotp.TOTP(TOTP_SECRET).now()})
    sign_in(lead, "lead")
    assert signed_in(mod) and signed_in(lead)
    mod.get("/en/dashboard/")
    lead.get("/en/dashboard/")

    def ends(client):
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        return Session.objects.get(session_key=key).expire_date

    now = timezone.now()
    age = timedelta(seconds=settings.MODERATOR_SESSION_AGE)
    assert now + age - timedelta(minutes=1) < ends(mod) <= now + age
    assert ends(lead) >= now + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert ends(mod) < ends(lead)
    cookie = mod.cookies[settings.SESSION_COOKIE_NAME]
    assert 0 < int(cookie["max-age"]) <= settings.MODERATOR_SESSION_AGE


def test_the_session_ends_at_its_time_whatever_happens_meanwhile(client):
    client.force_login(moderator(totp=True))
    assert client.get("/en/moderation/").status_code == 200
    session = client.session
    session[SESSION_ENDS_KEY] = (timezone.now() - timedelta(seconds=1)).isoformat()
    session.save()
    response = client.get("/en/moderation/")
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/login/")
    assert not signed_in(client)


def test_the_demo_command_prints_the_demo_accounts_current_code():
    from io import StringIO

    from django.core.management import call_command

    from directory.demo import DEMO_TOTP_SECRET

    out = StringIO()
    call_command("demo_totp", stdout=out)
    code = out.getvalue().split()[0]
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    assert totp.verify(code, valid_window=1)


def test_the_dashboard_links_to_the_second_factor_page_which_says_what_is_set_up(client):
    user = moderator(totp=True)
    RecoveryCodes.activate(user)
    client.force_login(user)
    assert 'href="/en/accounts/2fa/"' in client.get("/en/dashboard/").content.decode()
    body = client.get("/en/accounts/2fa/").content.decode()
    assert "Authentication using an authenticator app is active." in body
    assert "There are 10 out of 10 recovery codes available." in body
    assert 'class="account"' in body  # in the site's own layout


def test_a_superuser_without_mfa_has_no_powers_beyond_an_ordinary_account(client):
    ListingFactory(slug="comedor")
    pending = ListingFactory(slug="pendiente", status=ListingStatus.PENDING)
    root = verified(UserFactory(username="root", is_staff=True, is_superuser=True))
    client.force_login(root)
    response = client.post(
        "/api/v1/listings/comedor/hide/", {"hidden": True}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "two-factor" in response.json()["errors"]["detail"][0]
    assert client.get("/api/v1/listings/pendiente/").status_code == 404
    assert client.get(f"/en/dashboard/listings/{pending.slug}/").status_code == 404
    with_totp(root)
    root.refresh_from_db()
    client.force_login(root)
    assert client.get("/api/v1/listings/pendiente/").status_code == 200
