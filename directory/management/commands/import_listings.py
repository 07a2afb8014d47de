from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.importing.mapping import MappingError, load_mapping
from directory.importing.presets import PRESETS
from directory.importing.readers import ReadFailed
from directory.importing.run import OUTCOMES, ImportFailed, run_import, write_report


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
        parser.add_argument(
            "--language",
            default="en",
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of the report's reasons and warnings and of the messages (default: en)",
        )

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            self._import(options)

    def _import(self, options) -> None:
        path = options["path"]
        if not path.exists():
            raise CommandError(_("%(path)s: no such file.") % {"path": path})
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
            # Translators: %(problem)s is a sentence saying what is wrong with the file.
            message = _("%(problem)s Nothing was written.") % {"problem": error}
            raise CommandError(message) from error
        except ImportFailed as error:
            raise CommandError(str(error)) from error
        if options["report"]:
            write_report(result, options["report"])
        counts = result.counts
        # The outcomes stay codes (created, updated...): scripts read this line.
        summary = ", ".join(f"{counts.get(outcome, 0)} {outcome}" for outcome in OUTCOMES)
        self.stdout.write(f"{path.name} as source {source!r}: {summary}")
        if result.warned:
            self.stdout.write(
                ngettext(
                    "%(count)s row imported with warnings (see the report).",
                    "%(count)s rows imported with warnings (see the report).",
                    result.warned,
                )
                % {"count": result.warned}
            )
        for note in result.notes:
            self.stdout.write(note)
        if result.committed:
            self.stdout.write(self.style.SUCCESS(_("Written.")))
        else:
            self.stdout.write(_("Dry run: nothing written (--commit to write)."))
