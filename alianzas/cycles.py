"""When each cycle of an alliance began: read from the PhaseChange rows."""

import datetime

from django.utils import timezone

from alianzas.lifecycle import NEW_CYCLE_TRANSITIONS

# ``Alliance.read_once`` key: the changes of phase that started the alliance's current
# cycle (a page that lists the alliance's history answers it from its own rows).
CYCLE_START_CHANGES = "cycle_start_changes"
# ``Alliance.read_once`` key: the changes of phase that started any of its cycles, newest
# first (the partnership health check dates each cycle by them).
NEW_CYCLE_CHANGES = "new_cycle_changes"


def cycle_started_on(alliance) -> datetime.date:
    """The first day of the alliance's current cycle.

    A new cycle begins with the change of phase that started it; the first one
    with the alliance's start date (or the day it was registered).
    """
    if alliance.cycle > 1:
        changes = alliance.read_once(
            CYCLE_START_CHANGES,
            lambda: list(
                # With the alliance's key: rows read through ``phase_changes`` are tied
                # to ``alliance`` by it (without it, one more query a row).
                alliance.phase_changes.filter(
                    cycle=alliance.cycle, transition__in=NEW_CYCLE_TRANSITIONS
                ).only("alliance", "created_at")
            ),
        )
        if changes:
            return timezone.localdate(min(change.created_at for change in changes))
    return alliance.start_date or timezone.localdate(alliance.created_at)


def started_the_cycle(alliance, changes) -> list:
    """Of ``changes`` (any of the alliance's changes of phase), those that started its
    current cycle: what ``cycle_started_on`` reads, from rows a page has already."""
    return [
        change
        for change in changes
        if change.cycle == alliance.cycle and change.transition in NEW_CYCLE_TRANSITIONS
    ]


def started_a_cycle(changes) -> list:
    """Of ``changes`` (any of the alliance's changes of phase), those that started one of
    its cycles, in the same order: what ``NEW_CYCLE_CHANGES`` reads, from rows a page has
    already."""
    return [change for change in changes if change.transition in NEW_CYCLE_TRANSITIONS]
