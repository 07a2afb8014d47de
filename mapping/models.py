"""The map's tables are SQL objects of migrations 0002-0003 (read by `mapping.tiles`), not
models; triggers keep them current on every write. Ended needs drop out of the stored counts
when the region statistics refresh (on the first change of a day, or the daily cron run):
one hook, at app loading."""

from django.dispatch import receiver

from directory import stats


@receiver(stats.refreshed, dispatch_uid="mapping.tiles.refresh")
def _expire_needs(**kwargs) -> None:
    from . import tiles

    tiles.expire_needs()
