"""factory-boy factories for the directory's entities."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from directory.choices import ListingKind, ListingStatus, LocationPrecision, NeedKind, RegionLevel
from directory.models import Category, Listing, ListingMembership, Need, Place, Region


def box(min_x: float, min_y: float, max_x: float, max_y: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((min_x, min_y, max_x, max_y)), srid=4326)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


#: The authenticator secret (base32) `with_totp` gives: pyotp.TOTP(TOTP_SECRET).now() is a
#: valid code for it.
TOTP_SECRET = "TESTSECRETFORMODERATORSTOTPABCDE"


def with_totp(user, secret: str = TOTP_SECRET):
    """Give an account an authenticator app (TOTP), as setting it up on
    /accounts/2fa/totp/activate/ does: moderators and admins need one for their powers
    (accounts/mfa.py). Returns the user."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    user.__dict__.pop("_has_totp", None)  # asked afresh
    return user


class CategoryFactory(factory.django.DjangoModelFactory):
    """Root categories by default; `CategoryFactory.child_of(parent, ...)` for children."""

    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_en = factory.LazyAttribute(lambda c: c.slug.replace("-", " ").title())
    name_es = factory.LazyAttribute(lambda c: f"{c.name_en} (es)")

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        node = model_class(**kwargs)
        if parent:
            return model_class.objects.add_child(parent, instance=node)
        return model_class.objects.add_root(instance=node)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    slug = factory.Sequence(lambda n: f"region-{n}")
    name_en = factory.LazyAttribute(lambda r: r.slug.title())
    level = RegionLevel.ADMIN1
    geom = factory.LazyFunction(lambda: box(-100, 19, -98, 21))


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    kind = ListingKind.COOPERATIVE
    name = factory.Sequence(lambda n: f"Cooperativa Número {n}")
    slug = factory.Sequence(lambda n: f"cooperativa-{n}")
    original_language = "es"
    summary_es = "Una cooperativa de prueba."
    location = factory.LazyFunction(lambda: Point(-99.13321, 19.43261, srid=4326))
    location_precision = LocationPrecision.EXACT
    locality = "Ciudad de México"
    country = "MX"
    status = ListingStatus.PUBLISHED


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    listing = factory.SubFactory(ListingFactory)
    kind = NeedKind.VOLUNTEERS
    title_es = factory.Sequence(lambda n: f"Necesitamos voluntarias {n}")
    original_language = "es"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListingMembership

    listing = factory.SubFactory(ListingFactory)
    user = factory.SubFactory(UserFactory)
    role = "lead"


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    kind = "city"
    name = "Santa Ana"
    ascii_name = "santa ana"
    country = "US"
    admin1 = "CA"
    point = factory.LazyFunction(lambda: Point(-117.86783, 33.74557, srid=4326))
    population = 332318


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "directory.Contact"

    listing = factory.SubFactory(ListingFactory)
    kind = "email"
    value = factory.Sequence(lambda n: f"contact{n}@example.org")
