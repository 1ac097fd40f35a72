"""One message per recipient: reminders claimed set-wise, then written in batches.

``claim_messages`` puts each recipient's reminders not e-mailed yet (those past the last
claim's mark, ``ReminderClaim``) into one new message per recipient with one UPDATE,
one claim at a time, so two sweeps never claim the same reminder; after the commit it
queues tasks
(``compose_reminder_messages``) that write the messages in batches: each in its
recipient's language, stored, then queued for sending after its own commit.
"""

import datetime
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from alianzas.models import User
from seguimiento.models import EmailOptOut, OutgoingMessage, Reminder, ReminderRule
from seguimiento.models.reminders import ReminderClaim
from seguimiento.reminders.delivery import after_commit, queue_send
from seguimiento.reminders.unsubscribe import unsubscribe_url
from seguimiento.reminders.wording import Loaded, describe, load, site_url

# An e-mail lists this many items of each kind, and links to the notifications page
# for the rest.
ITEMS_PER_KIND = 15
# Messages written by one task: a few queries for the batch, then one UPDATE each.
COMPOSE_BATCH = 200


@dataclass
class Claimed:
    run: str
    message_ids: list[int]
    skipped: int


def claimed_upto() -> int:
    """Every reminder whose id is at most this has been claimed (e-mailed or skipped):
    where the next claim starts reading."""
    mark = ReminderClaim.objects.order_by("-upto").values_list("upto", flat=True).first()
    return mark or 0


def message_reminders(messages) -> QuerySet:
    """The reminders claimed into ``messages`` (reminder messages with their recipient
    set), found through the index of (recipient, id) from their claim's mark on: the
    message's id is in no index, so that the claim updates the rows in place."""
    messages = list(messages)
    runs = {message.run for message in messages}
    marks = dict(ReminderClaim.objects.filter(run__in=runs).values_list("run", "after"))
    # A message claimed before the marks existed: all of its recipient's reminders.
    after = min((marks.get(run, 0) for run in runs), default=0)
    return Reminder.objects.filter(
        recipient_id__in={message.recipient_id for message in messages},
        pk__gt=after,
        message_id__in=[message.pk for message in messages],
    )


