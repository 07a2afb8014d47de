"""How Tejido adapts django-allauth: e-mails signed "Tejido" (the sites framework is not
installed, so allauth would sign them with the host name) and the language a person signed up
in remembered as their preferred one."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.contrib.sites.requests import RequestSite
from django.utils import translation

SITE_NAME = "Tejido"


class TejidoSite(RequestSite):
    """The host that served the request, under the project's name."""

    def __init__(self, request):
        super().__init__(request)
        self.name = SITE_NAME


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context_data: dict) -> None:
        # Sent while answering a request, in the language of its page (/es/, /fr/...), with
        # links built from that request: absolute, language-prefixed.
        request = context.request
        ctx = {"request": request, "email": email, "current_site": TejidoSite(request)}
        ctx.update(context_data)
        self.render_mail(template_prefix, email, ctx).send()

    def save_user(self, request, user, form, commit=True):
        language = translation.get_language() or ""
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        return super().save_user(request, user, form, commit=commit)
