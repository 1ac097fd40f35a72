"""Reminders on the real path: Celery workers over the Redis broker against PostgreSQL.

Sweeps run twice (and at once), the mail server refuses once, a sweep stops half-way:
each person still gets one e-mail, and each due reminder is e-mailed exactly once.
Under ``CI=true`` these fail, instead of skipping, when Redis or PostgreSQL is missing.
"""

import datetime
import os
import threading
import time
from collections import Counter
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from seguimiento import reminders
from seguimiento.models import OutgoingMessage, Reminder
from seguimiento.reminders.tasks import sweep_reminders
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MembershipFactory,
    UserFactory,
)
from tests.support import worker_on_redis

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # One Redis for every worker test: under pytest-xdist they run one after another.
    pytest.mark.xdist_group("redis"),
]

# A Redis database of these tests' own: they empty it first.
REDIS_URL = os.environ.get("TEST_REMINDERS_REDIS_URL", "redis://127.0.0.1:6379/14")


class RefusingOnceBackend(locmem.EmailBackend):
    """A mail server that drops the first connection, then accepts."""

    refusals = 0
    lock = threading.Lock()

    def send_messages(self, messages):
        with RefusingOnceBackend.lock:
            if RefusingOnceBackend.refusals:
                RefusingOnceBackend.refusals -= 1
                raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def workers(settings):
    """Four worker threads consuming from Redis, so two sweeps can run at once."""
    settings.REMINDER_RETRY_DELAY = 0.2
    with worker_on_redis(REDIS_URL, flush=True, pool="threads", concurrency=4):
        yield


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not reached in {timeout} s: {condition.__doc__}")


def all_sent(expected: int):
    def condition() -> bool:
        """every message sent"""
        statuses = list(OutgoingMessage.objects.values_list("status", flat=True))
        return (
            len(statuses) == expected
            and set(statuses) == {"sent"}
            and not Reminder.objects.filter(email_status="pending").exists()
            and len(mail.outbox) >= expected
        )

    return condition


def team(representatives: int = 3, coordinated: bool = True):
    """An alliance whose members each owe an overdue commitment and one due soon."""
    coordinator = UserFactory(username="coordinadora") if coordinated else None
    alliance = AllianceFactory(coordinators=[coordinator] if coordinator else [])
    today = timezone.localdate()
    people = []
    for number in range(representatives):
        person = UserFactory(username=f"representante-{number}")
        actor = ActorFactory(representatives=[person])
        MembershipFactory(alliance=alliance, actor=actor)
        CommitmentFactory(
            alliance=alliance, actor=actor, due_date=today - datetime.timedelta(days=10)
        )
        CommitmentFactory(
            alliance=alliance, actor=actor, due_date=today + datetime.timedelta(days=3)
        )
        people.append(person)
    return people + ([coordinator] if coordinator else [])


def one_email_each(people) -> None:
    time.sleep(0.5)  # anything sent twice would have arrived by now
    assert sorted(message.to[0] for message in mail.outbox) == sorted(p.email for p in people)


def expected_reminders(people) -> Counter:
    """What ``team()`` owes, counted from the people it made (not from the code under test):
    each representative one overdue commitment and one due soon; the coordinator one
    escalation per overdue commitment and the weekly summary of the alliance."""
    *representatives, coordinator = people
    expected = Counter()
    for person in representatives:
        expected[(person.pk, "commitment_overdue")] = 1
        expected[(person.pk, "commitment_due_soon")] = 1
    expected[(coordinator.pk, "commitment_escalation")] = len(representatives)
    expected[(coordinator.pk, "weekly_digest")] = 1
    return expected


def held_together(monkeypatch, module, name: str, barrier: threading.Barrier, met: Counter):
    """Replace ``module.name`` by a version that waits until two callers are inside it, so
    the two sweeps are provably at the same step at the same time."""
    original = getattr(module, name)

    def together(*args, **kwargs):
        barrier.wait()  # raises BrokenBarrierError after its timeout: no overlap, a failure
        met[name] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, together)


