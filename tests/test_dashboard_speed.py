"""The coordinator's dashboard built from scratch in a fixed number of queries.

The list of alliances waiting for requirements checks up to ATTENTION_SIZE of them: what the
checks read (members and their commitments, objectives, indicators and their values, the
evaluation, the agreements and their signatures, when a later cycle began, the high risks
not reviewed) is read for all of them at once (``fases.selectors.shared_reads``). The
figures of a few alliances (the board, the overdue commitments) come from one query of them
all, and the late indicators from one statement. So the page costs as many queries for a
coordinator of 3 alliances as for one of 12, and each part still says what the general
reads say."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from alianzas.lifecycle import Phase
from alianzas.models import Actor, Alliance, Frequency, PhaseChange, Role, Sector
from fases.selectors import blocked_alliances
from fases.services import next_step
from seguimiento import selectors
from seguimiento.models import CommitmentStatus
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    EvaluationFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    RiskFactory,
    UserFactory,
    agreement_version,
    paper_signature,
)

pytestmark = pytest.mark.django_db

OVERDUE = datetime.date(2026, 1, 31)


def alliance_in(phase, coordinator, *, cycle=1, decided=None):
    """An alliance in ``phase`` with something of every kind its checks read: two members
    (one committed, one not; one who left), an objective with a complete indicator and one
    without, values for one, an overdue commitment, the agreement of the cycle in two
    versions (the first signed by both, the one in force by one), a high risk not reviewed,
    and, in a later cycle, the change of phase that began it."""
    alliance = AllianceFactory(coordinators=[coordinator], phase=phase, cycle=cycle)
    public = ActorFactory(sector=Sector.PUBLIC)
    private = ActorFactory(sector=Sector.PRIVATE)
    MembershipFactory(alliance=alliance, actor=public, role=Role.LEADER)
    MembershipFactory(alliance=alliance, actor=private)
    MembershipFactory(alliance=alliance, left_on=datetime.date(2026, 2, 1))
    CommitmentFactory(alliance=alliance, actor=public, due_date=OVERDUE)
    CommitmentFactory(alliance=alliance, actor=private, status=CommitmentStatus.CANCELLED)
    objective = ObjectiveFactory(alliance=alliance)
    measured = IndicatorFactory(
        objective=objective, responsible_actor=public, frequency=Frequency.QUARTERLY
    )
    MeasurementFactory(indicator=measured)
    IndicatorFactory(
        objective=ObjectiveFactory(alliance=alliance),
        responsible_actor=private,
        frequency=Frequency.MONTHLY,
        target_date=None,
    )
    first = agreement_version(alliance)
    in_force = agreement_version(alliance)
    for version, actors in ((first, (public, private)), (in_force, (public,))):
        for actor in actors:
            paper_signature(version, actor)
    agreement_version(alliance, cycle + 1)  # the next cycle's, drafted
    RiskFactory(alliance=alliance, likelihood=4, impact=5, reviewed_in_cycle=max(cycle - 1, 1))
    if cycle > 1:
        PhaseChange.objects.create(
            alliance=alliance,
            transition="continue_cycle",
            source_phase=Phase.EVALUATION,
            target_phase=Phase.IMPLEMENTATION,
            cycle=cycle,
            created_at=timezone.make_aware(datetime.datetime(2026, 2, 10, 9)),
        )
    if decided:
        EvaluationFactory(alliance=alliance, decision=decided)
    return alliance


# Every kind of check, in three alliances: Identificación (members, commitments, objectives,
# indicators, the agreement), Monitoreo in a later cycle (values, when the cycle began) and
# Evaluación before the evaluation (the evaluation, the next agreement, the risks).
FEW = [
    (Phase.IDENTIFICATION, 1, None),
    (Phase.MONITORING, 2, None),
    (Phase.EVALUATION, 2, None),
]
MORE = [
    (Phase.EVALUATION, 2, "close"),
    (Phase.EVALUATION, 3, "reformulate"),
    (Phase.CLOSED, 1, None),
    (Phase.IDENTIFICATION, 2, None),
    (Phase.MONITORING, 1, None),
    (Phase.IMPLEMENTATION, 2, None),
    (Phase.EVALUATION, 1, "continue"),
    (Phase.IMPLEMENTATION, 1, None),
    (Phase.MONITORING, 3, None),
]


def world(coordinator, kinds):
    return [alliance_in(phase, coordinator, cycle=c, decided=d) for phase, c, d in kinds]


def dashboard_queries(client, coordinator) -> list[str]:
    client.force_login(coordinator)
    assert client.get(reverse("fases:dashboard")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("fases:dashboard"))
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@override_settings(PAGE_CACHE=False)
def test_the_coordinators_dashboard_costs_as_many_queries_for_3_alliances_as_for_12(client):
    few, many = UserFactory(), UserFactory()
    world(few, FEW)
    world(many, MORE + FEW)  # the last made are the most recently changed: checked first
    assert len(blocked_alliances(many)) == 5

    small = dashboard_queries(client, few)
    large = dashboard_queries(client, many)
    assert len(small) == len(large), "\n\n".join(large)
    # The session, the person, their alliances, the navigation (the filters' options are
    # kept in the cache), the board with the overdue commitments, the late indicators
    # (which are late, then their rows: two statements, each prepared once on the
    # connection; one statement that built the first inside the second cost more to build
    # and plan on every visit: 2.4 ms against 0.5–1.2), the coordinator's alliances to
    # check, and the seven reads of the checks: members (with their commitments),
    # objectives, indicators (with their values), evaluations, agreements (with their
    # signatures), the changes that began the cycles and the high risks.
    assert selectors.stale_indicators([alliance.pk for alliance in Alliance.objects.all()])
    assert len(large) == 15, "\n\n".join(large)


@override_settings(PAGE_CACHE=False)
def test_each_checked_alliance_gets_the_next_step_its_own_page_shows():
    coordinator = UserFactory()
    made = world(coordinator, MORE[-2:] + FEW)
    blocked = blocked_alliances(coordinator)

    for alliance, step in blocked:
        assert step == next_step(Alliance.objects.get(pk=alliance.pk)), alliance.phase
    lacking = {
        a.pk for a in made if (step := next_step(Alliance.objects.get(pk=a.pk))) and step.unmet
    }
    assert {alliance.pk for alliance, _step in blocked} == lacking
    codes = {r.code for _alliance, step in blocked for r in step.unmet}
    # Each read answered something: the members' commitments, the objectives' indicators,
    # the agreement in force's signatures, the values of the cycle, the evaluation and the
    # risks not reviewed.
    assert {
        "actor_commitment",
        "objective_indicator",
        "agreement_signature",
        "indicator_measurement",
        "evaluation",
        "risk_reviewed",
    } <= codes
    # The agreement in force is the second version, which the private actor did not sign
    # (it signed the first): only private actors are named.
    unsigned = {
        r.object_id for _a, step in blocked for r in step.unmet if r.code == "agreement_signature"
    }
    assert unsigned
    assert set(Actor.objects.filter(pk__in=unsigned).values_list("sector", flat=True)) == {
        Sector.PRIVATE
    }


def figures_in_general(ids):
    """The board and the overdue commitments as a portfolio's figures read them."""
    scope = Alliance.objects.filter(pk__in=ids)
    return selectors.board(scope), selectors.overdue_by_alliance(ids)


