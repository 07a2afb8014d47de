import pytest
from django.contrib.auth.models import Group

from accounts.models import MODERATORS_GROUP
from tests.factories import UserFactory


@pytest.fixture
def people(db):
    """Everyone a page may meet: no account, a stranger, a lead, an editor, a moderator."""
    moderator = UserFactory(username="moderadora")
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return {
        "anonymous": None,
        "stranger": UserFactory(username="stranger"),
        "lead": UserFactory(username="lead"),
        "editor": UserFactory(username="editor"),
        "moderator": moderator,
    }
