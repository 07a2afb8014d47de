import pytest
from django.utils import translation

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _english_by_default():
    """Tests start in the source language; a test that needs another activates it."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(db):
    """Everyone a request may come from: no account, a stranger, a lead, an editor, a
    moderator and an organizer."""
    from django.contrib.auth.models import Group

    from accounts.models import MODERATORS_GROUP, ORGANIZERS_GROUP

    moderator = UserFactory(username="moderadora")
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
