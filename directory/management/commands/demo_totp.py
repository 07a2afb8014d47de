import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from directory.demo import DEMO_TOTP_SECRET_ENV, demo_totp_secret


class Command(BaseCommand):
    help = (
        "Print the current six-digit code of the demo admin's and moderator's authenticator "
        f"app (the demo secret, or {DEMO_TOTP_SECRET_ENV}): what to type after their password."
    )

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("there are no demo accounts in production")
        now = time.time()
        counter = int(now) // app_settings.TOTP_PERIOD
        left = app_settings.TOTP_PERIOD - int(now) % app_settings.TOTP_PERIOD
        code = format_hotp_value(hotp_value(demo_totp_secret(), counter))
        self.stdout.write(f"{code}  (valid for {left} more seconds)")
