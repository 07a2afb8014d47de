import pytest
from django.utils import translation

from pages.cards import forget_taxonomy
from pages.needs import forget_regions
from tests.factories import UserFactory, with_totp


@pytest.fixture(autouse=True)
def _english_by_default():
    """Tests start in the source language; a test that needs another activates it."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _taxonomy_read_afresh():
    """A process keeps the taxonomy it read (pages.cards.CategoryNames) and the regions
    with needs (the volunteer board's menu); each test's data rolls back with it, so each
    test reads them afresh."""
    forget_taxonomy()
    forget_regions()
    yield
    forget_taxonomy()
    forget_regions()


@pytest.fixture
def people(db):
    """Everyone a request may come from: no account, a stranger, a lead, an editor, a
    moderator (with an authenticator app, which moderators need: accounts/mfa.py) and an
    organizer."""
    from django.contrib.auth.models import Group

    from accounts.models import MODERATORS_GROUP, ORGANIZERS_GROUP

    moderator = with_totp(UserFactory(username="moderadora"))
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    organizer = UserFactory(username="organizadora")
    organizer.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    return {
        "anonymous": None,
        "stranger": UserFactory(username="stranger"),
        "lead": UserFactory(username="lead"),
        "editor": UserFactory(username="editor"),
        "moderator": moderator,
        "organizer": organizer,
    }
