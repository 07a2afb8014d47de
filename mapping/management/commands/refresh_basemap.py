from django.core.management.base import BaseCommand

from mapping import basemap


class Command(BaseCommand):
    help = (
        "Rebuild Tejido's own basemap (land, boundaries, place names) from the regions and "
        "the gazetteer. Loading regions or the gazetteer does it on its own; run it after "
        "changing boundaries any other way (the admin, SQL)."
    )

    def handle(self, *args, **options):
        version = basemap.refresh()
        self.stdout.write(f"basemap rebuilt (version {version})")
