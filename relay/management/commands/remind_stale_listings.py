"""Daily: remind leads of listings unconfirmed for 180 days, archive those at 365."""

from django.core.management.base import BaseCommand

from relay import reminders


class Command(BaseCommand):
    help = (
        "E-mail one reminder to the leads of listings not confirmed for 180 days and archive "
        "(reversibly) those not confirmed for 365. Safe to run more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be done; write and send nothing"
        )

    def handle(self, *args, dry_run=False, **options):
        outcome = reminders.run(dry_run=dry_run)
        verb = ("would remind", "would archive") if dry_run else ("reminded", "archived")
        for listing in outcome.reminded:
            self.stdout.write(f"{verb[0]}: {listing.slug}")
        for listing in outcome.archived:
            self.stdout.write(f"{verb[1]}: {listing.slug}")
        for listing in outcome.failed:
            self.stderr.write(
                f"could not e-mail the leads of: {listing.slug} (tried again next run)"
            )
        self.stdout.write(
            f"{len(outcome.reminded)} {verb[0]}, {len(outcome.archived)} {verb[1]}"
            + (f", {len(outcome.failed)} failed" if outcome.failed else "")
        )
        if outcome.failed:
            raise SystemExit(1)
