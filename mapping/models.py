"""The map's tables are SQL objects of migrations 0002-0003 (read by `mapping.tiles`), not
models; triggers keep them current on every write. Ended needs drop out of the stored counts
when the region statistics refresh (on the first change of a day, or the daily cron run);
the basemap is rebuilt when regions or the gazetteer are loaded: hooks, at app loading."""

from django.dispatch import receiver

from directory import importers, stats


@receiver(stats.refreshed, dispatch_uid="mapping.tiles.refresh")
def _expire_needs(**kwargs) -> None:
    from . import tiles

    tiles.expire_needs()


@receiver(importers.boundaries_changed, dispatch_uid="mapping.basemap.refresh")
def _refresh_basemap(**kwargs) -> None:
    from . import basemap

    basemap.refresh()
