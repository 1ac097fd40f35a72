"""When each cycle of an alliance began: read from the PhaseChange rows."""

import datetime

from django.utils import timezone

from alianzas.lifecycle import NEW_CYCLE_TRANSITIONS


def cycle_started_on(alliance) -> datetime.date:
    """The first day of the alliance's current cycle.

    A new cycle begins with the change of phase that started it; the first one
    with the alliance's start date (or the day it was registered).
    """
    if alliance.cycle > 1:
        change = (
            alliance.phase_changes.filter(
                cycle=alliance.cycle, transition__in=NEW_CYCLE_TRANSITIONS
            )
            .order_by("created_at")
            .first()
        )
        if change is not None:
            return timezone.localdate(change.created_at)
    return alliance.start_date or timezone.localdate(alliance.created_at)
