"""What browser tests of suspected duplicates share (DESIGN.md §9): the Boyle Heights
kitchen already on Tejido with its lead, a second lead about to list it again, and the
steps of the dashboard form in any language and on any device.

Fixtures here are imported by the test modules that use them (`from .duplicates import
kitchen, second_lead`)."""

import pytest
from django.contrib.gis.geos import Point

from directory.models import Listing
from tests.duplicates_scenario import AT_200_M, NEAR_NAME, existing_kitchen
from tests.factories import UserFactory, with_totp

from .helpers import t


@pytest.fixture
def kitchen(committed_db):
    """The published kitchen and its lead (committed: the live server sees them)."""
    lead = UserFactory(username="lead-cocina", email="lead.cocina@example.org")
    return existing_kitchen(lead=lead)


@pytest.fixture
def second_lead(committed_db):
    """Someone of the same project who does not know it is listed already."""
    return UserFactory(username="rosa", email="rosa@example.org", preferred_language="pt")


def decimal(lang: str, value: float) -> str:
    """A coordinate as a reader of `lang` types it (a decimal comma in es, pt and fr)."""
    text = f"{value:.6f}"
    return text if lang == "en" else text.replace(".", ",")


def fill_listing_form(page, lang: str, *, name: str = NEAR_NAME, point: Point = AT_200_M):
    """Fill the dashboard's new-listing form with the near duplicate: same kind, a similar
    name, ~200 m from the kitchen."""
    page.get_by_role("radio", name=t(lang, "Mutual aid"), exact=True).check()
    page.get_by_label(t(lang, "Name"), exact=True).fill(name)
    page.get_by_label(t(lang, "Which language do you mainly write in?")).select_option("es")
    page.get_by_label(t(lang, "Latitude"), exact=True).fill(decimal(lang, point.y))
    page.get_by_label(t(lang, "Longitude"), exact=True).fill(decimal(lang, point.x))
    page.get_by_label(t(lang, "City or town"), exact=True).fill("Los Angeles")
    page.get_by_label(t(lang, "State or province"), exact=True).fill("California")
    page.get_by_label(t(lang, "Country"), exact=True).select_option("US")


def submit_new_listing(page, lang: str):
    page.get_by_role("button", name=t(lang, "Send for review"), exact=True).click()
    page.wait_for_load_state()


def duplicate_warning(page, lang: str):
    """The warning shown instead of saving (a locator), checked for its heading."""
    warning = page.locator("#similar")
    heading = t(lang, "Is it one of these? Ask to join it instead")
    assert warning.get_by_role("heading", name=heading).is_visible()
    return warning


def saved(name: str = NEAR_NAME) -> bool:
    return Listing.objects.filter(name=name).exists()


@pytest.fixture
def moderator(committed_db):
    from django.contrib.auth.models import Group

    from accounts.models import MODERATORS_GROUP

    person = UserFactory(username="moderadora", email="moderadora@example.org")
    person.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return with_totp(person)  # moderation needs a second factor


def pending_near_duplicate(**overrides) -> Listing:
    """A second listing of the kitchen, waiting for a moderator."""
    from directory.choices import ListingKind, ListingStatus
    from tests.factories import ListingFactory

    values = {
        "name": NEAR_NAME,
        "slug": "cocina-comunitaria-de-boyle-heights",
        "kind": ListingKind.MUTUAL_AID,
        "location": AT_200_M,
        "status": ListingStatus.PENDING,
        "country": "US",
        "locality": "Los Angeles",
        "admin1": "California",
        **overrides,
    }
    return ListingFactory(**values)
