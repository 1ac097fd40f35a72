"""Concurrent changes on PostgreSQL: the row lock lets exactly one transition through,
and serialises progress updates so none is lost."""

import threading

import pytest
from django.conf import settings
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, PhaseChange
from fases.services import PhaseChangeError, change_phase
from seguimiento.models import Commitment, CommitmentUpdate
from seguimiento.services import log_progress
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MembershipFactory,
    UserFactory,
    ready_for_implementation,
)

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


@pytest.mark.parametrize("attempts", [2, 20])
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
    # The others are told, in the default language, that the alliance has moved on; none
    # is mistaken for a lack of permission, and nothing else (a deadlock, a timeout) happened.
    with translation.override(settings.LANGUAGE_CODE):
        moved_on = gettext("This change is not possible while the alliance is in “%(phase)s”.") % {
            "phase": Phase.IMPLEMENTATION.label
        }
    assert all(type(refusal) is PhaseChangeError for refusal in refusals), refusals
    assert {refusal.message for refusal in refusals} == {moved_on}
    alliance.refresh_from_db()
    assert (alliance.phase, alliance.cycle) == (Phase.IMPLEMENTATION, changes[0].cycle)
    audit = PhaseChange.objects.get(alliance=alliance)
    assert (audit.source_phase, audit.target_phase, audit.user) == (
        Phase.IDENTIFICATION,
        Phase.IMPLEMENTATION,
        coordinator,
    )


def test_twenty_representatives_logging_progress_at_once_keep_every_update():
    representatives = [UserFactory() for _ in range(20)]
    actor = ActorFactory(representatives=representatives)
    alliance = AllianceFactory()
    MembershipFactory(alliance=alliance, actor=actor)
    commitment = CommitmentFactory(alliance=alliance, actor=actor)
    queue = iter(enumerate(representatives))
    lock = threading.Lock()

    def update():
        with lock:
            number, person = next(queue)
        copy = Commitment.objects.get(pk=commitment.pk)
        return log_progress(
            commitment=copy, user=person, progress=number + 1, note=f"avance-{number}"
        )

    outcomes = run_at_once(20, update)

    assert all(isinstance(o, CommitmentUpdate) for o in outcomes), outcomes
    updates = list(CommitmentUpdate.objects.filter(commitment=commitment).order_by("pk"))
    assert sorted(u.note for u in updates) == sorted(f"avance-{n}" for n in range(20))
    assert {u.author for u in updates} == set(representatives)
    # The updates took turns on the commitment's row: it shows the last one written, and
    # each update's resulting status is the one the commitment had after it.
    commitment.refresh_from_db()
    assert commitment.progress == updates[-1].progress
    assert commitment.status == "in_progress"
    assert {u.status for u in updates} == {"in_progress"}


def test_reloading_a_changed_status_in_many_threads_at_once_never_trips_its_protection():
    """django-fsm reloads a protected state by switching the protection off on the field,
    which every instance shares; in a threaded server one thread switched it back on while
    another was reloading, and a progress update answered 500 after it was committed."""
    commitment = CommitmentFactory()
    Commitment.objects.filter(pk=commitment.pk).update(status="in_progress")

    def reload_many_times():
        copy = Commitment.objects.get(pk=commitment.pk)
        for _ in range(300):
            copy.__dict__["status"] = "pending"  # as a copy loaded before another's change
            copy.refresh_from_db(fields=["status", "progress"])
        return copy.status

    outcomes = run_at_once(8, reload_many_times)

    assert outcomes == ["in_progress"] * 8, outcomes
