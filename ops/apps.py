from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Tejido: health checks, backups and their restore drill."""

    name = "ops"
    verbose_name = "Operations"
