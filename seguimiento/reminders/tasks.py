"""The reminders' Celery tasks, by the names beat and the workers know them by. Each is
defined beside the work it does, and thin: it takes ids and calls that work.

- ``seguimiento.sweep_reminders``: the sweep (``seguimiento.reminders``), queued by beat;
- ``seguimiento.compose_reminder_messages``: write a batch of claimed messages (``outbox``);
- ``seguimiento.send_reminder_message``: send one stored message, with retries
  (``delivery``).

All are acknowledged late: a worker killed mid-task hands it to another, and the claims
make running one twice harmless. Importing the package registers them.
"""

from seguimiento.reminders import sweep_reminders
from seguimiento.reminders.delivery import send_reminder_message
from seguimiento.reminders.outbox import compose_reminder_messages

__all__ = ["compose_reminder_messages", "send_reminder_message", "sweep_reminders"]
