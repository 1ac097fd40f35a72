"""The API tests' shared cast: the permission matrix's world, with a personal token for
each signed-in role, and a client that sends it."""

import pytest
from rest_framework.test import APIClient

from alianzas.models import Alliance, PhaseChange, Role
from alianzas.tokens import create_token
from seguimiento.services import log_progress
from tests.factories import (
    ActionPointFactory,
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    DecisionFactory,
    EvaluationFactory,
    IndicatorFactory,
    MeasurementFactory,
    MeetingFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
    agreement_version,
)

ROLES = [
    "anonymous",
    "outsider_representative",
    "member_representative",
    "other_coordinator",
    "coordinator",
    "administrator",
]


def statuses(*codes):
    return dict(zip(ROLES, codes, strict=True))


def token_client(plain: str | None, language: str | None = None) -> APIClient:
    client = APIClient()
    if plain:
        client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


@pytest.fixture(name="api_world")
def api_world_fixture(coordinator, member_representative, outsider_representative, administrator):
    """One alliance in Implementación with a member actor (represented), an objective, an
    indicator with a value, a commitment with an update, a phase change and an evaluation;
    another alliance with its own coordinator (and rows of its own); an actor outside
    both. Every signed-in role has a read-and-write token."""
    alliance = AllianceFactory(coordinators=[coordinator])
    Alliance.objects.filter(pk=alliance.pk).update(phase="implementation")
    alliance.refresh_from_db()
    member = ActorFactory(representatives=[member_representative])
    MembershipFactory(alliance=alliance, actor=member, role=Role.LEADER)
    objective = ObjectiveFactory(alliance=alliance)
    indicator = IndicatorFactory(objective=objective, responsible_actor=member, frequency="annual")
    commitment = CommitmentFactory(alliance=alliance, actor=member)
    update = log_progress(commitment=commitment, user=member_representative, progress=10)
    measurement = MeasurementFactory(indicator=indicator)
    phase_change = PhaseChange.objects.create(
        alliance=alliance,
        transition="start_implementation",
        source_phase="identification",
        target_phase="implementation",
        cycle=1,
        user=coordinator,
    )
    evaluation = EvaluationFactory(alliance=alliance, cycle=1)
    agreement = agreement_version(alliance).agreement
    action_point = ActionPointFactory(
        decision=DecisionFactory(meeting=MeetingFactory(alliance=alliance)),
        owner_actor=member,
        owner=member_representative,
    )
    outsider = ActorFactory(representatives=[outsider_representative])
    other_coordinator = UserFactory(username="coordinador-otra")
    other = AllianceFactory(coordinators=[other_coordinator])
    other_objective = ObjectiveFactory(alliance=other)
    other_indicator = IndicatorFactory(objective=other_objective, frequency="annual")
    MeasurementFactory(indicator=other_indicator)
    users = {
        "anonymous": None,
        "outsider_representative": outsider_representative,
        "member_representative": member_representative,
        "other_coordinator": other_coordinator,
        "coordinator": coordinator,
        "administrator": administrator,
    }
    plain = {
        role: (create_token(user=user, name="pruebas", scope="read_write")[1] if user else None)
        for role, user in users.items()
    }
    return {
        "users": users,
        "tokens": plain,
        "alliance": alliance,
        "other": other,
        "member": member,
        "outsider": outsider,
        "ids": {
            "actor": member.pk,
            "alliance": alliance.pk,
            "objective": objective.pk,
            "indicator": indicator.pk,
            "measurement": measurement.pk,
            "commitment": commitment.pk,
            "commitment-update": update.pk,
            "phase-change": phase_change.pk,
            "evaluation": evaluation.pk,
            "agreement": agreement.pk,
            "action-point": action_point.pk,
        },
    }
