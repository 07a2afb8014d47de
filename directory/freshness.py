"""How current a listing or need is, from when it was last confirmed (DESIGN.md §9)."""

from datetime import datetime, timedelta

from django.utils import timezone

from .choices import Freshness

FRESH_WITHIN = timedelta(days=90)
AGING_WITHIN = timedelta(days=180)
#: After this long unconfirmed, the scheduled reminder archives a listing (reversibly).
ARCHIVE_AFTER = timedelta(days=365)


def freshness(last_confirmed_at: datetime, now: datetime | None = None) -> Freshness:
    age = (now or timezone.now()) - last_confirmed_at
    if age <= FRESH_WITHIN:
        return Freshness.FRESH
    if age <= AGING_WITHIN:
        return Freshness.AGING
    return Freshness.STALE
