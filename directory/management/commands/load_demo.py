import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from directory.demo import DEMO_PASSWORD_ENV, demo_totp_secret, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data (categories, regions, gazetteer, 300+ fictional listings) and, "
        "outside production, demo accounts. Idempotent: run it as often as you like."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-accounts", action="store_true", help="do not create demo accounts"
        )

    def handle(self, *args, **options):
        production = settings.SETTINGS_MODULE.endswith(".production")
        password = None
        if not options["no_accounts"]:
            if production:
                raise CommandError(
                    "demo accounts are never created in production; use --no-accounts"
                )
            password = os.environ.get(DEMO_PASSWORD_ENV, "tejido-demo")
        load_demo(self.stdout.write, password=password)
        if password:
            self.stdout.write(
                f"demo accounts admin, moderadora, organizer, lead; password {password!r} "
                f"(set {DEMO_PASSWORD_ENV} to change it); admin and moderadora then ask for "
                f"the code of their authenticator app: `manage.py demo_totp` prints it (secret "
                f"{demo_totp_secret()})"
            )
