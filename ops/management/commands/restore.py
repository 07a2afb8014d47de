from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backups


class Command(BaseCommand):
    help = (
        "Check a backup's SHA-256, then restore it into a new database (--into NAME). "
        "A damaged or unfinished file is refused and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .dump written by manage.py backup")
        parser.add_argument("--into", required=True, help="name of the new database")

    def handle(self, *args, **options):
        dump = Path(options["file"])
        try:
            backups.restore(dump, options["into"])
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {dump} into database {options['into']}")
