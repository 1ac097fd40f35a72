"""seed_demo prints an invitation link that works under `make run` (fases/demo/invitation.py)."""

import re

import pytest
from django.conf import settings

from alianzas import invitations
from alianzas.models import Invitation, User
from seguimiento.models import OutgoingMessage
from tests.test_seed_demo import seed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_prints_an_invitation_link_that_works(client):
    """`make run`: the printed link (SITE_URL) opens the invitation; a new person accepts."""
    output = seed()
    url = re.search(r"https?://\S+/invitacion/\S+/", output).group(0)
    assert url.startswith(settings.SITE_URL)
    path = url[len(settings.SITE_URL.rstrip("/")) :]
    assert client.get(path).status_code == 200
    # A second run sends nothing new, and prints a link to the same invitation.
    messages = OutgoingMessage.objects.count()
    again = re.search(r"https?://\S+/invitacion/\S+/", seed()).group(0)
    assert OutgoingMessage.objects.count() == messages == 1
    assert invitations.open_link(again.rstrip("/").rsplit("/", 1)[1]).invitation.pk == (
        Invitation.objects.get().pk
    )
    response = client.post(
        path,
        {
            "first_name": "Invitada",
            "last_name": "Demo",
            "password1": "quinua-andina-2026",
            "password2": "quinua-andina-2026",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="invitada@demo.alianzas.pe").actors.exists()
    seed()  # once accepted, a rerun has nothing to invite to and does not fail
