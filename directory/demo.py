"""Demo data for a first run that feels real: the category taxonomy, regions, the gazetteer
and 300+ fictional listings from fixtures/demo (see fixtures/demo/README.md).

Loading is idempotent: categories are updated in place, regions and the gazetteer are loaded
once, and listings whose slug exists are left as they are. Listings store admin1 as the
state or province name (the fixtures carry GeoNames codes); rows loaded with a code, and
places without an admin1 name, are given the name on the next load.
"""

import json
import os
from datetime import time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from accounts.models import MODERATORS_GROUP, ORGANIZERS_GROUP
from accounts.services import account_email_verify

from . import services, stats
from .admin1 import address_admin1
from .choices import MembershipRole, RegionLevel
from .content import set_translations
from .importers import (
    RegionSource,
    americas_country_codes,
    boundaries_batch,
    load_gazetteer,
    load_regions,
    name_gazetteer_admin1,
)
from .models import (
    Category,
    Contact,
    Listing,
    ListingMembership,
    Need,
    OpeningPeriod,
    Place,
    Region,
)

FIXTURES = settings.BASE_DIR / "fixtures"
DEMO = FIXTURES / "demo"
REGIONS = FIXTURES / "regions"

REGION_SOURCES = [
    RegionSource(
        path=REGIONS / "world_countries_ne50m_worldatlas.geojson",
        level=RegionLevel.COUNTRY,
        code_field="id",
        names_csv=REGIONS / "country_names_multilingual_worldcountries.csv",
        names_key="ccn3",
        code_column="cca2",
        make_valid=True,
    ),
    RegionSource(
        path=REGIONS / "us_states_census2017_usatlas.geojson",
        level=RegionLevel.ADMIN1,
        country="US",
        parent_slug="us",
        slug_prefix="us-",
        make_valid=True,
    ),
    RegionSource(
        path=REGIONS / "mexico_states_libpysal.geojson",
        level=RegionLevel.ADMIN1,
        name_field="NAME",
        code_field="CODE",
        name_language="es",
        country="MX",
        parent_slug="mx",
        slug_prefix="mx-",
        make_valid=True,
    ),
    # Counties after the states: each one's parent is the state of its first two FIPS digits.
    RegionSource(
        path=REGIONS / "us_counties_census2017_usatlas.geojson",
        level=RegionLevel.ADMIN2,
        country="US",
        slug_prefix="us-",
        slug_from_code=True,
        parent_code_length=2,
        make_valid=True,
        skip_empty=True,
    ),
]

DEMO_PASSWORD_ENV = "TEJIDO_DEMO_PASSWORD"  # noqa: S105  (the variable's name)


