"""allauth's forms with Tejido's wording: labels that say what to type (the pages show no
placeholders), hints, and a taken e-mail address said next to the field at sign-up."""

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Username or email")
        login.widget.attrs["autocomplete"] = "username"


class SignupForm(AllauthSignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _("We send a link to this address to confirm it.")
        self.fields["username"].help_text = _(
            "The name you sign in with. It does not need to be your real name."
        )

    def validate_unique_email(self, value: str) -> str:
        email = super().validate_unique_email(value)
        if self.account_already_exists:
            raise get_adapter().validation_error("email_taken")
        return email
