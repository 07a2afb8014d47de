from django.core.management.base import BaseCommand

from mapping import tiles


class Command(BaseCommand):
    help = (
        "The map's stored rows and cells (kept current by triggers on every write): let "
        "needs that ended drop out (daily from cron, just after midnight), or --rebuild them "
        "all from the listings (repairs, or after a bulk load with the triggers disabled)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute everything")

    def handle(self, *args, **options):
        if options["rebuild"]:
            tiles.refresh()
            self.stdout.write(f"tile cells rebuilt (version {tiles.version()})")
        else:
            count = tiles.expire_needs()
            self.stdout.write(f"{count} listings recomputed for ended needs")
