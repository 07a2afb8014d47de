from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backups


class Command(BaseCommand):
    help = (
        "Write a pg_dump (custom format) of the database and its SHA-256 beside it, "
        "atomically; --keep N removes all but the N newest backups."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="var/backups", help="where backups go")
        parser.add_argument("--keep", type=int, default=0, help="backups to keep (0: all)")

    def handle(self, *args, **options):
        directory = Path(options["dir"])
        try:
            dump = backups.backup(directory)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        size = dump.stat().st_size
        self.stdout.write(f"{dump} ({size / 1e6:.1f} MB, sha256 in {dump.name}.sha256)")
        if options["keep"] > 0:
            for path in backups.prune(directory, options["keep"]):
                self.stdout.write(f"removed {path}")
