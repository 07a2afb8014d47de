"""Enumerations of the directory (DESIGN.md §2, §6, §9). Their values are public API."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentLanguage(models.TextChoices):
    """Languages that content (summaries, descriptions, needs) can be written in."""

    ES = "es", _("Spanish")
    PT = "pt", _("Portuguese")
    FR = "fr", _("French")
    EN = "en", _("English")


class ListingKind(models.TextChoices):
    COOPERATIVE = "cooperative", _("Cooperative")
    MUTUAL_AID = "mutual_aid", _("Mutual aid")
    COMMUNITY_PROJECT = "community_project", _("Community project")


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    ARCHIVED = "archived", _("Archived")
    #: Merged into another listing (a duplicate): its slug redirects there.
    MERGED = "merged", _("Merged into another listing")


class LocationPrecision(models.TextChoices):
    """How precisely a listing's location is shown to the public (DESIGN.md §6)."""

    EXACT = "exact", _("Exact point (a storefront or public venue)")
    AREA = "area", _("Neighbourhood (about 1 km)")
    REGION = "region", _("Town or district (about 11 km)")
    HIDDEN = "hidden", _("Hidden (listed by region only)")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    SIGNED_IN = "signed_in", _("Signed-in people")
    LEADS_ONLY = "leads_only", _("The listing's leads and moderators")


class ContactKind(models.TextChoices):
    WEBSITE = "website", _("Website")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    SOCIAL = "social", _("Social media")


class OwnershipModel(models.TextChoices):
    WORKERS = "workers", _("Worker-owned")
    CONSUMERS = "consumers", _("Consumer-owned")
    PRODUCERS = "producers", _("Producer-owned")
    MULTI_STAKEHOLDER = "multi_stakeholder", _("Multi-stakeholder")
    HOUSING = "housing", _("Housing co-operative")
    FINANCIAL = "financial", _("Credit union or financial co-operative")


class AccessFact(models.TextChoices):
    """What a person can know before they travel (DESIGN.md §9)."""

    FREE = "free", _("Free of charge")
    NO_ID_REQUIRED = "no_id_required", _("No ID required")
    NO_STATUS_QUESTIONS = "no_status_questions", _("Immigration status not asked")
    WALK_IN = "walk_in", _("Walk-ins welcome")
    WHEELCHAIR_ACCESSIBLE = "wheelchair_accessible", _("Wheelchair accessible")
    SERVES_UNHOUSED = "serves_unhoused", _("Serves people without housing")
    LGBTQ_AFFIRMING = "lgbtq_affirming", _("LGBTQ+ affirming")
    FAMILIES_WELCOME = "families_welcome", _("Families and children welcome")
    INTERPRETATION_AVAILABLE = "interpretation_available", _("Interpretation available")


class Freshness(models.TextChoices):
    """How recently a listing or need was confirmed as current (DESIGN.md §9)."""

    FRESH = "fresh", _("Confirmed in the last 90 days")
    AGING = "aging", _("Confirmed 3 to 6 months ago")
    STALE = "stale", _("Not confirmed for over 6 months")


class NeedKind(models.TextChoices):
    VOLUNTEERS = "volunteers", _("Volunteers")
    SKILLS = "skills", _("Skills")
    MONEY = "money", _("Money")
    FOOD = "food", _("Food")
    SUPPLIES = "supplies", _("Supplies")
    SPACE = "space", _("Space")
    TRANSPORT = "transport", _("Transport")
    EQUIPMENT = "equipment", _("Equipment")
    LEGAL = "legal", _("Legal help")
    TRANSLATION = "translation", _("Translation")
    CHILDCARE = "childcare", _("Childcare")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FULFILLED = "fulfilled", _("Fulfilled")
    CLOSED = "closed", _("Closed")


class RegionLevel(models.TextChoices):
    COUNTRY = "country", _("Country")
    ADMIN1 = "admin1", _("State or province")
    ADMIN2 = "admin2", _("County or municipality")
    CITY = "city", _("City")
    CUSTOM = "custom", _("Custom area")


class PlaceKind(models.TextChoices):
    CITY = "city", _("City or town")
    POSTAL_CODE = "postal_code", _("Postal code")


class ReportReason(models.TextChoices):
    CLOSED = "closed", _("It has closed")
    WRONG_INFO = "wrong_info", _("The information is wrong")
    UNSAFE = "unsafe", _("It is unsafe")
    SPAM = "spam", _("Spam")
    DUPLICATE = "duplicate", _("Duplicate")
    OTHER = "other", _("Other")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class MembershipRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    EDITOR = "editor", _("Editor")


class AuditAction(models.TextChoices):
    LISTING_APPROVED = "listing_approved", _("Listing approved")
    LISTING_REJECTED = "listing_rejected", _("Listing rejected")
    LISTING_RESUBMITTED = "listing_resubmitted", _("Listing sent for review again")
    LISTING_ARCHIVED = "listing_archived", _("Listing archived")
    LISTING_RESTORED = "listing_restored", _("Listing restored from the archive")
    LISTING_HIDDEN = "listing_hidden", _("Listing hidden in an emergency")
    LISTING_UNHIDDEN = "listing_unhidden", _("Listing shown again")
    LISTING_HIDDEN_BY_REPORTS = "listing_hidden_by_reports", _("Listing hidden by reports")
    REPORT_RESOLVED = "report_resolved", _("Report resolved")
    MEMBERSHIP_GRANTED = "membership_granted", _("Lead or editor added")
    MEMBERSHIP_REVOKED = "membership_revoked", _("Lead or editor removed")
    LOCATION_ACCESS_GRANTED = "location_access_granted", _("Exact location access granted")
    LOCATION_ACCESS_REVOKED = "location_access_revoked", _("Exact location access revoked")
    EXACT_LOCATION_READ = "exact_location_read", _("Exact location read")
    NEED_FULFILLED = "need_fulfilled", _("Need marked as met")
    LISTINGS_IMPORTED = "listings_imported", _("Listings imported from a file")
    MERGE = "merge", _("Duplicate listings merged")
    MERGE_UNDO = "merge_undo", _("Merge of duplicate listings undone")
