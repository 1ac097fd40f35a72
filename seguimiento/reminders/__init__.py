"""Reminders: what falls due is recorded once as rows, then e-mailed once per recipient.

The sweep (``sweep``) runs every few minutes from Celery beat (the task
``seguimiento.sweep_reminders``), and by hand with ``manage.py send_reminders``:

1. ``record_due_reminders`` (``rules``) inserts every reminder now due with one
   ``INSERT … SELECT`` per rule: set-based, no object is loaded into Python. The unique
   constraint on (recipient, rule, object, period) makes a second sweep, a second beat or
   a redelivered task insert nothing; each INSERT commits by itself, so a sweep stopped
   half-way keeps what it recorded and the next one records the rest.
2. ``recover_messages`` (below) queues again the messages whose task was lost or whose
   worker died while sending them.
3. ``claim_messages`` (``outbox``) puts each recipient's reminders not e-mailed yet into
   one message per recipient and queues the tasks that write them (``wording``,
   ``unsubscribe``), each then queued for sending; ``deliver`` (``delivery``) sends each
   once and records the outcome.

The sweep itself costs a few statements whatever the number of commitments; writing the
messages costs a few queries per batch plus, for weekly summaries, the registered notes
(what each alliance's next step lacks), and runs on the workers.

A reminder is a row whatever happens to the e-mail: it shows in the application
(``inbox``) even for kinds the person switched off by e-mail.

Every name below is the package's: callers import them from ``seguimiento.reminders``.
"""

import datetime
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from celery import shared_task
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from seguimiento.models import OutgoingMessage, Reminder
from seguimiento.reminders.delivery import (
    MAX_SEND_ATTEMPTS,
    RETRYABLE,
    after_commit,
    deliver,
    message_id_header,
    queue_send,
    requeue_failed,
    retry_delay,
    send_reminder_message,
)
from seguimiento.reminders.inbox import mark_all_read, mark_read, unread_count
from seguimiento.reminders.outbox import (
    COMPOSE_BATCH,
    ITEMS_PER_KIND,
    Claimed,
    claim_messages,
    claimed_upto,
    compose_messages,
    compose_reminder_messages,
    message_reminders,
    queue_compose,
    queue_composing,
    render_message,
)
from seguimiento.reminders.rules import (
    DueQuery,
    due_now,
    due_queries,
    policy_parameters,
    record_due_reminders,
    recording_statements,
    register_rule,
)
from seguimiento.reminders.unsubscribe import (
    UNSUBSCRIBE_SALT,
    email_enabled_rules,
    read_unsubscribe_token,
    set_email_rules,
    switch_off,
    unsubscribe_token,
    unsubscribe_url,
)
from seguimiento.reminders.wording import (
    COMMITMENT_RULES,
    DIGEST_DETAILS,
    INDICATOR_RULES,
    Item,
    Loaded,
    describe,
    language_of,
    load,
    register_kind,
    register_summary_notes,
    site_url,
)

__all__ = [
    "COMMITMENT_RULES",
    "COMPOSE_BATCH",
    "DIGEST_DETAILS",
    "INDICATOR_RULES",
    "ITEMS_PER_KIND",
    "LOST_AFTER",
    "MAX_SEND_ATTEMPTS",
    "RETRYABLE",
    "STUCK_AFTER",
    "UNSUBSCRIBE_SALT",
    "Claimed",
    "DueQuery",
    "Item",
    "Loaded",
    "SweepReport",
    "after_commit",
    "claim_messages",
    "claimed_upto",
    "compose_messages",
    "compose_reminder_messages",
    "deliver",
    "describe",
    "dry_run",
    "due_now",
    "due_queries",
    "email_enabled_rules",
    "language_of",
    "load",
    "mark_all_read",
    "mark_read",
    "message_id_header",
    "message_reminders",
    "policy_parameters",
    "queue_compose",
    "queue_composing",
    "queue_send",
    "read_unsubscribe_token",
    "record_due_reminders",
    "recording_statements",
    "recover_messages",
    "register_kind",
    "register_rule",
    "register_summary_notes",
    "render_message",
    "requeue_failed",
    "retry_delay",
    "send_reminder_message",
    "set_email_rules",
    "site_url",
    "sweep",
    "sweep_reminders",
    "switch_off",
    "unread_count",
    "unsubscribe_token",
    "unsubscribe_url",
]

logger = logging.getLogger(__name__)

# A queued message whose task has not run this long after it was due was lost
# (the broker was down, or the process died between the commit and the queuing).
LOST_AFTER = datetime.timedelta(minutes=10)
# The lease of a send: a message still "sending" after this long belonged to a worker
# that died mid-send, and is queued again. Far longer than a send can take (the SMTP
# backend gives up after EMAIL_TIMEOUT), so a slow send is never taken over while it runs.
STUCK_AFTER = datetime.timedelta(minutes=30)


