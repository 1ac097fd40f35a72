"""Concurrent changes on PostgreSQL: the row lock lets exactly one of them through."""

import threading

import pytest
from django.db import connections

from alianzas.models import Alliance
from fases.lifecycle import Phase
from fases.models import PhaseChange
from fases.services import PhaseChangeError, change_phase
from tests.factories import AllianceFactory, UserFactory, ready_for_implementation

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def run_at_once(count, action):
    """Run ``action`` in ``count`` threads released together; return what each one got."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as error:  # the outcome is what the test inspects
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("attempts", [2, 8])
def test_concurrent_attempts_make_exactly_one_change(attempts):
    coordinator = UserFactory()
    alliance = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))

    def attempt():
        # Each thread holds its own stale copy, as two browser tabs would.
        copy = Alliance.objects.get(pk=alliance.pk)
        return change_phase(alliance=copy, transition="start_implementation", user=coordinator)

    outcomes = run_at_once(attempts, attempt)

    changes = [o for o in outcomes if isinstance(o, PhaseChange)]
    refusals = [o for o in outcomes if isinstance(o, PhaseChangeError)]
    assert len(changes) == 1, outcomes
    assert len(refusals) == attempts - 1, outcomes
    alliance.refresh_from_db()
    assert alliance.phase == Phase.IMPLEMENTATION
    assert PhaseChange.objects.filter(alliance=alliance).count() == 1
