from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelayConfig(AppConfig):
    """Reaching a project and being answered (DESIGN.md §9, §10): the contact relay, the
    offers it carries and the e-mails that keep listings current."""

    name = "relay"
    verbose_name = _("Contact relay")
    default_auto_field = "django.db.models.BigAutoField"
