"""Accounts (django-allauth): sign-up with a confirmed e-mail address, sign-in by username or
e-mail, throttled wrong passwords, password reset and sign-out, in the reader's language."""

import re

import pyotp
import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.utils import translation
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains

from accounts.services import account_email_verify
from directory.demo import demo_totp_secret, ensure_demo_people
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new kettle of fish"
CONFIRM_LINK = re.compile(r"http://testserver(/es/accounts/confirm-email/[\w:-]+/)")
RESET_LINK = re.compile(r"http://testserver(/es/accounts/password/reset/key/[\w-]+/)")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits live in the cache, shared by every test of the process."""
    cache.clear()
    yield
    cache.clear()


def in_spanish(message: str) -> str:
    with translation.override("es"):
        return translation.gettext(message)


def spanish(message: str) -> str:
    """allauth's own wording, as its Spanish catalog gives it (and it must give one)."""
    with translation.override("es"):
        translated = translation.gettext(message)
    assert translated != message
    return translated


def verified_user(**kwargs):
    user = UserFactory(**kwargs)
    account_email_verify(user=user)
    return user


def sign_in(client, login: str, password: str, language: str = "es"):
    return client.post(f"/{language}/accounts/login/", {"login": login, "password": password})


def signed_in_id(client):
    return client.session.get("_auth_user_id")


def signup_data(**overrides):
    data = {
        "email": "ana@example.org",
        "username": "ana",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return {**data, **overrides}


def test_signup_in_spanish_confirms_the_address_by_an_e_mail_in_spanish_then_signs_in(client):
    page = client.get("/es/accounts/signup/")
    assertContains(page, f"<h1>{spanish('Sign Up')}</h1>", html=True)

    response = client.post("/es/accounts/signup/", signup_data())

    assert response.status_code == 302
    assert response["Location"] == "/es/accounts/confirm-email/"
    user = User.objects.get(username="ana")
    assert user.email == "ana@example.org"
    assert user.preferred_language == "es"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("ana@example.org", False)
    ]
    assert signed_in_id(client) is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert message.subject == "Tejido: " + spanish("Please Confirm Your Email Address")
    assert spanish("Hello from %(site_name)s!") % {"site_name": "Tejido"} in message.body
    link = CONFIRM_LINK.search(message.body).group(1)

    # Opened later, in another browser: the link asks to confirm, then sends to sign in.
    other = client.__class__()
    confirm_page = other.get(link)
    assertContains(confirm_page, "ana@example.org")
    assertContains(confirm_page, f'action="{link}"')
    confirmed = other.post(link)
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/es/accounts/login/"
    assert EmailAddress.objects.get(user=user).verified is True

    signed_in = sign_in(other, "ana", PASSWORD)
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/es/dashboard/"
    assert signed_in_id(other) == str(user.pk)


def test_confirming_in_the_browser_that_signed_up_signs_in_and_goes_to_the_dashboard(client):
    client.post("/es/accounts/signup/", signup_data())
    link = CONFIRM_LINK.search(mail.outbox[0].body).group(1)

    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == "/es/dashboard/"
    assert signed_in_id(client) == str(User.objects.get(username="ana").pk)


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("fr", "Tejido: Confirmez votre adresse e-mail"),
        ("pt", "Tejido: Confirme o seu endereço de email"),
        ("en", "Tejido: Please Confirm Your Email Address"),
    ],
)
def test_the_confirmation_e_mail_is_in_the_language_of_the_signup_page(client, language, subject):
    client.post(f"/{language}/accounts/signup/", signup_data())

    assert [m.subject for m in mail.outbox] == [subject]
    assert f"http://testserver/{language}/accounts/confirm-email/" in mail.outbox[0].body
    assert User.objects.get(username="ana").preferred_language == language


def test_links_in_e_mails_sent_over_https_are_https(client):
    client.post("/es/accounts/signup/", signup_data(), secure=True)

    assert "https://testserver/es/accounts/confirm-email/" in mail.outbox[0].body


def test_a_wrong_confirmation_key_says_the_link_does_not_work(client):
    response = client.get("/es/accounts/confirm-email/not-a-key/")

    assert response.status_code == 200
    assertNotContains(response, "<form", status_code=200)
    assertContains(response, 'href="/es/accounts/login/"')