def test_two_sweeps_at_once_and_a_third_send_one_email_per_person(workers, monkeypatch):
    people = team()
    # Both sweeps wait for each other before recording, and again before claiming: they
    # record the same reminders at the same moment, then claim the same messages.
    met = Counter()
    recording, claiming = threading.Barrier(2, timeout=20), threading.Barrier(2, timeout=20)
    held_together(monkeypatch, reminders.rules, "due_queries", recording, met)
    held_together(monkeypatch, reminders, "claim_messages", claiming, met)

    sweep_reminders.delay()
    sweep_reminders.delay()
    wait_for(all_sent(len(people)))
    assert met == Counter(due_queries=2, claim_messages=2), met
    monkeypatch.undo()
    again = reminders.sweep()

    assert sum(again.recorded.values()) == 0
    assert again.claimed.message_ids == []
    one_email_each(people)
    # Each reminder once: overdue + due soon for each representative; the coordinator's
    # escalations and weekly summary.
    assert Counter(Reminder.objects.values_list("recipient_id", "rule")) == expected_reminders(
        people
    )
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"included"}


def test_a_message_the_mail_server_refuses_once_is_retried_and_sent_once(workers, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders_worker.RefusingOnceBackend"
    RefusingOnceBackend.refusals = 1
    people = team(representatives=1, coordinated=False)

    sweep_reminders.delay()
    wait_for(all_sent(1))

    one_email_each(people)
    message = OutgoingMessage.objects.get()
    assert (message.status, message.attempts, message.error) == ("sent", 2, "")
    assert RefusingOnceBackend.refusals == 0


def test_a_sweep_stopped_half_way_and_run_again_sends_every_due_reminder_once(workers, monkeypatch):
    people = team()
    expected = expected_reminders(people)

    # 1. Stopped while recording: only the first rules' reminders are in.
    queries = reminders.due_queries

    def stopped_after_three(today):
        yield from queries(today)[:3]
        raise RuntimeError("the worker was stopped")

    monkeypatch.setattr(reminders.rules, "due_queries", stopped_after_three)
    with pytest.raises(RuntimeError):
        reminders.sweep()
    monkeypatch.setattr(reminders.rules, "due_queries", queries)
    recorded_first = Reminder.objects.count()
    assert 0 < recorded_first < sum(expected.values())
    assert not OutgoingMessage.objects.exists()

    # 2. On a worker, stopped while writing the messages: one goes out, the rest wait.
    written = Counter()
    render = reminders.render_message

    def stopped_at_the_second(*args, **kwargs):
        written["calls"] += 1
        if written["calls"] == 2:
            raise RuntimeError("the worker was stopped")
        return render(*args, **kwargs)

    monkeypatch.setattr(reminders.outbox, "render_message", stopped_at_the_second)
    sweep_reminders.delay()

    def first_stop() -> bool:
        """one message sent, the others left being written"""
        return (
            written["calls"] >= 2
            and OutgoingMessage.objects.filter(status="sent").count() == 1
            and OutgoingMessage.objects.filter(status="composing").count() == len(people) - 1
        )

    wait_for(first_stop)
    monkeypatch.setattr(reminders.outbox, "render_message", render)

    # 3. The next sweep picks up what was left (at once here, instead of ten minutes on).
    monkeypatch.setattr(reminders, "LOST_AFTER", datetime.timedelta(0))
    sweep_reminders.delay()
    wait_for(all_sent(len(people)))

    one_email_each(people)
    recorded = Counter(Reminder.objects.values_list("recipient_id", "rule"))
    assert recorded == expected
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"included"}
    # Each person's reminders are all in their one message.
    for person in people:
        assert Reminder.objects.filter(recipient=person).values("message").distinct().count() == 1
