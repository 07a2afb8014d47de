"""Who may do what (django-rules): predicates shared by the API, the pages and the admin.

Object permissions are checked with `user.has_perm("directory.change_listing", listing)`.
"""

import rules

from .choices import MembershipRole, Visibility


def _role(user, listing) -> str | None:
    """The user's role on the listing, looked up once per (user, listing) and request."""
    if listing is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_listing_roles", {})
    if listing.pk not in cache:
        cache[listing.pk] = (
            listing.memberships.filter(user=user).values_list("role", flat=True).first()
        )
    return cache[listing.pk]


@rules.predicate
def is_moderator(user) -> bool:
    """A moderator with a second factor set up: without one, a moderator's powers wait
    (accounts/mfa.py) and the person is only what their memberships make them."""
    from accounts.mfa import has_totp

    return user.is_authenticated and user.is_moderator and has_totp(user)


@rules.predicate
def is_listing_member(user, listing) -> bool:
    return _role(user, listing) is not None


@rules.predicate
def is_listing_lead(user, listing) -> bool:
    return _role(user, listing) == MembershipRole.LEAD


@rules.predicate
def has_location_grant(user, listing) -> bool:
    if listing is None or not user.is_authenticated or not user.is_organizer:
        return False
    return listing.location_access_grants.filter(user=user).exists()


@rules.predicate
def is_need_member(user, need) -> bool:
    return need is not None and is_listing_member(user, need.listing)


is_signed_in = rules.is_authenticated & rules.is_active

rules.add_perm("directory.add_listing", is_signed_in)
rules.add_perm("directory.view_unpublished_listing", is_listing_member | is_moderator)
rules.add_perm("directory.change_listing", is_listing_member | is_moderator)
rules.add_perm("directory.delete_listing", is_listing_lead | is_moderator)
rules.add_perm("directory.moderate_listing", is_moderator)
rules.add_perm(
    "directory.view_exact_location", is_listing_member | is_moderator | has_location_grant
)
rules.add_perm("directory.view_leads_only_contacts", is_listing_member | is_moderator)
rules.add_perm("directory.add_need", is_listing_member | is_moderator)
rules.add_perm("directory.change_need", is_need_member | is_moderator)


def contact_visibilities(user, listing) -> set[str]:
    """Visibilities of the listing's contacts that `user` may read (API and pages)."""
    allowed = {Visibility.PUBLIC}
    if user.is_authenticated:
        allowed.add(Visibility.SIGNED_IN)
        if user.has_perm("directory.view_leads_only_contacts", listing):
            allowed.add(Visibility.LEADS_ONLY)
    return allowed
