"""A moderator on a phone: signs in, is sent to set up an authenticator app (the QR code comes
inline: the guard fails the test on any off-site request), types the app's code, reaches the
queue; the next sign-in asks for the code."""

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group

from accounts.models import MODERATORS_GROUP
from accounts.services import account_email_verify
from tests.factories import UserFactory

from .helpers import assert_accessible, no_horizontal_scroll, shoot, t

PASSWORD = "correct horse battery staple"


@pytest.fixture
def moderator(committed_db):
    user = UserFactory(username="mod")
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    account_email_verify(user=user)
    return user


def sign_in(page, lang):
    page.get_by_label(t(lang, "Username or email")).fill("mod")
    page.get_by_label(t(lang, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=t(lang, "Sign In")).click()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_moderator_sets_up_an_authenticator_app_then_signs_in_with_it(open_as, moderator, lang):
    site = open_as(None, "phone")
    page = site.visit("/moderation/", lang)  # anonymous: sent to sign in first
    page.wait_for_url(f"**/{lang}/accounts/login/**")
    sign_in(page, lang)
    # Straight to setting up: the password again, then the QR code.
    page.wait_for_url(f"**/{lang}/accounts/reauthenticate/**")
    assert_accessible(page)
    page.get_by_label(t(lang, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=t(lang, "Confirm")).click()
    page.wait_for_url(f"**/{lang}/accounts/2fa/totp/activate/**")
    qr = page.locator(".totp-qr img")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, f"mfa-setup-phone-{lang}")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label(t(lang, "Authenticator code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=t(lang, "Activate")).click()
    page.wait_for_url(f"**/{lang}/accounts/2fa/recovery-codes/")
    assert len(page.locator("#recovery_codes").input_value().split()) == 10
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, f"mfa-recovery-codes-phone-{lang}")
    page.get_by_role("link", name=t(lang, "Go on to moderation")).click()
    page.wait_for_url(f"**/{lang}/moderation/")
    assert Authenticator.objects.filter(user=moderator, type="totp").exists()

    # The next sign-in asks for the code.
    later = open_as(None, "phone")
    page = later.visit("/accounts/login/", lang)
    sign_in(page, lang)
    page.wait_for_url(f"**/{lang}/accounts/2fa/authenticate/")
    no_horizontal_scroll(page)
    assert_accessible(page)
    shoot(page, f"mfa-login-phone-{lang}")
    page.get_by_label(t(lang, "Code")).fill("000000")
    page.get_by_role("button", name=t(lang, "Sign In")).click()
    assert t(lang, "Incorrect code.") in page.locator(".error-summary").inner_text()
    page.get_by_label(t(lang, "Code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=t(lang, "Sign In")).click()
    page.wait_for_url(f"**/{lang}/dashboard/")
    later.visit("/moderation/", lang)
