"""What the alliance page's cheaper reads must keep ("Fast when nothing is cached"): who may
report a value is the rule of ``reportable_indicator_ids`` read from the page's own rows;
when the cycle began is read from the page's history; the current evaluation and the earlier
ones are one read; the team lists the current members' representatives; the governance
panel counts what it counted. And the page's queries do not grow with its rows."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alianzas import access
from alianzas.cycles import (
    CYCLE_START_CHANGES,
    NEW_CYCLE_CHANGES,
    cycle_started_on,
    started_a_cycle,
    started_the_cycle,
)
from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Indicator, PhaseChange, Publication, Role, Sector
from alianzas.templatetags.people import people_panel
from fases import governance
from fases.models import Risk, current_evaluation, evaluations_so_far
from fases.templatetags.evaluation import evaluation_panel
from tests.factories import (
    ActionPointFactory,
    ActorFactory,
    AdministratorFactory,
    AllianceFactory,
    CommitmentFactory,
    DecisionFactory,
    EvaluationFactory,
    IndicatorFactory,
    MeasurementFactory,
    MeetingFactory,
    MembershipFactory,
    ObjectiveFactory,
    RiskFactory,
    UserFactory,
    agreement_version,
    sign_agreement_for_every_member,
)

pytestmark = pytest.mark.django_db


def second_cycle(phase=Phase.IMPLEMENTATION, **fields) -> Alliance:
    """An alliance in its second cycle, begun by a continue_cycle change after three
    changes of the first cycle."""
    alliance = AllianceFactory(**fields)
    Alliance.objects.filter(pk=alliance.pk).update(phase=phase, cycle=2)
    alliance.refresh_from_db()
    when = timezone.now() - datetime.timedelta(days=400)
    for days, transition, source, target, cycle in [
        (0, "start_implementation", Phase.IDENTIFICATION, Phase.IMPLEMENTATION, 1),
        (100, "start_monitoring", Phase.IMPLEMENTATION, Phase.MONITORING, 1),
        (200, "start_evaluation", Phase.MONITORING, Phase.EVALUATION, 1),
        (300, "continue_cycle", Phase.EVALUATION, Phase.IMPLEMENTATION, 2),
    ]:
        PhaseChange.objects.create(
            alliance=alliance,
            transition=transition,
            source_phase=source,
            target_phase=target,
            cycle=cycle,
            created_at=when + datetime.timedelta(days=days),
        )
    return alliance


def test_reportable_among_follows_the_rule_of_reportable_indicator_ids():
    coordinator, representative, other, gone = UserFactory.create_batch(4)
    gone.is_active = False
    gone.save()
    alliance = AllianceFactory(coordinators=[coordinator])
    responsible = ActorFactory(representatives=[representative, gone])
    elsewhere = ActorFactory(representatives=[other])
    for actor in (responsible, elsewhere):
        MembershipFactory(alliance=alliance, actor=actor)
    objective = ObjectiveFactory(alliance=alliance)
    IndicatorFactory(objective=objective, responsible_actor=responsible)
    IndicatorFactory(objective=objective, responsible_actor=elsewhere)
    IndicatorFactory(objective=objective, responsible_actor=None)
    indicators = list(Indicator.objects.filter(objective__alliance=alliance))
    people = [coordinator, representative, other, gone, AdministratorFactory(), UserFactory()]
    for person in people:
        alliance = Alliance.objects.prefetch_related("coordinators").get(pk=alliance.pk)
        represented = set(person.actors.values_list("pk", flat=True))
        expected = access.reportable_indicator_ids(person, alliance)
        assert access.reportable_among(person, alliance, indicators, represented) == expected
    # Each of them reports something different: the comparison above is not of empty sets.
    assert len(access.reportable_indicator_ids(coordinator, alliance)) == 3
    assert len(access.reportable_indicator_ids(representative, alliance)) == 1
    assert access.reportable_indicator_ids(gone, alliance) == set()


def test_may_update_among_follows_the_rule_of_can_update_commitment():
    coordinator, representative, other = UserFactory.create_batch(3)
    alliance = AllianceFactory(coordinators=[coordinator])
    mine = ActorFactory(representatives=[representative])
    theirs = ActorFactory(representatives=[other])
    commitments = [CommitmentFactory(alliance=alliance, actor=a) for a in (mine, theirs)]
    people = [coordinator, representative, other, AdministratorFactory(), UserFactory()]
    answers = []
    for person in people:
        alliance = Alliance.objects.prefetch_related("coordinators").get(pk=alliance.pk)
        represented = set(person.actors.values_list("pk", flat=True))
        for commitment in commitments:
            expected = access.can_update_commitment(person, commitment)
            got = access.may_update_among(person, alliance, commitment.actor_id, represented)
            assert got == expected, (person, commitment)
            answers.append(got)
    assert answers == [True, True, True, False, False, True, True, True, False, False]


def test_the_cycle_start_read_from_the_history_is_the_one_the_database_gives(
    django_assert_num_queries,
):
    alliance = second_cycle()
    with django_assert_num_queries(1):
        asked = cycle_started_on(alliance)
    assert asked == timezone.localdate(timezone.now() - datetime.timedelta(days=100))
    history = list(alliance.phase_changes.all())
    from_rows = {CYCLE_START_CHANGES: lambda: started_the_cycle(alliance, history)}
    with alliance.reading(**from_rows), django_assert_num_queries(0):
        assert cycle_started_on(alliance) == asked
    # The first cycle begins with the alliance: no row is read.
    first = AllianceFactory(start_date=datetime.date(2026, 2, 1))
    with django_assert_num_queries(0):
        assert cycle_started_on(first) == datetime.date(2026, 2, 1)


def test_the_members_by_cycle_read_from_the_history_are_the_ones_the_database_gives(
    django_assert_num_queries,
):
    """The health check counts who was a member during each cycle, dating the cycles by the
    changes that started them; the alliance page answers those from its history's rows."""
    from seguimiento.partnership_health import _members_by_cycle

    alliance = second_cycle()  # cycle 2 began 100 days ago
    today = timezone.localdate()
    for joined, left in [(500, None), (500, 200), (50, None)]:
        MembershipFactory(
            alliance=alliance,
            joined_on=today - datetime.timedelta(days=joined),
            left_on=today - datetime.timedelta(days=left) if left else None,
        )
    with django_assert_num_queries(2):
        asked = _members_by_cycle(alliance, [1, 2])
    assert asked == {1: 2, 2: 2}  # one left before cycle 2, one joined in it
    history = list(alliance.phase_changes.order_by("-created_at", "-pk"))
    from_rows = {NEW_CYCLE_CHANGES: lambda: started_a_cycle(history)}
    with alliance.reading(**from_rows), django_assert_num_queries(1):
        assert _members_by_cycle(alliance, [1, 2]) == asked


