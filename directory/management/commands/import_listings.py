from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.importing.mapping import MappingError, load_mapping
from directory.importing.presets import PRESETS
from directory.importing.readers import ReadFailed
from directory.importing.run import OUTCOMES, run_import, write_report


class Command(BaseCommand):
    help = (
        "Import listings from a CSV, GeoJSON, JSON (Murmurations, Karte von morgen), "
        "GeoPackage or shapefile. A dry run unless --commit; imported listings are pending "
        "unless --publish. Importing the same source again updates its listings, never "
        "duplicates them. A file that cannot be read to its end writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        how = parser.add_mutually_exclusive_group()
        how.add_argument("--mapping", type=Path, help="a TOML mapping of columns to fields")
        how.add_argument("--preset", choices=sorted(PRESETS), help="a built-in mapping")
        parser.add_argument(
            "--source", help="name of the data set (default: the preset's or the file name)"
        )
        parser.add_argument("--commit", action="store_true", help="write (default: dry run)")
        parser.add_argument(
            "--publish", action="store_true", help="publish at once (moderators' imports)"
        )
        parser.add_argument("--report", type=Path, help="CSV: one row per input row")

    def handle(self, *args, **options):
        path = options["path"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            if options["mapping"]:
                mapping = load_mapping(options["mapping"])
            else:
                mapping = PRESETS[options["preset"] or "tejido-csv"]()
        except MappingError as error:
            raise CommandError(str(error)) from error
        source = (options["source"] or mapping.source or path.stem)[:100]
        try:
            result = run_import(
                path,
                mapping,
                source=source,
                commit=options["commit"],
                publish=options["publish"],
                progress=options["verbosity"] > 0,
            )
        except ReadFailed as error:
            raise CommandError(f"{error}. Nothing was written.") from error
        if options["report"]:
            write_report(result, options["report"])
        counts = result.counts
        summary = ", ".join(f"{counts.get(outcome, 0)} {outcome}" for outcome in OUTCOMES)
        self.stdout.write(f"{path.name} as source {source!r}: {summary}")
        if result.warned:
            self.stdout.write(f"{result.warned} rows imported with warnings (see the report)")
        for note in result.notes:
            self.stdout.write(note)
        if result.committed:
            self.stdout.write(self.style.SUCCESS("Written."))
        else:
            self.stdout.write("Dry run: nothing written (--commit to write).")
