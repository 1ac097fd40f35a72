"""The dashboard's list of alliances waiting on requirements checks up to five of a
coordinator's alliances at once: what every check reads (the current members, the actors
committed in the cycle) is read for all of them together, and each alliance's next step is
the one its own page shows."""

import datetime

import pytest
from django.test.utils import override_settings

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Role, Sector
from fases.selectors import blocked_alliances
from fases.services import next_step
from seguimiento.models import CommitmentStatus
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def alliance_in(phase, coordinator, *, cycle=1, committed=True, left=False):
    alliance = AllianceFactory(coordinators=[coordinator], phase=phase, cycle=cycle)
    public = ActorFactory(sector=Sector.PUBLIC)
    private = ActorFactory(sector=Sector.PRIVATE)
    MembershipFactory(alliance=alliance, actor=public, role=Role.LEADER)
    MembershipFactory(alliance=alliance, actor=private)
    if left:  # a member who left: neither counted nor asked for a commitment
        MembershipFactory(
            alliance=alliance, actor=ActorFactory(), left_on=datetime.date(2026, 2, 1)
        )
    IndicatorFactory(
        objective=ObjectiveFactory(alliance=alliance), responsible_actor=public, frequency=""
    )
    CommitmentFactory(alliance=alliance, actor=public, cycle=cycle)
    # The private actor's commitment: of another cycle, cancelled, or none.
    if committed:
        CommitmentFactory(alliance=alliance, actor=private, cycle=cycle)
    elif cycle > 1:
        CommitmentFactory(alliance=alliance, actor=private, cycle=cycle - 1)
    else:
        CommitmentFactory(
            alliance=alliance, actor=private, cycle=cycle, status=CommitmentStatus.CANCELLED
        )
    return alliance


@override_settings(PAGE_CACHE=False)
def test_each_alliance_gets_the_next_step_its_own_page_shows(django_assert_max_num_queries):
    coordinator = UserFactory()
    made = [
        alliance_in(Phase.IDENTIFICATION, coordinator, committed=False),
        alliance_in(Phase.IMPLEMENTATION, coordinator, left=True),
        alliance_in(Phase.IMPLEMENTATION, coordinator, cycle=2, committed=False),
        alliance_in(Phase.MONITORING, coordinator),
        alliance_in(Phase.EVALUATION, coordinator, cycle=2),
    ]
    with django_assert_max_num_queries(16):
        blocked = blocked_alliances(coordinator)

    assert blocked
    for alliance, step in blocked:
        fresh = Alliance.objects.get(pk=alliance.pk)
        expected = next_step(fresh)
        assert step == expected, alliance.phase
    # Those whose step lacks nothing are left out; the others are all there.
    lacking = {
        a.pk for a in made if (step := next_step(Alliance.objects.get(pk=a.pk))) and step.unmet
    }
    assert {alliance.pk for alliance, _step in blocked} == lacking
    # The missing commitments (another cycle's, a cancelled one) are named, once each.
    codes = [r.code for _alliance, step in blocked for r in step.unmet]
    assert codes.count("actor_commitment") >= 2