def shown(columns):
    return [
        (
            column.phase,
            str(column.label),
            column.count,
            [
                (a.pk, a.name, a.cycle, a.lead_actor_name, a.member_count, a.overdue_count)
                for a in column.alliances
            ],
        )
        for column in columns
    ]


def test_a_few_alliances_figures_are_the_general_ones():
    """More alliances in one phase than its column shows, some changed at the same moment,
    and equal numbers of overdue commitments (then by name)."""
    coordinator = UserFactory()
    moment = timezone.now()
    for number in range(14):
        phase = Phase.IDENTIFICATION if number < 10 else Phase.MONITORING
        alliance = AllianceFactory(
            coordinators=[coordinator], phase=phase, name=f"Alianza {(number * 5) % 14:02}"
        )
        leader = MembershipFactory(alliance=alliance, role=Role.LEADER)
        for _ in range(number % 3):
            CommitmentFactory(alliance=alliance, actor=leader.actor, due_date=OVERDUE)
        if number % 4 == 0:
            Alliance.objects.filter(pk=alliance.pk).update(updated_at=moment)
    ids = list(Alliance.objects.filter(coordinators=coordinator).values_list("pk", flat=True))

    columns, overdue = selectors._board_of_few(ids)
    general_columns, general_overdue = figures_in_general(ids)
    assert shown(columns) == shown(general_columns)
    assert overdue == general_overdue
    assert columns[0].count == 10
    assert len(columns[0].alliances) == selectors.BOARD_COLUMN_SIZE
    assert len(overdue) == selectors.ATTENTION_SIZE

    figures = selectors.dashboard(Alliance.objects.filter(pk__in=ids), scope_key="x")
    assert shown(figures.columns) == shown(general_columns)
    assert figures.overdue == general_overdue


def test_the_late_indicators_of_a_few_alliances_are_those_of_the_general_rule():
    coordinator = UserFactory()
    made = world(coordinator, FEW + MORE)
    ids = [alliance.pk for alliance in made]
    from_ids = selectors.stale_indicators(ids)
    assert from_ids  # the monthly indicators of Monitoreo and Evaluación have no value
    assert from_ids == selectors.stale_indicators(Alliance.objects.filter(pk__in=ids))


def test_a_portfolios_board_breaks_ties_by_id_as_a_few_alliances_board_does():
    """Alliances changed at the same moment: the column shows the lowest ids, whatever order
    PostgreSQL reads the rows in (here the last written first: updated newest id first)."""
    coordinator = UserFactory()
    made = [
        AllianceFactory(coordinators=[coordinator], phase=Phase.IDENTIFICATION, name=f"A{n:02}")
        for n in range(selectors.BOARD_COLUMN_SIZE + 3)
    ]
    moment = timezone.now()
    for alliance in reversed(made):
        Alliance.objects.filter(pk=alliance.pk).update(updated_at=moment)
    ids = [alliance.pk for alliance in made]

    general = selectors.board(Alliance.objects.filter(pk__in=ids))[0]
    few, _overdue = selectors._board_of_few(ids)
    expected = sorted(ids)[: selectors.BOARD_COLUMN_SIZE]
    assert [alliance.pk for alliance in general.alliances] == expected
    assert [alliance.pk for alliance in few[0].alliances] == expected
