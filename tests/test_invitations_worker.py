"""An invitation's e-mail on the real path: stored with the invitation, sent by a Celery
worker over Redis after the commit, once, and retried when the mail server refuses."""

import re

import pytest
from django.core import mail

from alianzas import invitations
from alianzas.models import Invitation, Role
from seguimiento.models import OutgoingMessage
from tests.factories import ActorFactory, AllianceFactory, MembershipFactory, UserFactory
from tests.support import worker_on_redis
from tests.test_reminders_worker import REDIS_URL, RefusingOnceBackend, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # One Redis for every worker test: under pytest-xdist they run one after another.
    pytest.mark.xdist_group("redis"),
]


@pytest.fixture
def worker(settings):
    settings.REMINDER_RETRY_DELAY = 0.2
    with worker_on_redis(REDIS_URL, flush=True, pool="threads", concurrency=2):
        yield


def test_the_invitation_is_sent_by_a_worker_once_in_the_invitees_language(worker, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders_worker.RefusingOnceBackend"
    RefusingOnceBackend.refusals = 1  # the mail server refuses the first attempt
    coordinator = UserFactory()
    alliance = AllianceFactory(coordinators=[coordinator], name="Agua para Pichari")
    actor = ActorFactory()
    MembershipFactory(alliance=alliance, actor=actor, role=Role.LEADER)
    invitation, _ = invitations.invite(
        user=coordinator,
        alliance=alliance,
        kind=Invitation.Kind.REPRESENTATIVE,
        email="rosa@example.pe",
        actor=actor,
        language="en",
    )

    def sent():
        """the invitation's e-mail sent"""
        return OutgoingMessage.objects.filter(status="sent").exists() and len(mail.outbox) == 1

    wait_for(sent)
    message = OutgoingMessage.objects.get()
    assert message.attempts == 2  # refused once, retried, sent once
    assert mail.outbox[0].to == ["rosa@example.pe"]
    assert mail.outbox[0].subject == "Invitation to the alliance “Agua para Pichari”"
    token = re.search(r"/invitacion/(\S+)/", mail.outbox[0].body).group(1)
    assert invitations.open_link(token).invitation == invitation
    assert RefusingOnceBackend.refusals == 0