def claim_messages(*, now: datetime.datetime) -> Claimed:
    """Put every reminder not e-mailed yet into one new message per recipient, in a few
    statements whatever their number, and queue the writing of the messages.

    The reminders not e-mailed yet are those past the last claim's mark
    (``ReminderClaim``) still pending: read by their ids, since their status is in no
    index (the UPDATE below then rewrites each row in place, in its own page, instead of
    adding an entry for it to every index). The claim locks the table against writes
    while it runs (reading goes on): claims happen one at a time, and no reminder is
    being inserted meanwhile, so every reminder up to the highest id it sees is committed
    and the new mark never passes one still to come. A reminder inserted after the lock
    has a higher id and is the next claim's. Everything commits together: a sweep stopped
    here leaves the reminders pending and the mark where it was.
    """
    # Identifiers only (Model._meta.db_table); every value below is a bound parameter.
    reminder = Reminder._meta.db_table
    message = OutgoingMessage._meta.db_table
    user = User._meta.db_table
    opt_out = EmailOptOut._meta.db_table
    run = uuid.uuid4().hex
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # SHARE ROW EXCLUSIVE: waits for the inserts under way and holds off new
            # ones and other claims (it conflicts with itself) until the commit.
            # SQLite has one writer at a time already.
            cursor.execute(f"LOCK TABLE {reminder} IN SHARE ROW EXCLUSIVE MODE")
        after = claimed_upto()
        cursor.execute(f"SELECT MAX(id) FROM {reminder}")  # nosec B608 - db_table only
        upto = cursor.fetchone()[0] or 0
        if upto <= after:
            return Claimed(run, [], 0)
        params = {
            "run": run,
            "now": connection.ops.adapt_datetimefield_value(now),
            "pending": Reminder.Email.PENDING,
            "included": Reminder.Email.INCLUDED,
            "skipped": Reminder.Email.SKIPPED,
            "composing": OutgoingMessage.Status.COMPOSING,
            "language": settings.LANGUAGE_CODE,
            "after": after,
            "upto": upto,
        }
        # The reminders this claim reads: a range of the primary key.
        unclaimed = f"""
            {reminder}.id > %(after)s AND {reminder}.id <= %(upto)s
            AND {reminder}.email_status = %(pending)s
        """  # nosec B608 - db_table names only; values bound
        # Kinds switched off, and people who cannot be e-mailed: the application only.
        # IN, not EXISTS: both sets are small and read once (hashed), not once a reminder.
        cursor.execute(
            f"""
            UPDATE {reminder} SET email_status = %(skipped)s
            WHERE {unclaimed} AND (
                ({reminder}.recipient_id, {reminder}.rule) IN (SELECT o.user_id, o.rule
                                                               FROM {opt_out} o)
                OR {reminder}.recipient_id IN (SELECT u.id FROM {user} u
                                               WHERE NOT u.is_active OR u.email = '')
            )
            """,  # nosec B608 - db_table names only; values bound
            params,
        )
        skipped = max(cursor.rowcount, 0)
        cursor.execute(
            f"""
            INSERT INTO {message}
                (recipient_id, address, language, subject, text, html, unsubscribe_url,
                 status, attempts, error, created_at, next_attempt_at, run)
            SELECT u.id, u.email, COALESCE(NULLIF(u.language, ''), %(language)s), '', '', '',
                   '', %(composing)s, 0, '', %(now)s, %(now)s, %(run)s
            FROM {user} u
            JOIN (SELECT DISTINCT recipient_id FROM {reminder}
                  WHERE {unclaimed}) due ON due.recipient_id = u.id
            """,  # nosec B608 - db_table names only; values bound
            params,
        )
        # Each reminder joined with its person's new message, found in the index of
        # messages being written, (run, recipient_id).
        cursor.execute(
            f"""
            UPDATE {reminder} SET email_status = %(included)s, message_id = m.id
            FROM {message} m
            WHERE m.run = %(run)s AND m.status = %(composing)s
              AND m.recipient_id = {reminder}.recipient_id AND {unclaimed}
            """,  # nosec B608 - db_table names only; values bound
            params,
        )
        cursor.execute(
            f"""
            DELETE FROM {message}
            WHERE run = %(run)s AND status = %(composing)s
              AND NOT EXISTS (SELECT 1 FROM {reminder} r
                              WHERE r.recipient_id = {message}.recipient_id
                                AND r.id > %(after)s AND r.id <= %(upto)s
                                AND r.message_id = {message}.id)
            """,  # nosec B608 - db_table names only; values bound
            params,
        )
        # Nothing is left pending under the lock; were anything left, the mark stops
        # before it, so that the next claim reads it.
        cursor.execute(
            f"SELECT MIN(id) FROM {reminder} WHERE {unclaimed}",  # nosec B608 - as above
            params,
        )
        left = cursor.fetchone()[0]
        mark = upto if left is None else left - 1
        if mark > after:
            ReminderClaim.objects.create(run=run, after=after, upto=mark, created_at=now)
        message_ids = list(
            OutgoingMessage.objects.filter(run=run, status=OutgoingMessage.Status.COMPOSING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        queue_composing(message_ids)
    return Claimed(run, message_ids, skipped)


@shared_task(name="seguimiento.compose_reminder_messages", acks_late=True)
def compose_reminder_messages(message_ids: list[int]) -> int:
    """Write a batch of claimed messages, each in its recipient's language, and queue them."""
    return compose_messages(message_ids)


def queue_compose(message_ids: list[int]) -> None:
    compose_reminder_messages.delay(list(message_ids))


def queue_composing(message_ids: list[int]) -> None:
    """After the commit, one task per batch of messages writes them (in-process without a
    broker, spread over the workers with one)."""
    for start in range(0, len(message_ids), COMPOSE_BATCH):
        batch = message_ids[start : start + COMPOSE_BATCH]
        after_commit(queue_compose, batch)


def compose_messages(message_ids, *, today: datetime.date | None = None) -> int:
    """Write the messages still being written among ``message_ids``, each in its
    recipient's language, and queue them for sending; returns how many were written.

    Each becomes "queued" with a conditional UPDATE, so a batch written twice (a task
    delivered again) queues each message once.
    """
    today = today or timezone.localdate()
    messages = list(
        OutgoingMessage.objects.filter(
            pk__in=list(message_ids), status=OutgoingMessage.Status.COMPOSING
        ).select_related("recipient")
    )
    if not messages:
        return 0
    theirs = message_reminders(messages)
    counts = defaultdict(Counter)
    for message_id, rule, count in (
        theirs.values_list("message_id", "rule").annotate(count=Count("pk")).order_by()
    ):
        counts[message_id][rule] = count
    # The first ITEMS_PER_KIND of each kind in each message, in one query.
    shown = list(
        theirs.annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("message_id"), F("rule")],
                order_by=[F("alliance_id").asc(), F("object_id").asc(), F("period").asc()],
            )
        ).filter(position__lte=ITEMS_PER_KIND)
    )
    loaded = load(shown, today=today)
    by_message = defaultdict(list)
    for reminder in shown:
        by_message[reminder.message_id].append(reminder)
    steps = {}
    written = 0
    for message in messages:
        with translation.override(message.language):
            render_message(message, counts[message.pk], by_message[message.pk], loaded, steps)
        with transaction.atomic():
            updated = OutgoingMessage.objects.filter(
                pk=message.pk, status=OutgoingMessage.Status.COMPOSING
            ).update(
                status=OutgoingMessage.Status.QUEUED,
                subject=message.subject,
                text=message.text,
                html=message.html,
                unsubscribe_url=message.unsubscribe_url,
                next_attempt_at=timezone.now(),
            )
            if updated:
                written += 1
                after_commit(queue_send, message.pk)
    return written


def render_message(message, counts: Counter, reminders, loaded: Loaded, steps: dict) -> None:
    """Fill in the message's subject, text and HTML in the active language."""
    today = timezone.localdate()
    user = message.recipient
    order = {rule: position for position, rule in enumerate(ReminderRule.values)}
    reminders = sorted(reminders, key=lambda r: order[r.rule])
    items = describe(reminders, today=today, loaded=loaded, steps=steps)
    items_by_rule = defaultdict(list)
    for item in items:
        item.url = site_url(item.url)
        items_by_rule[item.reminder.rule].append(item)
    sections = [
        {
            "title": rule.label,
            "items": items_by_rule[rule.value],
            "more": counts[rule.value] - len(items_by_rule[rule.value]),
            "unsubscribe_url": unsubscribe_url(user.pk, [rule.value]),
        }
        for rule in ReminderRule
        if counts.get(rule.value)
    ]
    total = sum(counts.values())
    message.subject = ngettext(
        "Alianzas: %(count)s reminder", "Alianzas: %(count)s reminders", total
    ) % {"count": total}
    message.unsubscribe_url = unsubscribe_url(user.pk, list(counts))
    context = {
        "user": user,
        "sections": sections,
        "total": total,
        "notifications_url": site_url(reverse("seguimiento:notifications")),
        "preferences_url": site_url(reverse("seguimiento:reminder_preferences")),
        "unsubscribe_url": message.unsubscribe_url,
    }
    message.text = render_to_string("emails/reminders.txt", context)
    message.html = render_to_string("emails/reminders.html", context)
