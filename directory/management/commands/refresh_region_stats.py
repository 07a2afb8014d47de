from django.core.management.base import BaseCommand

from directory import stats


class Command(BaseCommand):
    help = (
        "Refresh the pre-aggregated region statistics. Run from cron (every minute with "
        "--if-changed, and once a day without it so that expired needs drop out)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-changed", action="store_true", help="only if something changed")

    def handle(self, *args, **options):
        if options["if_changed"]:
            refreshed = stats.refresh_if_dirty()
        else:
            stats.refresh()
            refreshed = True
        self.stdout.write("region statistics refreshed" if refreshed else "nothing changed")
