"""Action-point reminders on the real path: a Celery worker over Redis against PostgreSQL,
through the same sweep and outbox as every reminder. Each is recorded and e-mailed exactly
once, however many sweeps run; the coordinators hear of it after the grace period.
Under ``CI=true`` these fail, instead of skipping, when Redis or PostgreSQL is missing."""

import datetime
import os
import time

import pytest
from django.core import mail
from django.utils import timezone

from fases import governance
from seguimiento import reminders
from seguimiento.models import OutgoingMessage, Reminder, ReminderRule
from seguimiento.reminders.tasks import sweep_reminders
from tests.factories import ActorFactory, AllianceFactory, MembershipFactory, UserFactory
from tests.support import worker_on_redis

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # One Redis for every worker test: under pytest-xdist they run one after another.
    pytest.mark.xdist_group("redis"),
]

# A Redis database of these tests' own (test_reminders_worker uses 14): they empty it first.
REDIS_URL = os.environ.get("TEST_GOVERNANCE_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def worker(settings):
    with worker_on_redis(REDIS_URL, flush=True, pool="threads", concurrency=2):
        yield


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not reached in {timeout} s: {condition.__doc__}")


def sent(expected: int):
    def condition() -> bool:
        """every message sent"""
        statuses = list(OutgoingMessage.objects.values_list("status", flat=True))
        return len(statuses) == expected and set(statuses) == {"sent"}

    return condition


def test_an_overdue_action_point_is_emailed_once_to_its_owner_and_escalated(worker):
    coordinator = UserFactory(username="coordinadora", email="coordinadora@example.pe")
    owner = UserFactory(username="duena", email="duena@example.pe")
    alliance = AllianceFactory(coordinators=[coordinator])
    actor = ActorFactory(representatives=[owner])
    MembershipFactory(alliance=alliance, actor=actor)
    meeting = governance.save_meeting(
        alliance=alliance,
        user=coordinator,
        title="Sesión",
        starts_at=timezone.now(),
        place="Cusco",
        agenda="Uno",
    )
    governance.record_decision(
        meeting=meeting,
        user=coordinator,
        text="Decisión",
        action={
            "description": "Entregar el padrón de familias",
            "owner_actor": actor,
            "owner": owner,
            # Overdue for longer than the grace period (7 days): owner and coordinators.
            "due_date": timezone.localdate() - datetime.timedelta(days=10),
        },
    )

    sweep_reminders.delay()
    sweep_reminders.delay()
    # The coordinator also gets the weekly summary (when today is past its day) in the
    # same message: one message per person either way.
    wait_for(sent(2))
    again = reminders.sweep()
    time.sleep(0.5)  # anything sent twice would have arrived by now

    assert sum(again.recorded.values()) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["coordinadora@example.pe", "duena@example.pe"]
    rows = Reminder.objects.filter(rule__startswith="action_point")
    assert sorted(rows.values_list("recipient__username", "rule")) == [
        ("coordinadora", ReminderRule.ACTION_POINT_ESCALATION),
        ("duena", ReminderRule.ACTION_POINT_OVERDUE),
    ]
    assert set(rows.values_list("email_status", flat=True)) == {"included"}
    to_owner = next(m for m in mail.outbox if m.to == ["duena@example.pe"])
    assert "Entregar el padrón de familias" in to_owner.body
