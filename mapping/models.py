"""The map's tables are SQL objects of migration 0001 (read by `mapping.tiles`), not models.
The tiles' cells refresh with the region statistics, which every public change refreshes
(on commit, or from cron in `scheduled` mode): one hook, at app loading."""

from django.dispatch import receiver

from directory import stats


@receiver(stats.refreshed, dispatch_uid="mapping.tiles.refresh")
def _refresh_tiles(**kwargs) -> None:
    from . import tiles

    tiles.refresh()