# --- Recovery: messages whose task was lost, or whose worker died ----------------------


def recover_messages(now: datetime.datetime) -> tuple[int, int]:
    """Queue again the messages whose task was lost (the broker was down, or the process
    died between the commit and the queuing), and those whose worker died while sending
    them (past the lease, ``STUCK_AFTER``): a send cut short is not lost. A message
    already claimed ``MAX_SEND_ATTEMPTS`` times is marked failed instead.

    A worker that dies after the mail server accepted a message but before recording it
    sent makes it go out twice, with the same Message-ID; one that dies earlier (the
    likely case: the send is the slow part) had not delivered it, and it goes out once.
    Returns (queued again, failed)."""
    lost = now - LOST_AFTER
    requeued = 0
    with transaction.atomic():
        for status, queue in (
            (OutgoingMessage.Status.COMPOSING, None),
            (OutgoingMessage.Status.QUEUED, queue_send),
        ):
            ids = list(
                OutgoingMessage.objects.filter(status=status, next_attempt_at__lt=lost)
                .order_by("pk")
                .values_list("pk", flat=True)[:5000]
            )
            # Conditional, so of two sweeps only one queues them again.
            again = [
                pk
                for pk in ids
                if OutgoingMessage.objects.filter(
                    pk=pk, status=status, next_attempt_at__lt=lost
                ).update(next_attempt_at=now)
            ]
            requeued += len(again)
            if queue is None:
                queue_composing(again)
            else:
                for pk in again:
                    after_commit(queue, pk)
    stuck = OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.SENDING, next_attempt_at__lt=now - STUCK_AFTER
    )
    failed = stuck.filter(attempts__gte=MAX_SEND_ATTEMPTS).update(
        status=OutgoingMessage.Status.FAILED,
        error=_("The worker stopped while sending this message; it may not have been sent."),
    )
    with transaction.atomic():
        ids = list(stuck.order_by("pk").values_list("pk", flat=True)[:5000])
        # Conditional on the claim's time, so of two sweeps only one queues each again.
        again = [
            pk
            for pk in ids
            if OutgoingMessage.objects.filter(
                pk=pk,
                status=OutgoingMessage.Status.SENDING,
                next_attempt_at__lt=now - STUCK_AFTER,
            ).update(
                status=OutgoingMessage.Status.QUEUED,
                next_attempt_at=now,
                # The same note as for a failed one: it is why the message is sent again.
                error=_(
                    "The worker stopped while sending this message; it may not have been sent."
                ),
            )
        ]
        for pk in again:
            after_commit(queue_send, pk)
    return requeued + len(again), failed


# --- The sweep ---------------------------------------------------------------------------


@dataclass
class SweepReport:
    dry_run: bool
    recorded: Counter
    claimed: Claimed | None = None
    requeued: int = 0
    failed_stuck: int = 0
    due: dict[int, Counter] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def sweep(*, now: datetime.datetime | None = None) -> SweepReport:
    """Record what is due and e-mail it: safe to run twice, or twice at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    started = time.monotonic()
    recorded = record_due_reminders(today=today, now=now)
    recorded_at = time.monotonic()
    requeued, failed = recover_messages(now)
    claimed = claim_messages(now=now)
    report = SweepReport(False, recorded, claimed, requeued, failed)
    report.seconds = {
        "record": recorded_at - started,
        # With no broker this includes writing and sending the messages, in-process.
        "claim": time.monotonic() - recorded_at,
    }
    return report


def dry_run(*, now: datetime.datetime | None = None) -> SweepReport:
    """What ``sweep`` would record and e-mail now, writing nothing: the same SELECTs,
    and the reminders already recorded but not e-mailed yet."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    started = time.monotonic()
    due = due_now(today=today)
    recorded = Counter()
    for counts in due.values():
        recorded.update(counts)
    pending = (
        # Past the last claim's mark: the e-mail status is in no index.
        Reminder.objects.filter(pk__gt=claimed_upto(), email_status=Reminder.Email.PENDING)
        .values_list("recipient_id", "rule")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for recipient_id, rule, count in pending:
        due.setdefault(recipient_id, Counter())[rule] += count
    return SweepReport(True, recorded, due=due, seconds={"select": time.monotonic() - started})


@shared_task(name="seguimiento.sweep_reminders", acks_late=True)
def sweep_reminders() -> dict:
    """Record every reminder due now and claim them into one message per recipient (the
    beat task; acknowledged late, and harmless when run twice)."""
    report = sweep()
    summary = {
        "recorded": sum(report.recorded.values()),
        "messages": len(report.claimed.message_ids),
        "requeued": report.requeued,
    }
    logger.info("Reminder sweep: %s", summary)
    return summary