def test_signing_in_before_confirming_sends_a_new_link_instead(client):
    user = UserFactory(username="ana")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    response = sign_in(client, "ana", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/es/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    assert CONFIRM_LINK.search(mail.outbox[0].body)
    assert signed_in_id(client) is None


def test_a_confirmed_account_signs_in_with_its_e_mail_address_too(client):
    user = verified_user(username="beto")

    response = sign_in(client, "BETO@example.org", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/es/dashboard/"
    assert signed_in_id(client) == str(user.pk)


def test_a_wrong_password_is_said_above_the_form_in_the_readers_language(client):
    verified_user(username="beto")

    response = sign_in(client, "beto", "not the password")

    assert response.status_code == 200
    assertContains(response, spanish("The username and/or password you specified are not correct."))
    assertContains(response, '<h2 id="error-summary-title">')
    assert signed_in_id(client) is None


def test_the_sixth_wrong_password_within_five_minutes_is_refused_even_when_right(client):
    user = verified_user(username="beto")
    wrong = spanish("The username and/or password you specified are not correct.")
    too_many = spanish("Too many failed login attempts. Try again later.")
    for _attempt in range(5):
        response = sign_in(client, "beto", "guess")
        assertContains(response, wrong)

    response = sign_in(client, "beto", PASSWORD)

    assertContains(response, too_many)
    assertNotContains(response, wrong)
    assert signed_in_id(client) is None
    # The lock is on the account: another one signs in from the same address.
    other = verified_user(username="carla")
    assert sign_in(client, "carla", PASSWORD)["Location"] == "/es/dashboard/"
    assert signed_in_id(client) == str(other.pk)
    assert user.pk != other.pk


def test_password_reset_sends_a_spanish_link_that_sets_a_new_password(client):
    user = verified_user(username="beto")

    response = client.post("/es/accounts/password/reset/", {"email": "beto@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/es/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["beto@example.org"]
    assert message.subject == "Tejido: " + spanish("Password Reset Email")
    key_link = RESET_LINK.search(message.body).group(1)

    # The key moves into the session, and out of the address bar, before the form shows.
    form_url = client.get(key_link)["Location"]
    assert form_url.startswith("/es/accounts/password/reset/key/")
    assert form_url.endswith("-set-password/")
    assertContains(client.get(form_url), 'name="password1"')

    mismatch = client.post(form_url, {"password1": NEW_PASSWORD, "password2": "something else"})
    assertContains(mismatch, spanish("You must type the same password each time."))

    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/es/accounts/password/reset/key/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(key_link).status_code == 200  # used: says the link is bad
    assert sign_in(client.__class__(), "beto", PASSWORD).status_code == 200
    assert sign_in(client.__class__(), "beto", NEW_PASSWORD)["Location"] == "/es/dashboard/"


def test_password_reset_for_an_unknown_address_looks_the_same_and_resets_nothing(client):
    verified_user(username="beto")

    response = client.post("/es/accounts/password/reset/", {"email": "nobody@example.org"})

    assert response["Location"] == "/es/accounts/password/reset/done/"
    assert [m.to for m in mail.outbox] == [["nobody@example.org"]]
    assert not RESET_LINK.search(mail.outbox[0].body)


def test_sign_out_asks_then_signs_out_and_goes_home(client):
    user = verified_user(username="beto")
    client.force_login(user)

    page = client.get("/es/accounts/logout/")
    assertContains(page, f"<h1>{spanish('Sign Out')}</h1>", html=True)
    assert signed_in_id(client) == str(user.pk)

    response = client.post("/es/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/es/"
    assert signed_in_id(client) is None


def test_signup_with_mismatched_passwords_says_so_next_to_the_field_and_writes_nothing(client):
    response = client.post("/es/accounts/signup/", signup_data(password2="another one entirely"))
    error = in_spanish("Error:")

    assert response.status_code == 200
    message = spanish("You must type the same password each time.")
    assertInHTML(
        f'<p class="field-error" id="id_password2-error">'
        f'<span class="visually-hidden">{error}</span> {message}</p>',
        response.content.decode(),
    )
    assertContains(response, f'<li><a href="#id_password2">{message}</a></li>', html=True)
    assertContains(response, 'aria-describedby="id_password2-error"')
    assertContains(response, 'value="ana@example.org"')
    assert not User.objects.filter(username="ana").exists()
    assert mail.outbox == []


def test_signup_with_a_taken_e_mail_says_so_next_to_the_field_and_writes_nothing(client):
    verified_user(username="beto", email="taken@example.org")

    response = client.post("/es/accounts/signup/", signup_data(email="Taken@example.org"))
    error = in_spanish("Error:")

    assert response.status_code == 200
    message = spanish("A user is already registered with this email address.")
    assertInHTML(
        f'<p class="field-error" id="id_email-error">'
        f'<span class="visually-hidden">{error}</span> {message}</p>',
        response.content.decode(),
    )
    assertContains(response, f'<li><a href="#id_email">{message}</a></li>', html=True)
    assert list(User.objects.values_list("username", flat=True)) == ["beto"]
    assert EmailAddress.objects.count() == 1
    assert mail.outbox == []


def test_signup_with_nothing_filled_in_names_every_field(client):
    response = client.post("/es/accounts/signup/", {})

    assert response.status_code == 200
    for field in ("email", "username", "password1", "password2"):
        assertContains(response, f'id="id_{field}-error"')
        assertContains(response, f'<a href="#id_{field}">')
    assert User.objects.count() == 0


@pytest.mark.parametrize("path", ["login", "signup", "password/reset", "logout"])
def test_account_pages_load_nothing_from_another_host(client, path, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(f"/es/accounts/{path}/")

    html = response.content.decode()
    assert response.status_code in (200, 302)
    assert not re.search(r"""(?:src|href|action)=["']?(?:https?:)?//""", html)
    if response.status_code == 200:
        assert '<link rel="stylesheet" href="/static/css/accounts.css">' in html


def test_the_login_page_labels_its_fields_above_them_without_placeholders(client):
    response = client.get("/fr/accounts/login/")

    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "placeholder" not in html
    with translation.override("fr"):
        login_label = translation.gettext("Username or email")
    assertInHTML(f'<label for="id_login">{login_label}</label>', html)
    assertInHTML(
        '<input type="text" name="login" autocomplete="username" class="input" required '
        'id="id_login">',
        html,
    )


def test_demo_accounts_sign_in_and_loading_them_twice_changes_nothing(client):
    ensure_demo_people("tejido-demo")
    ensure_demo_people("tejido-demo")

    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 4
    for username in ("admin", "moderadora", "organizer", "lead"):
        browser = client.__class__()
        response = sign_in(browser, username, "tejido-demo")
        assert response.status_code == 302, username
        if username in ("admin", "moderadora"):  # the demo secret's code, as README says
            assert response["Location"] == "/es/accounts/2fa/authenticate/"
            code = pyotp.TOTP(demo_totp_secret()).now()
            response = browser.post(response["Location"], {"code": code})
        assert response["Location"] == "/es/dashboard/"