def test_the_checklists_indicators_read_from_the_page_rows_are_the_ones_the_check_reads(
    django_assert_num_queries,
):
    """The page's objectives and indicators, read with ``measured``, stand for the
    checklist's own read: the same indicators in the same order, each measured in the
    alliance's current cycle only (a value of the first cycle does not count in the second)."""
    from fases.requirements import _checked_indicators
    from seguimiento.selectors import objectives_with_indicators

    alliance = second_cycle(Phase.MONITORING)
    later_objective = ObjectiveFactory(alliance=alliance, position=2)
    first_objective = ObjectiveFactory(alliance=alliance, position=1)
    only_first_cycle = IndicatorFactory(objective=later_objective)
    this_cycle = IndicatorFactory(objective=later_objective)
    never = IndicatorFactory(objective=first_objective)
    MeasurementFactory(indicator=only_first_cycle, cycle=1)
    MeasurementFactory(indicator=this_cycle, cycle=2)
    MeasurementFactory(
        indicator=this_cycle,
        cycle=1,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 3, 31),
    )
    expected = [(i.pk, i.measured) for i in _checked_indicators(alliance)]
    assert expected == [(never.pk, False), (only_first_cycle.pk, False), (this_cycle.pk, True)]
    alliance.forget()
    rows = objectives_with_indicators(alliance, measured=True)
    from_rows = [row.indicator for _objective, indicator_rows in rows for row in indicator_rows]
    page_rows = {"checked_indicators": lambda: from_rows}
    with alliance.reading(**page_rows), django_assert_num_queries(0):
        assert [(i.pk, i.measured) for i in _checked_indicators(alliance)] == expected


