from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.choices import RegionLevel
from directory.importers import ImportRefused, RegionSource, load_regions


class Command(BaseCommand):
    help = (
        "Load regions (countries, states, counties...) from a GeoJSON file, shapefile or any "
        "file GDAL reads. Regions are matched by slug, so loading again updates them. "
        "Nothing is written if any feature is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--level", required=True, choices=RegionLevel.values)
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--name-language", default="en", choices=["es", "pt", "fr", "en"])
        parser.add_argument("--code-field", default="id")
        parser.add_argument("--country", default="", help="ISO 3166-1 alpha-2 of every feature")
        parser.add_argument("--parent", default="", help="slug of the parent region")
        parser.add_argument("--slug-prefix", default="")
        parser.add_argument(
            "--names-csv",
            type=Path,
            help=(
                "CSV with name_en/name_es/name_pt/name_fr per feature; "
                "features absent from it are skipped"
            ),
        )
        parser.add_argument("--names-key", default="ccn3", help="CSV column matching --code-field")
        parser.add_argument("--code-column", default="cca2", help="CSV column to store as code")
        parser.add_argument(
            "--make-valid", action="store_true", help="repair invalid polygons instead of refusing"
        )
        parser.add_argument("--skip-empty", action="store_true", help="skip empty geometries")
        parser.add_argument(
            "--parent-from-code",
            type=int,
            default=0,
            metavar="N",
            help=(
                "the parent of each feature is the region (of --country) whose code is the "
                "first N characters of the feature's code (US counties: 2, the state's FIPS)"
            ),
        )
        parser.add_argument(
            "--slug-from-code",
            action="store_true",
            help="slugs from --slug-prefix and the code, not the name (names that repeat)",
        )

    def handle(self, *args, **options):
        path = options["path"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        source = RegionSource(
            path=path,
            level=options["level"],
            name_field=options["name_field"],
            name_language=options["name_language"],
            code_field=options["code_field"],
            country=options["country"].upper(),
            parent_slug=options["parent"],
            slug_prefix=options["slug_prefix"],
            names_csv=options["names_csv"],
            names_key=options["names_key"],
            code_column=options["code_column"],
            make_valid=options["make_valid"],
            skip_empty=options["skip_empty"],
            parent_code_length=options["parent_from_code"],
            slug_from_code=options["slug_from_code"],
        )
        try:
            count, repaired = load_regions(
                source, progress=lambda line: self.stdout.write(self.style.WARNING(line))
            )
        except ImportRefused as error:
            raise CommandError(f"{error}. Nothing was loaded.") from error
        note = f" ({repaired} repaired)" if repaired else ""
        self.stdout.write(self.style.SUCCESS(f"{count} regions loaded from {path.name}{note}"))
