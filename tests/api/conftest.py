import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def personas(db):
    """Anonymous, a stranger, a lead, an editor, a moderator and an organizer."""
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