def test_the_current_and_earlier_evaluations_are_one_read(coordinator, django_assert_num_queries):
    alliance = second_cycle(Phase.EVALUATION, coordinators=[coordinator])
    EvaluationFactory(alliance=alliance, cycle=1, findings="Primer ciclo")
    EvaluationFactory(alliance=alliance, cycle=2, findings="Segundo ciclo")
    alliance = Alliance.objects.prefetch_related("coordinators").get(pk=alliance.pk)
    with django_assert_num_queries(1):
        assert current_evaluation(alliance).findings == "Segundo ciclo"
        assert [e.cycle for e in evaluations_so_far(alliance)] == [2, 1]
    panel = evaluation_panel({"can_manage": True}, alliance, coordinator)
    assert [e.findings for e in panel["others"]] == ["Primer ciclo"]
    assert panel["evaluation"].findings == "Segundo ciclo"
    # Out of Evaluación the current cycle's own evaluation is listed with the others.
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.CLOSED)
    closed = Alliance.objects.get(pk=alliance.pk)
    panel = evaluation_panel({"can_manage": True}, closed, coordinator)
    assert [e.cycle for e in panel["others"]] == [2, 1]
    assert panel["evaluation"] is None


def test_the_team_lists_the_current_members_representatives_from_the_page_rows(coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    ana, beto, carla = (UserFactory(first_name=name) for name in ("Ana", "Beto", "Carla"))
    current = ActorFactory(name="Municipalidad", representatives=[ana, beto])
    former = ActorFactory(name="Empresa", representatives=[carla])
    MembershipFactory(alliance=alliance, actor=current, role=Role.LEADER)
    MembershipFactory(alliance=alliance, actor=former, left_on=datetime.date(2026, 1, 31))
    # An actor that is a current member of another alliance only.
    MembershipFactory(actor=ActorFactory(representatives=[UserFactory()]))
    memberships = list(alliance.memberships.select_related("actor"))
    from_rows = people_panel(alliance, coordinator, memberships)["representatives"]
    from_query = people_panel(alliance, coordinator)["representatives"]
    assert from_rows == from_query == [(current, [ana, beto])]


def test_the_governance_summary_counts_meetings_and_open_risks():
    alliance = AllianceFactory()
    MeetingFactory.create_batch(3, alliance=alliance)
    RiskFactory.create_batch(2, alliance=alliance)
    RiskFactory(alliance=alliance, status=Risk.Status.CLOSED)
    MeetingFactory(alliance=AllianceFactory())  # another alliance's
    member = ActorFactory()
    MembershipFactory(alliance=alliance, actor=member)
    decision = DecisionFactory(meeting=MeetingFactory(alliance=alliance))
    ActionPointFactory(decision=decision, owner_actor=member)
    summary = governance.alliance_summary(alliance)
    assert (summary["meetings"], summary["open_risks"]) == (4, 2)
    assert [p.owner_actor for p in summary["action_points"]] == [member]


@pytest.mark.parametrize("members", [2, 9])
# The alliance page of a coordinator in its second cycle, with everything on it, in each
# phase whose checklist reads something else. Before the reads above were shared (the cycle
# start from the history, who may report from the page's rows, every evaluation in one
# read, the two cycles' agreements together, the committed actors from the page's
# commitments, the objectives from its own) Evaluación took 29.
@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        # One fewer in each since the indicators' latest values come with them and the
        # actors the person represents with the navigation's facts (two fewer where there
        # are values: 24, 24, 23 and 23 before).
        # The checklist's indicators are the page's own rows (one query fewer, not in
        # Evaluación, whose next step reads none). In Monitoreo, the health check's
        # cycles are dated by the history's rows too (one fewer again: 25 before both).
        # Then 23, 23, 22 and 22, until the objectives, the commitments and the history
        # moved to tabs of their own: the summary reads them only where its checklist
        # asks (the objectives and commitments in Implementación and Identificación, the
        # history in Monitoreo and Evaluación).
        (Phase.EVALUATION, 18),
        (Phase.MONITORING, 21),
        (Phase.IMPLEMENTATION, 19),
        (Phase.IDENTIFICATION, 19),
    ],
)
def test_the_alliance_page_queries_do_not_grow_with_its_rows(
    client, coordinator, members, phase, expected, django_assert_num_queries
):
    alliance = second_cycle(phase, coordinators=[coordinator])
    EvaluationFactory(alliance=alliance, cycle=1)
    for n in range(members):
        actor = ActorFactory(
            sector=Sector.PRIVATE if n % 2 else Sector.PUBLIC,
            representatives=[UserFactory(), UserFactory()],
        )
        role = Role.LEADER if n == 0 else Role.FUNDER
        MembershipFactory(alliance=alliance, actor=actor, role=role)
        CommitmentFactory(alliance=alliance, actor=actor, cycle=2)
        objective = ObjectiveFactory(alliance=alliance)
        indicator = IndicatorFactory(
            objective=objective, responsible_actor=actor, frequency="quarterly"
        )
        MeasurementFactory(indicator=indicator, cycle=2, value=Decimal(100 + n))
        MeetingFactory(alliance=alliance)
        RiskFactory(alliance=alliance)
        # Decisions to publish and withdraw, each by someone else: the panel lists the
        # last five with who made each.
        Publication.objects.create(
            alliance=alliance, published=n % 2 == 0, user=UserFactory(first_name=f"Decide{n}")
        )
    # This cycle's agreement signed by every member, the next cycle's drafted.
    sign_agreement_for_every_member(alliance, cycle=2)
    agreement_version(alliance, cycle=3)
    client.force_login(coordinator)
    # The same number with 2 members and with 9.
    with django_assert_num_queries(expected):
        response = client.get(reverse("fases:alliance_detail", args=[alliance.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for membership in alliance.memberships.select_related("actor"):
        assert membership.actor.name in page
    objectives = client.get(reverse("fases:alliance_objectives", args=[alliance.pk]))
    for n in range(members):  # each indicator's latest value
        assert f'<td class="num">{100 + n}<br>' in objectives.content.decode()
    # The history lists every change.
    history = client.get(reverse("fases:alliance_history", args=[alliance.pk])).content.decode()
    assert history.count("<strong>Evaluación → Implementación</strong>") == 1
    assert "<strong>Monitoreo y seguimiento → Evaluación</strong>" in history
    # The agreement panel and the checklist read the same agreements.
    assert f"vigente: firmada por {members} de {members} miembros" in page
    # The last five decisions on publishing, newest first, each with its person.
    shown = [n for n in range(members) if f"Decide{n}" in page]
    assert shown == list(range(members))[-5:]


def test_the_rows_worked_out_in_python_link_and_label_as_the_template_did(
    client, coordinator, member_representative, outsider_representative
):
    """Each commitment row and indicator row of the alliance's tabs: its links for whom may
    act on it, its labels in the page's language."""
    alliance = AllianceFactory(coordinators=[coordinator])
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.IMPLEMENTATION)
    mine = ActorFactory(name="Municipalidad", representatives=[member_representative])
    theirs = ActorFactory(name="Empresa", representatives=[outsider_representative])
    for actor in (mine, theirs):
        MembershipFactory(alliance=alliance, actor=actor)
    open_one = CommitmentFactory(
        alliance=alliance, actor=mine, due_date=datetime.date(2020, 1, 31), value_pen=1500
    )
    done = CommitmentFactory(alliance=alliance, actor=mine, status="fulfilled", progress=100)
    other = CommitmentFactory(alliance=alliance, actor=theirs)
    objective = ObjectiveFactory(alliance=alliance)
    reported = IndicatorFactory(
        objective=objective,
        responsible_actor=mine,
        frequency="quarterly",
        baseline_value=None,
        target_value=Decimal("12.50"),
    )
    unplanned = IndicatorFactory(objective=objective, responsible_actor=mine, frequency="")

    def links(person, pk=alliance.pk):
        client.force_login(person)
        # The indicators' rows are on the objectives tab, the commitments' on their own.
        page = "".join(
            client.get(reverse(tab, args=[pk])).content.decode()
            for tab in ("fases:alliance_objectives", "fases:alliance_commitments")
        )
        return page, {
            name: [target.pk for target in targets if reverse(name, args=[pk, target.pk]) in page]
            for name, targets in {
                "seguimiento:commitment_edit": (open_one, done, other),
                "seguimiento:log_progress": (open_one, done, other),
                "seguimiento:commitment_detail": (open_one, done, other),
                "alianzas:indicator_edit": (reported, unplanned),
                "seguimiento:report_measurement": (reported, unplanned),
                "seguimiento:indicator_history": (reported, unplanned),
            }.items()
        }

    page, found = links(member_representative)
    assert found["seguimiento:commitment_edit"] == [open_one.pk]
    assert found["seguimiento:log_progress"] == [open_one.pk]
    assert found["seguimiento:commitment_detail"] == [open_one.pk, done.pk, other.pk]
    assert found["alianzas:indicator_edit"] == []
    assert found["seguimiento:report_measurement"] == [reported.pk]
    assert found["seguimiento:indicator_history"] == [reported.pk, unplanned.pk]
    assert "S/\u00a01,500.00" in page
    assert '<span class="overdue">vencido</span>' in page
    assert '<td class="num">—</td>' in page  # no baseline
    assert '<td class="num">12.5' in page
    _page, found = links(coordinator)
    assert found["seguimiento:commitment_edit"] == [open_one.pk, other.pk]
    assert found["alianzas:indicator_edit"] == [reported.pk, unplanned.pk]
    _page, found = links(outsider_representative)
    assert found["seguimiento:log_progress"] == [other.pk]
    # Once the alliance is closed, no progress is logged (an open one still edited).
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.CLOSED)
    _page, found = links(member_representative)
    assert found["seguimiento:log_progress"] == []
    assert found["seguimiento:report_measurement"] == []
    assert found["seguimiento:commitment_edit"] == [open_one.pk]


def test_the_coordinators_are_listed_in_name_order(client):
    """Read with the alliance for the access check, they were listed in whatever order the
    database returned them."""
    # Made and added in the reverse of their names' order: neither the ids nor the order
    # they were added in give the order shown.
    zoe, luis, ana = (
        UserFactory(first_name=name, last_name="Quispe", username=f"c{n}")
        for n, name in enumerate(["Zoe", "Luis", "Ana"])
    )
    alliance = AllianceFactory(coordinators=[zoe, luis, ana])
    client.force_login(zoe)
    page = client.get(reverse("fases:alliance_detail", args=[alliance.pk])).content.decode()
    team = page[page.index('id="people"') :]
    assert team.index("Ana Quispe") < team.index("Luis Quispe") < team.index("Zoe Quispe")
