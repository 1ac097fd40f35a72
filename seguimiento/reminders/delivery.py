"""Sending a stored message: once, with retries, and queued again by the admin.

The task (``send_reminder_message``) takes the message's id and calls ``deliver``, which
claims the message (queued → sending) before sending it, so a task delivered twice sends
it once, and records the outcome. A refused or unreachable mail server is retried with
exponential backoff. The task is acknowledged late: a worker killed mid-task hands it to
another, and the claim makes running it twice harmless.
"""

import datetime
import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from seguimiento.models import OutgoingMessage

logger = logging.getLogger(__name__)

# Errors worth another attempt: the mail server refused or could not be reached.
RETRYABLE = (SMTPException, OSError)
# A message that has been claimed this many times (failures, and workers dying while
# sending it) is marked failed instead of being tried again.
MAX_SEND_ATTEMPTS = settings.REMINDER_SEND_MAX_RETRIES + 1


def after_commit(queue, *args) -> None:
    """Queue a task once the transaction commits. Robust: a broker that cannot be reached
    is logged, and the sweep queues the message again later (``recover_messages``)."""

    def queue_it():
        queue(*args)

    queue_it.__qualname__ = f"{queue.__name__}{args!r}"
    transaction.on_commit(queue_it, robust=True)


def deliver(message_id: int, *, retry_at: datetime.datetime | None = None) -> str:
    """Send the stored message once and record the outcome: "sent", or "skipped" when it
    was not queued (already sent, or being sent by another task). A failure is recorded
    and re-raised: queued again for ``retry_at`` if it is worth retrying (``RETRYABLE``)
    and a time is given, failed for good otherwise."""
    now = timezone.now()
    # The claim: a task delivered twice, or a retry racing a re-queue, sends it once.
    claimed = OutgoingMessage.objects.filter(
        pk=message_id, status=OutgoingMessage.Status.QUEUED
    ).update(status=OutgoingMessage.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
    if not claimed:
        return "skipped"
    message = OutgoingMessage.objects.get(pk=message_id)
    headers = {"Auto-Submitted": "auto-generated", "Message-ID": message_id_header(message)}
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.text, to=[message.address], headers=headers
    )
    email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except Exception as error:
        description = f"{type(error).__name__}: {error}"[:2000]
        if retry_at is None or not isinstance(error, RETRYABLE):
            OutgoingMessage.objects.filter(pk=message_id).update(
                status=OutgoingMessage.Status.FAILED, error=description
            )
        else:
            OutgoingMessage.objects.filter(pk=message_id).update(
                status=OutgoingMessage.Status.QUEUED, error=description, next_attempt_at=retry_at
            )
        raise
    OutgoingMessage.objects.filter(pk=message_id).update(
        status=OutgoingMessage.Status.SENT, sent_at=timezone.now(), error=""
    )
    return "sent"


def message_id_header(message: OutgoingMessage) -> str:
    """The same Message-ID on every attempt at one stored message: if a worker dies after
    the mail server accepted it but before "sent" is recorded, the copy sent again is
    recognisably the same e-mail (mail clients and servers that de-duplicate by
    Message-ID show it once)."""
    stamp = message.created_at.strftime("%Y%m%d%H%M%S")
    return f"<reminder.{message.pk}.{stamp}@{DNS_NAME}>"


def retry_delay(retries: int) -> float:
    """Exponential backoff: the base delay, doubled after each failure, at most an hour."""
    return min(settings.REMINDER_RETRY_DELAY * 2**retries, 3600)


@shared_task(
    bind=True,
    name="seguimiento.send_reminder_message",
    acks_late=True,
    max_retries=settings.REMINDER_SEND_MAX_RETRIES,
)
def send_reminder_message(self, message_id: int) -> str:
    """Send stored message ``message_id``; on a mail-server error retry it later."""
    retries = self.request.retries
    while True:
        final = retries >= self.max_retries
        countdown = retry_delay(retries)
        retry_at = None if final else timezone.now() + datetime.timedelta(seconds=countdown)
        try:
            return deliver(message_id, retry_at=retry_at)
        except RETRYABLE as error:
            if final:
                logger.warning("Reminder e-mail %s failed for good: %s", message_id, error)
                return "failed"
            if self.request.is_eager:
                # No broker (the embedded default): Celery would re-raise the retry to the
                # caller, so try again here, at once, as its eager retries do.
                retries += 1
                continue
            raise self.retry(exc=error, countdown=countdown) from error


def queue_send(message_id: int) -> None:
    """Hand the message to a worker (in-process without a broker)."""
    send_reminder_message.delay(message_id)


def requeue_failed(message_ids) -> int:
    """Queue failed messages again (the admin's action); returns how many."""
    with transaction.atomic():
        ids = list(
            OutgoingMessage.objects.select_for_update()
            .filter(pk__in=list(message_ids), status=OutgoingMessage.Status.FAILED)
            .values_list("pk", flat=True)
        )
        OutgoingMessage.objects.filter(pk__in=ids).update(
            status=OutgoingMessage.Status.QUEUED, next_attempt_at=timezone.now(), attempts=0
        )
        for message_id in ids:
            after_commit(queue_send, message_id)
    return len(ids)
