"""Reminders in the application (*Notices*): how many are unread, and marking them read."""

from django.utils import timezone

from alianzas import generations
from seguimiento.models import Reminder


def unread_count(user) -> int:
    return Reminder.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user, reminder_id: int) -> bool:
    """Mark one of ``user``'s reminders read; False if it is not theirs."""
    reminder = Reminder.objects.filter(pk=reminder_id, recipient=user).first()
    if reminder is None:
        return False
    Reminder.objects.filter(pk=reminder.pk, read_at__isnull=True).update(read_at=timezone.now())
    generations.person_changed(user.pk)  # the unread count in their navigation
    return True


def mark_all_read(*, user) -> int:
    marked = Reminder.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    generations.person_changed(user.pk)
    return marked
