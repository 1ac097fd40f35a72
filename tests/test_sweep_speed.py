"""The reminder sweep's claim rewrites the new reminders in place, and never passes one.

Its speed is measured by ``bench_reminders`` (docs/performance.md), not here: these tests
keep what makes it fast (no index on what the claim writes, pages left part empty) and
what keeps it exactly once (the claim's mark, and the lock it reads it under).
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from seguimiento import reminders
from seguimiento.models import OutgoingMessage, Reminder
from seguimiento.models.reminders import ReminderClaim
from tests.factories import AllianceFactory, ReminderFactory, UserFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="HOT updates and table locks are PostgreSQL's"
)


def claim() -> reminders.Claimed:
    return reminders.claim_messages(now=timezone.now())


@postgres_only
def test_no_index_holds_what_the_claim_writes_and_pages_keep_room_for_it():
    table = Reminder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        indexes = dict(cursor.fetchall())
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cursor.fetchone()

    # An index on either (its columns or its condition) makes every claimed row a new
    # entry in every index instead of an update in place.
    assert [name for name, sql in indexes.items() if "email_status" in sql] == []
    assert [name for name, sql in indexes.items() if "message_id" in sql] == []
    # A recipient's reminders by id: the messages' reminders are found through it.
    assert "(recipient_id, id)" in indexes["reminder_recipient_id"]
    fillfactor = int(dict(option.split("=") for option in options)["fillfactor"])
    assert fillfactor <= 60


def test_a_claim_reads_past_the_last_mark_and_moves_it():
    first = ReminderFactory.create_batch(3, recipient=UserFactory(), alliance=AllianceFactory())

    claimed = claim()

    assert len(claimed.message_ids) == 1
    assert reminders.claimed_upto() == max(reminder.pk for reminder in first)
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"included"}
    # Nothing new: no message and the mark stays.
    marks = ReminderClaim.objects.count()
    assert claim().message_ids == []
    assert ReminderClaim.objects.count() == marks

    later = ReminderFactory(recipient=first[0].recipient, alliance=first[0].alliance)
    again = claim()

    later.refresh_from_db()
    assert (later.email_status, later.message_id) == ("included", again.message_ids[0])
    assert reminders.claimed_upto() == later.pk
    message = OutgoingMessage.objects.get(pk=again.message_ids[0])
    assert list(reminders.message_reminders([message])) == [later]


def test_the_dry_run_counts_the_reminders_not_claimed_yet():
    recipient, alliance = UserFactory(), AllianceFactory()
    ReminderFactory(recipient=recipient, alliance=alliance)
    claim()
    ReminderFactory.create_batch(2, recipient=recipient, alliance=alliance)

    report = reminders.dry_run()

    assert report.due[recipient.pk] == {"commitment_overdue": 2}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_claim_waits_for_a_reminder_being_inserted_and_never_passes_it():
    """A reminder inserted (not committed) before one with a higher id that is committed:
    reading only what is committed, a claim would set its mark past the first, which no
    claim would ever read again. The claim waits for the insert instead."""
    recipient, alliance = UserFactory(), AllianceFactory()
    inserted, release = threading.Event(), threading.Event()
    errors = []

    def insert_slowly():
        try:
            with transaction.atomic():
                ReminderFactory(recipient=recipient, alliance=alliance, period="slow")
                inserted.set()
                release.wait(10)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    slow = threading.Thread(target=insert_slowly)
    slow.start()
    assert inserted.wait(10)
    fast = ReminderFactory(recipient=recipient, alliance=alliance, period="fast")
    result = {}

    def run_claim():
        try:
            result["claimed"] = claim()
        finally:
            connections.close_all()

    claiming = threading.Thread(target=run_claim)
    claiming.start()
    time.sleep(0.5)
    assert claiming.is_alive()  # waiting for the insert under way
    release.set()
    slow.join(10)
    claiming.join(10)

    assert errors == []
    assert len(result["claimed"].message_ids) == 1
    assert dict(Reminder.objects.values_list("period", "email_status")) == {
        "slow": "included",
        "fast": "included",
    }
    assert reminders.claimed_upto() >= fast.pk


@pytest.mark.django_db(transaction=True)  # it starts from a new database connection
def test_the_benchmark_times_the_beat_task_itself(monkeypatch):
    from tools.management.commands.bench_reminders import Command as BenchReminders

    recipient = UserFactory()
    ReminderFactory.create_batch(2, recipient=recipient, alliance=AllianceFactory())
    ran = []
    task_body = reminders.sweep
    monkeypatch.setattr(reminders, "sweep", lambda **kw: ran.append(1) or task_body(**kw))

    figures = BenchReminders().run_task()

    assert ran == [1]  # seguimiento.sweep_reminders ran, which calls the sweep
    assert figures["queued"] == 1
    assert 0 < figures["record_seconds"] <= figures["seconds"]
    assert 0 < figures["claim_only_seconds"] <= figures["claim_seconds"]
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"included"}
    # The functions it timed are the package's own again.
    assert reminders.claim_messages is reminders.outbox.claim_messages
