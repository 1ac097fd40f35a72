"""Reminder tasks: the periodic sweep (Celery beat) and the sending of each stored message.

Tasks are thin: they take ids and call ``seguimiento.reminders``. A message is rendered
in its recipient's language when it is composed and stored, so sending renders nothing.
Both are acknowledged late: a worker killed mid-task hands it to another, and the claims
in ``reminders`` make running it twice harmless.
"""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from seguimiento import reminders

logger = logging.getLogger(__name__)


@shared_task(name="seguimiento.sweep_reminders", acks_late=True)
def sweep_reminders() -> dict:
    """Record every reminder due now and claim them into one message per recipient."""
    report = reminders.sweep()
    summary = {
        "recorded": sum(report.recorded.values()),
        "messages": len(report.claimed.message_ids),
        "requeued": report.requeued,
    }
    logger.info("Reminder sweep: %s", summary)
    return summary


@shared_task(name="seguimiento.compose_reminder_messages", acks_late=True)
def compose_reminder_messages(message_ids: list[int]) -> int:
    """Write a batch of claimed messages, each in its recipient's language, and queue them."""
    return reminders.compose_messages(message_ids)


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
            return reminders.deliver(message_id, retry_at=retry_at)
        except reminders.RETRYABLE as error:
            if final:
                logger.warning("Reminder e-mail %s failed for good: %s", message_id, error)
                return "failed"
            if self.request.is_eager:
                # No broker (the embedded default): Celery would re-raise the retry to the
                # caller, so try again here, at once, as its eager retries do.
                retries += 1
                continue
            raise self.retry(exc=error, countdown=countdown) from error
