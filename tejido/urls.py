"""Top-level URLs: pages under a language prefix (/es/, /pt/, /fr/, /en/), the API and the
admin without one."""

from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from ops import health
from sms import views as sms

# The admin signs in through allauth, second factor included (accounts/mfa.py).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    # Health checks: no language prefix, no session (ops/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # The SMS gateway posts to one address, whatever the sender's language (sms/views.py).
    path("sms/inbound/", sms.inbound, name="sms_inbound"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("ogc/", include("api.ogc.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("", include("relay.urls")),
    path("", include("pages.urls")),
    path("accounts/", include("allauth.urls")),
    prefix_default_language=True,
)

handler404 = "tejido.views.not_found"
handler500 = "tejido.views.server_error"
