from .listing import Contact, Listing, ListingMembership, LocationAccessGrant, OpeningPeriod
from .merge import MergeRecord
from .moderation import REPORTS_TO_HIDE, AuditEvent, Report
from .need import Need
from .sources import ListingSource
from .taxonomy import Category, Place, Region

__all__ = [
    "REPORTS_TO_HIDE",
    "AuditEvent",
    "Category",
    "Contact",
    "Listing",
    "ListingMembership",
    "ListingSource",
    "LocationAccessGrant",
    "MergeRecord",
    "Need",
    "OpeningPeriod",
    "Place",
    "Region",
    "Report",
]