@transaction.atomic
def load_categories(path: Path = DEMO / "categories.json") -> int:
    """Create or update the category tree (parents come before their children)."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    by_slug = {category.slug: category for category in Category.objects.all()}
    for row in rows:
        category = by_slug.get(row["slug"])
        fields = {
            "icon": row["icon"],
            "colour": row["colour"],
            "essglobal_uri": row["essglobal_uri"],
        }
        if category is None:
            new = Category(slug=row["slug"], **fields)
            set_translations(new, "name", row["name"])
            new.name = row["name"]["en"]
            new.full_clean(exclude=["path", "depth", "numchild"])
            parent = by_slug[row["parent"]] if row["parent"] else None
            category = (
                Category.objects.add_child(parent, instance=new)
                if parent
                else Category.objects.add_root(instance=new)
            )
            by_slug[row["slug"]] = category
            continue
        for field, value in fields.items():
            setattr(category, field, value)
        set_translations(category, "name", row["name"])
        category.full_clean(exclude=["path", "depth", "numchild"])
        category.save()
    return len(rows)


def load_demo_regions(log) -> None:
    """Each boundary file once: skipped when its level and country are already there."""
    for source in REGION_SOURCES:
        loaded = Region.objects.filter(level=source.level)
        if source.country:
            loaded = loaded.filter(country=source.country)
        if loaded.exists():
            continue
        count, repaired = load_regions(source)
        log(
            f"{count} regions from {source.path.name}"
            + (f" ({repaired} repaired)" if repaired else "")
        )


def _hours(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def build_listing(row: dict, now) -> Listing:
    """A Listing (not saved) from one demo record; dates are relative to `now`."""
    address = row["address"]
    listing = Listing(
        slug=row["slug"],
        kind=row["kind"],
        name=row["name"],
        original_language=row["original_language"],
        location=Point(row["lng"], row["lat"], srid=4326) if row["lat"] is not None else None,
        location_precision=row["location_precision"],
        street_address=address["street"],
        locality=address["locality"],
        admin1=address_admin1(address["country"], address["admin1"]),
        postal_code=address["postal_code"],
        country=address["country"],
        languages=row["languages"],
        access=row["access"],
        ownership_model=row["ownership_model"] or "",
        legal_form=row["legal_form"] or "",
        member_count=row["member_count"],
        founded_year=row["founded_year"],
        status=row["status"],
        verified_on=(now - timedelta(days=row["verified_days_ago"])).date()
        if row["verified_days_ago"] is not None
        else None,
        last_confirmed_at=now - timedelta(days=row["last_confirmed_days_ago"]),
    )
    for field in ("summary", "description", "eligibility_notes", "opening_hours_notes"):
        set_translations(listing, field, row[field])
    return listing


def build_needs(listing: Listing, rows: list[dict], now) -> list[Need]:
    needs = []
    today = now.date()
    for row in rows:
        need = Need(
            listing=listing,
            kind=row["kind"],
            original_language=listing.original_language,
            skills=row["skills"],
            quantity=row["quantity"],
            unit=row["unit"],
            urgency=row["urgency"],
            starts_on=today + timedelta(days=row["starts_in_days"]),
            ends_on=today + timedelta(days=row["ends_in_days"])
            if row["ends_in_days"] is not None
            else None,
            status=row["status"],
            last_confirmed_at=now - timedelta(days=row["last_confirmed_days_ago"]),
        )
        set_translations(need, "title", row["title"])
        set_translations(need, "description", row["description"])
        need.full_clean(exclude=["listing"])
        needs.append(need)
    return needs


@transaction.atomic
def load_listing(row: dict, categories: dict[str, Category], now) -> Listing:
    listing = services.listing_create(
        listing=build_listing(row, now),
        categories=[categories[slug] for slug in row["categories"]],
    )
    for position, contact in enumerate(row["contacts"]):
        item = Contact(listing=listing, position=position, **contact)
        item.full_clean()
        item.save()
    for weekday, opens, closes in row["opening_hours"]:
        period = OpeningPeriod(
            listing=listing, weekday=weekday, opens=_hours(opens), closes=_hours(closes)
        )
        period.full_clean()
        period.save()
    for need in build_needs(listing, row["needs"], now):
        need.save()
    return listing


def name_demo_admin1(rows: list[dict], existing: dict[str, str]) -> int:
    """Demo listings stored with the fixtures' GeoNames admin1 code (loaded before codes
    were named) get the state or province name; an admin1 edited since is left alone.
    Returns how many were renamed."""
    renamed = 0
    slugs_by_change: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        address = row["address"]
        name = address_admin1(address["country"], address["admin1"])
        if existing.get(row["slug"]) == address["admin1"] != name:
            key = (address["country"], address["admin1"], name)
            slugs_by_change.setdefault(key, []).append(row["slug"])
    for (country, code, name), slugs in slugs_by_change.items():
        renamed += Listing.objects.filter(slug__in=slugs, country=country, admin1=code).update(
            admin1=name
        )
    return renamed


def load_demo_listings(path: Path = DEMO / "listings.json") -> int:
    rows = json.loads(path.read_text(encoding="utf-8"))
    existing = dict(Listing.objects.values_list("slug", "admin1"))
    name_demo_admin1(rows, existing)
    categories = {category.slug: category for category in Category.objects.all()}
    now = timezone.now()
    created = 0
    for row in rows:
        if row["slug"] in existing:
            continue
        load_listing(row, categories, now)
        created += 1
    return created


#: The demo admin's and moderator's authenticator secret (base32), documented in README.md:
#: `manage.py demo_totp` prints its current code. Never used outside the demo accounts.
DEMO_TOTP_SECRET_ENV = "TEJIDO_DEMO_TOTP_SECRET"  # noqa: S105 (a variable's name)
DEMO_TOTP_SECRET = "TEJIDODEMOSECRETTOTPMAKERUNABCDE"  # noqa: S105 (public, demo only)


def demo_totp_secret() -> str:
    return os.environ.get(DEMO_TOTP_SECRET_ENV) or DEMO_TOTP_SECRET


def ensure_demo_totp(user) -> None:
    """Give a demo account an authenticator app on the demo secret (once)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, demo_totp_secret())


def ensure_demo_people(password: str) -> list[str]:
    """Demo accounts: an admin, a moderator, an organizer and a lead of a few listings."""
    User = get_user_model()
    moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    organizers, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    people = [
        ("admin", {"is_staff": True, "is_superuser": True}, None),
        ("moderadora", {"is_staff": True}, moderators),
        ("organizer", {}, organizers),
        ("lead", {}, None),
    ]
    for username, flags, group in people:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org", **flags}
        )
        if created:
            user.set_password(password)
            user.save()
        account_email_verify(user=user)
        if group is not None:
            user.groups.add(group)
        if flags:  # the admin and the moderator sign in with a second factor
            ensure_demo_totp(user)
    lead = User.objects.get(username="lead")
    if not ListingMembership.objects.filter(user=lead).exists():
        for listing in Listing.objects.order_by("id")[:5]:
            ListingMembership.objects.create(listing=listing, user=lead, role=MembershipRole.LEAD)
    return [username for username, _flags, _group in people]


def load_demo(log=print, *, password: str | None = None) -> dict[str, int]:
    """Everything the demo needs; fast when it is already loaded."""
    log(f"{load_categories()} categories")
    with boundaries_batch():
        load_demo_regions(log)
        if not Place.objects.exists():
            load_gazetteer(americas_country_codes() | {"US"}, progress=log)
        elif named := name_gazetteer_admin1():
            log(f"{named} places given their state or province name")
    with stats.batch():
        created = load_demo_listings()
    log(f"{created} demo listings added ({Listing.objects.count()} in all)")
    people = ensure_demo_people(password) if password else []
    return {"listings": created, "people": len(people)}
