"""Validation of the domain model: bad data is refused with a reason, never stored."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from alianzas.models import Direction, Membership, Role
from seguimiento.models import Commitment, Measurement
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as refusal:
        instance.full_clean()
    return refusal.value.message_dict


def test_alliance_cannot_end_before_it_starts():
    alliance = AllianceFactory.build(
        start_date=datetime.date(2026, 6, 1), end_date=datetime.date(2026, 5, 31)
    )
    assert "end_date" in errors_of(alliance)


def test_actor_ruc_must_be_valid():
    actor = ActorFactory.build(ruc="20131312954")
    assert "ruc" in errors_of(actor)


def test_two_actors_cannot_share_a_ruc_but_many_may_have_none():
    ActorFactory(ruc="20131312955")
    ActorFactory(ruc="")
    assert ActorFactory.build(ruc="").full_clean() is None
    assert errors_of(ActorFactory.build(ruc="20131312955"))


class TestMembership:
    def test_an_actor_is_an_active_member_only_once(self, alliance):
        membership = alliance.memberships.get()
        duplicate = Membership(alliance=alliance, actor=membership.actor, role=Role.FUNDER)
        assert "Este actor ya es miembro de la alianza." in str(errors_of(duplicate))

    def test_an_actor_may_rejoin_after_leaving(self, alliance):
        membership = alliance.memberships.get()
        membership.left_on = datetime.date(2026, 3, 1)
        membership.save()
        rejoined = Membership(alliance=alliance, actor=membership.actor, role=Role.FUNDER)
        rejoined.full_clean()
        rejoined.save()
        assert alliance.memberships.count() == 2

    def test_only_one_active_leader(self, alliance):
        MembershipFactory(alliance=alliance, role=Role.LEADER)
        second = MembershipFactory.build(alliance=alliance, actor=ActorFactory(), role=Role.LEADER)
        assert "La alianza ya tiene un actor líder." in str(errors_of(second))

    def test_cannot_leave_before_joining(self, alliance):
        membership = alliance.memberships.get()
        membership.left_on = membership.joined_on - datetime.timedelta(days=1)
        assert errors_of(membership)

    def test_lead_actor_is_the_active_leader(self, alliance):
        assert alliance.lead_actor is None
        leader = MembershipFactory(alliance=alliance, role=Role.LEADER)
        assert alliance.lead_actor == leader.actor
        leader.left_on = datetime.date(2026, 6, 1)
        leader.save()
        assert alliance.lead_actor is None


class TestIndicator:
    @pytest.mark.parametrize(
        ("direction", "target"),
        [
            (Direction.INCREASE, Decimal("120")),
            (Direction.INCREASE, Decimal("100")),
            (Direction.DECREASE, Decimal("120")),
            (Direction.DECREASE, Decimal("150")),
        ],
    )
    def test_target_must_move_in_the_indicator_direction(self, direction, target):
        indicator = IndicatorFactory.build(
            objective=IndicatorFactory().objective,
            direction=direction,
            baseline_value=Decimal("120"),
            target_value=target,
        )
        assert "target_value" in errors_of(indicator)

    def test_a_maintained_indicator_may_keep_its_baseline(self):
        indicator = IndicatorFactory(direction=Direction.MAINTAIN, target_value=Decimal("120"))
        indicator.full_clean()

    def test_target_date_after_baseline_date(self):
        indicator = IndicatorFactory.build(
            objective=IndicatorFactory().objective,
            baseline_date=datetime.date(2026, 1, 1),
            target_date=datetime.date(2026, 1, 1),
        )
        assert "target_date" in errors_of(indicator)

    def test_responsible_actor_must_be_a_current_member(self, alliance):
        indicator = IndicatorFactory(objective__alliance=alliance)
        indicator.responsible_actor = ActorFactory()
        assert "responsible_actor" in errors_of(indicator)
        indicator.responsible_actor = alliance.memberships.get().actor
        indicator.full_clean()


class TestCommitment:
    def test_only_member_actors_commit(self, alliance):
        outsider = ActorFactory()
        commitment = CommitmentFactory.build(alliance=alliance, actor=outsider)
        assert "actor" in errors_of(commitment)

    def test_a_former_member_cannot_commit(self, alliance):
        membership = alliance.memberships.get()
        membership.left_on = datetime.date(2026, 2, 1)
        membership.save()
        commitment = CommitmentFactory.build(alliance=alliance, actor=membership.actor)
        assert "actor" in errors_of(commitment)

    def test_a_member_commits_in_the_current_cycle_by_default(self, alliance):
        commitment = CommitmentFactory.build(
            alliance=alliance, actor=alliance.memberships.get().actor, cycle=None
        )
        commitment.full_clean()
        commitment.save()
        assert Commitment.objects.get().cycle == alliance.cycle == 1

    def test_value_cannot_be_negative(self, alliance):
        commitment = CommitmentFactory.build(
            alliance=alliance, actor=alliance.memberships.get().actor, value_pen=Decimal("-1")
        )
        assert "value_pen" in errors_of(commitment)

    def test_protected_status_cannot_be_assigned(self, alliance):
        commitment = CommitmentFactory(alliance=alliance, actor=alliance.memberships.get().actor)
        with pytest.raises(AttributeError):
            commitment.status = "fulfilled"


class TestMeasurement:
    @pytest.fixture(autouse=True)
    def _mid_july(self, time_machine):
        time_machine.move_to(datetime.datetime(2026, 7, 15, 12, 0), tick=False)

    def test_one_value_per_indicator_and_period(self):
        first = MeasurementFactory()
        again = MeasurementFactory.build(indicator=first.indicator, period_start=first.period_start)
        assert "ya tiene un valor para ese periodo" in str(errors_of(again))

    def test_a_period_that_has_not_started_is_refused(self):
        measurement = MeasurementFactory.build(
            indicator=IndicatorFactory(),
            period_start=datetime.date(2026, 8, 1),
            period_end=datetime.date(2026, 8, 31),
        )
        assert "period_start" in errors_of(measurement)

    def test_a_period_cannot_end_before_it_starts(self):
        measurement = MeasurementFactory.build(
            indicator=IndicatorFactory(),
            period_start=datetime.date(2026, 3, 1),
            period_end=datetime.date(2026, 2, 28),
        )
        assert "El periodo no puede terminar antes de empezar." in str(errors_of(measurement))

    def test_cycle_defaults_to_the_alliance_cycle(self):
        measurement = MeasurementFactory.build(indicator=IndicatorFactory(), cycle=None)
        measurement.full_clean()
        measurement.save()
        assert Measurement.objects.get().cycle == 1
