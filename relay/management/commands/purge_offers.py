"""Daily: forget volunteers' contact details and words after OFFER_RETENTION_DAYS."""

from django.conf import settings
from django.core.management.base import BaseCommand

from relay.services import purge_offers


class Command(BaseCommand):
    help = (
        "Delete the sender's name, e-mail, phone and message of offers older than "
        "OFFER_RETENTION_DAYS; the offers and their counts stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted; change nothing"
        )

    def handle(self, *args, dry_run=False, **options):
        count = purge_offers(dry_run=dry_run)
        days = settings.OFFER_RETENTION_DAYS
        if dry_run:
            self.stdout.write(f"{count} offers older than {days} days would be emptied")
        else:
            self.stdout.write(f"{count} offers older than {days} days emptied")
