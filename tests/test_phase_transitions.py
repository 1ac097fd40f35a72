"""The alliance lifecycle: which changes of phase are allowed, by whom, and what they record."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django_fsm import TransitionNotAllowed

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Membership, PhaseChange, Role, Sector
from fases.models import Evaluation
from fases.requirements import unmet_requirements
from fases.services import (
    PhaseChangeError,
    PhaseChangeNotPermitted,
    change_phase,
    record_evaluation,
    transition_options,
)
from seguimiento.carry_over import carry_over_commitments
from seguimiento.services import log_progress
from tests.factories import (
    ActorFactory,
    AdministratorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
    full_ratings,
    measure_every_indicator,
    ready_for_implementation,
    sign_agreement_for_every_member,
)

pytestmark = pytest.mark.django_db


def codes(alliance, transition):
    return [r.code for r in unmet_requirements(alliance, transition)]


def advance(alliance, user, *transitions):
    for name in transitions:
        if name == "start_evaluation":
            measure_every_indicator(alliance)
        change_phase(alliance=alliance, transition=name, user=user, comment=name)


@pytest.fixture
def empty_alliance(coordinator):
    return AllianceFactory(coordinators=[coordinator])


@pytest.fixture
def ready_alliance(empty_alliance):
    return ready_for_implementation(empty_alliance)


@pytest.fixture
def evaluating_alliance(ready_alliance, coordinator):
    advance(ready_alliance, coordinator, "start_implementation", "start_monitoring")
    advance(ready_alliance, coordinator, "start_evaluation")
    # The next cycle's agreement, signed: what continuing needs besides the decision
    # (tests/test_agreements.py checks that condition).
    sign_agreement_for_every_member(ready_alliance, cycle=ready_alliance.cycle + 1)
    return ready_alliance


class TestStartImplementation:
    def test_new_alliance_lists_every_unmet_requirement(self, empty_alliance, coordinator):
        with pytest.raises(PhaseChangeError) as refusal:
            change_phase(
                alliance=empty_alliance, transition="start_implementation", user=coordinator
            )
        assert [r.code for r in refusal.value.requirements] == [
            "min_members",
            "min_sectors",
            "lead_actor",
            "objective",
            "agreement",
        ]
        assert refusal.value.messages[1] == "Se necesitan al menos dos actores miembros (hay 0)."
        assert empty_alliance.phase == Phase.IDENTIFICATION
        assert not PhaseChange.objects.exists()

    def test_ready_alliance_starts_implementation_and_records_it(self, ready_alliance, coordinator):
        change = change_phase(
            alliance=ready_alliance,
            transition="start_implementation",
            user=coordinator,
            comment="  Acta de constitución firmada  ",
        )
        ready_alliance.refresh_from_db()
        assert ready_alliance.phase == Phase.IMPLEMENTATION
        assert PhaseChange.objects.get() == change
        assert (change.source_phase, change.target_phase) == (
            Phase.IDENTIFICATION,
            Phase.IMPLEMENTATION,
        )
        assert (change.cycle, change.user, change.transition) == (
            1,
            coordinator,
            "start_implementation",
        )
        assert change.comment == "Acta de constitución firmada"

    def test_members_from_one_sector_are_not_enough(self, ready_alliance):
        for membership in ready_alliance.memberships.all():
            membership.actor.sector = Sector.PUBLIC
            membership.actor.save()
        assert codes(ready_alliance, "start_implementation") == ["min_sectors"]

    def test_a_lead_actor_is_required(self, ready_alliance):
        ready_alliance.memberships.filter(role=Role.LEADER).update(role=Role.IMPLEMENTING_PARTNER)
        assert codes(ready_alliance, "start_implementation") == ["lead_actor"]

    def test_a_leader_who_left_does_not_count(self, ready_alliance):
        leader = ready_alliance.memberships.get(role=Role.LEADER)
        leader.left_on = datetime.date(2026, 2, 1)
        leader.save()
        # The leader left, so one member and one sector remain.
        assert codes(ready_alliance, "start_implementation") == [
            "min_members",
            "min_sectors",
            "lead_actor",
        ]

    def test_every_objective_needs_a_complete_indicator(self, ready_alliance):
        second = ObjectiveFactory(alliance=ready_alliance, position=2)
        IndicatorFactory(objective=second, target_value=None)
        unmet = unmet_requirements(ready_alliance, "start_implementation")
        assert [(r.code, r.object_id) for r in unmet] == [("objective_indicator", second.pk)]
        assert unmet[0].message == (
            "El objetivo 2 no tiene indicadores con línea de base, meta y fecha meta."
        )

    def test_every_member_needs_a_commitment_in_this_cycle(self, ready_alliance):
        newcomer = ActorFactory(name="Universidad Nacional de San Cristóbal de Huamanga")
        MembershipFactory(alliance=ready_alliance, actor=newcomer, role=Role.TECHNICAL_ALLY)
        unmet = unmet_requirements(ready_alliance, "start_implementation")
        # (It has not signed the agreement either: tests/test_agreements.py.)
        assert [r.message for r in unmet if r.code == "actor_commitment"] == [
            "Universidad Nacional de San Cristóbal de Huamanga aún no tiene compromisos "
            "en este ciclo."
        ]

    def test_a_cancelled_commitment_does_not_count(self, ready_alliance, coordinator):
        commitment = ready_alliance.commitments.first()
        commitment.cancel()
        commitment.save()
        assert codes(ready_alliance, "start_implementation") == ["actor_commitment"]

    def test_the_state_machine_refuses_on_its_own_too(self, empty_alliance):
        with pytest.raises(TransitionNotAllowed):
            empty_alliance.start_implementation()


class TestMonitoringAndEvaluation:
    def test_monitoring_needs_frequency_and_responsible_member(self, ready_alliance, coordinator):
        advance(ready_alliance, coordinator, "start_implementation")
        indicator = IndicatorFactory(objective=ready_alliance.objectives.get(), name="Tasa de EDA")
        unmet = unmet_requirements(ready_alliance, "start_monitoring")
        assert [(r.code, r.object_id) for r in unmet] == [
            ("indicator_frequency", indicator.pk),
            ("indicator_responsible", indicator.pk),
        ]
        assert unmet[0].message == "El indicador «Tasa de EDA» no tiene frecuencia de medición."

    def test_a_responsible_actor_who_left_is_not_enough(self, ready_alliance, coordinator):
        advance(ready_alliance, coordinator, "start_implementation")
        Membership.objects.filter(alliance=ready_alliance, role=Role.LEADER).update(
            left_on=datetime.date(2026, 5, 1)
        )
        assert codes(ready_alliance, "start_monitoring") == ["indicator_responsible"]

    def test_evaluation_needs_a_measurement_of_every_indicator_this_cycle(
        self, ready_alliance, coordinator
    ):
        advance(ready_alliance, coordinator, "start_implementation", "start_monitoring")
        assert codes(ready_alliance, "start_evaluation") == ["indicator_measurement"]
        measure_every_indicator(ready_alliance)
        change_phase(alliance=ready_alliance, transition="start_evaluation", user=coordinator)
        assert ready_alliance.phase == Phase.EVALUATION


class TestContinuity:
    def test_a_decision_needs_an_evaluation_of_this_cycle(self, evaluating_alliance, coordinator):
        for name in ("continue_cycle", "reformulate", "close"):
            assert codes(evaluating_alliance, name) == ["evaluation"]

    def test_the_decision_must_match_the_evaluation(self, evaluating_alliance, coordinator):
        record_evaluation(
            alliance=evaluating_alliance,
            user=coordinator,
            decision=Evaluation.Decision.REFORMULATE,
            findings="El diseño no respondió al contexto.",
            ratings=full_ratings(),
        )
        with pytest.raises(PhaseChangeError) as refusal:
            change_phase(
                alliance=evaluating_alliance, transition="continue_cycle", user=coordinator
            )
        assert refusal.value.messages[1] == (
            "La evaluación del ciclo 1 decidió «Reformular», no «Continuar»."
        )
        assert evaluating_alliance.phase == Phase.EVALUATION

    def test_continue_starts_a_new_cycle_in_implementation(self, evaluating_alliance, coordinator):
        old_commitments = set(evaluating_alliance.commitments.values_list("pk", flat=True))
        record_evaluation(
            alliance=evaluating_alliance,
            user=coordinator,
            decision="continue",
            findings="Bien.",
            ratings=full_ratings(),
        )
        change = change_phase(
            alliance=evaluating_alliance, transition="continue_cycle", user=coordinator
        )
        assert (evaluating_alliance.phase, evaluating_alliance.cycle) == (Phase.IMPLEMENTATION, 2)
        assert (change.source_phase, change.target_phase, change.cycle) == (
            Phase.EVALUATION,
            Phase.IMPLEMENTATION,
            2,
        )
        # The earlier cycle stays readable; the new one starts without measurements.
        assert set(
            evaluating_alliance.commitments.filter(cycle=1).values_list("pk", flat=True)
        ) == (old_commitments)
        assert evaluating_alliance.evaluations.get().cycle == 1
        # Monitoring the new cycle needs every member's commitment of the cycle again.
        assert "actor_commitment" in codes(evaluating_alliance, "start_monitoring")
        carry_over_commitments(alliance=evaluating_alliance, user=coordinator)
        advance(evaluating_alliance, coordinator, "start_monitoring")
        assert codes(evaluating_alliance, "start_evaluation") == ["indicator_measurement"]

    def test_reformulate_goes_back_to_identification_in_a_new_cycle(
        self, evaluating_alliance, coordinator
    ):
        record_evaluation(
            alliance=evaluating_alliance,
            user=coordinator,
            decision="reformulate",
            findings=".",
            ratings=full_ratings(),
        )
        change_phase(alliance=evaluating_alliance, transition="reformulate", user=coordinator)
        assert (evaluating_alliance.phase, evaluating_alliance.cycle) == (Phase.IDENTIFICATION, 2)
        # No commitment exists yet in cycle 2: every member must commit again.
        assert set(codes(evaluating_alliance, "start_implementation")) == {"actor_commitment"}

    def test_close_ends_the_lifecycle(self, evaluating_alliance, coordinator):
        record_evaluation(
            alliance=evaluating_alliance,
            user=coordinator,
            decision="close",
            findings="Cumplida.",
            ratings=full_ratings(),
        )
        change_phase(alliance=evaluating_alliance, transition="close", user=coordinator)
        assert evaluating_alliance.phase == Phase.CLOSED
        assert transition_options(evaluating_alliance, coordinator) == []
        with pytest.raises(PhaseChangeError):
            change_phase(
                alliance=evaluating_alliance,
                transition="close_early",
                user=coordinator,
                comment="otra vez",
            )

    def test_evaluation_only_during_evaluation_phase(self, ready_alliance, coordinator):
        with pytest.raises(PhaseChangeError):
            record_evaluation(
                alliance=ready_alliance,
                user=coordinator,
                decision="close",
                findings=".",
                ratings=full_ratings(),
            )
        assert not Evaluation.objects.exists()

    def test_a_second_evaluation_corrects_the_first(self, evaluating_alliance, coordinator):
        record_evaluation(
            alliance=evaluating_alliance,
            user=coordinator,
            decision="close",
            findings="a",
            ratings=full_ratings(),
        )
        record_evaluation(
            alliance=evaluating_alliance,
            user=coordinator,
            decision="continue",
            findings="b",
            ratings=full_ratings(),
        )
        assert Evaluation.objects.get().decision == "continue"


class TestCloseEarly:
    @pytest.mark.parametrize(
        "steps",
        [
            (),
            ("start_implementation",),
            ("start_implementation", "start_monitoring"),
            ("start_implementation", "start_monitoring", "start_evaluation"),
        ],
    )
    def test_from_any_active_phase_with_a_reason(self, ready_alliance, coordinator, steps):
        advance(ready_alliance, coordinator, *steps)
        with pytest.raises(PhaseChangeError) as refusal:
            change_phase(
                alliance=ready_alliance, transition="close_early", user=coordinator, comment="   "
            )
        assert refusal.value.message == "Indique el motivo del cierre anticipado de la alianza."
        assert ready_alliance.phase != Phase.CLOSED

        change = change_phase(
            alliance=ready_alliance,
            transition="close_early",
            user=coordinator,
            comment="El financiamiento fue retirado.",
        )
        assert ready_alliance.phase == Phase.CLOSED
        assert change.comment == "El financiamiento fue retirado."


class TestWhoMayChangePhase:
    @pytest.mark.parametrize("who", ["coordinator", "administrator"])
    def test_coordinators_and_administrators_may(self, ready_alliance, who, request):
        user = request.getfixturevalue(who)
        change_phase(alliance=ready_alliance, transition="start_implementation", user=user)
        assert ready_alliance.phase == Phase.IMPLEMENTATION

    @pytest.mark.parametrize(
        "who",
        [
            "member_representative",
            "outsider_representative",
            "other_coordinator",
            "anonymous",
            "inactive_administrator",
        ],
    )
    def test_nobody_else_may(self, ready_alliance, who, request):
        users = {
            "member_representative": lambda: request.getfixturevalue("member_representative"),
            "outsider_representative": lambda: request.getfixturevalue("outsider_representative"),
            "other_coordinator": lambda: AllianceFactory(
                coordinators=[UserFactory()]
            ).coordinators.get(),
            "anonymous": AnonymousUser,
            "inactive_administrator": lambda: AdministratorFactory(is_active=False),
        }
        user = users[who]()
        if who == "member_representative":
            ready_alliance.memberships.first().actor.representatives.add(user)
        with pytest.raises(PhaseChangeNotPermitted):
            change_phase(alliance=ready_alliance, transition="start_implementation", user=user)
        ready_alliance.refresh_from_db()
        assert ready_alliance.phase == Phase.IDENTIFICATION
        assert not PhaseChange.objects.exists()
        assert transition_options(ready_alliance, user) == []

    def test_options_show_what_each_transition_lacks(self, empty_alliance, coordinator):
        options = {o.name: o for o in transition_options(empty_alliance, coordinator)}
        assert list(options) == ["start_implementation", "close_early"]
        assert not options["start_implementation"].ready
        assert options["close_early"].ready
        assert options["close_early"].reason_required


class TestIntegrity:
    def test_the_phase_cannot_be_assigned_directly(self, empty_alliance):
        with pytest.raises(AttributeError):
            empty_alliance.phase = Phase.CLOSED

    def test_refresh_from_db_reads_the_protected_phase(self, ready_alliance, coordinator):
        stale = Alliance.objects.get(pk=ready_alliance.pk)
        change_phase(alliance=ready_alliance, transition="start_implementation", user=coordinator)
        stale.refresh_from_db()
        assert stale.phase == Phase.IMPLEMENTATION

    def test_a_transition_from_the_wrong_phase_is_refused(self, ready_alliance, coordinator):
        with pytest.raises(PhaseChangeError) as refusal:
            change_phase(alliance=ready_alliance, transition="start_monitoring", user=coordinator)
        assert "Identificación, formulación y diseño" in refusal.value.message
        assert not PhaseChange.objects.exists()

    @pytest.mark.parametrize("name", ["delete", "save", "clean", "phase_transition", ""])
    def test_unknown_transition_names_are_refused(self, ready_alliance, coordinator, name):
        with pytest.raises(PhaseChangeError):
            change_phase(alliance=ready_alliance, transition=name, user=coordinator)
        assert Alliance.objects.filter(pk=ready_alliance.pk).exists()

    def test_a_stale_instance_cannot_repeat_a_change(self, ready_alliance, coordinator):
        stale = Alliance.objects.get(pk=ready_alliance.pk)
        change_phase(alliance=ready_alliance, transition="start_implementation", user=coordinator)
        with pytest.raises(PhaseChangeError):
            change_phase(alliance=stale, transition="start_implementation", user=coordinator)
        assert PhaseChange.objects.count() == 1

    def test_history_is_kept_in_order_across_cycles(self, evaluating_alliance, coordinator):
        record_evaluation(
            alliance=evaluating_alliance,
            user=coordinator,
            decision="continue",
            findings=".",
            ratings=full_ratings(),
        )
        change_phase(alliance=evaluating_alliance, transition="continue_cycle", user=coordinator)
        history = list(
            evaluating_alliance.phase_changes.order_by("created_at", "pk").values_list(
                "transition", "cycle"
            )
        )
        assert history == [
            ("start_implementation", 1),
            ("start_monitoring", 1),
            ("start_evaluation", 1),
            ("continue_cycle", 2),
        ]


def test_progress_updates_drive_the_commitment_status(alliance, member_representative):
    actor = alliance.memberships.get().actor
    commitment = CommitmentFactory(alliance=alliance, actor=actor)
    log_progress(commitment=commitment, user=member_representative, progress=40, note="Avance")
    assert (commitment.status, commitment.progress) == ("in_progress", 40)
    log_progress(commitment=commitment, user=member_representative, progress=0, fulfilled=True)
    assert (commitment.status, commitment.progress) == ("fulfilled", 100)
    assert list(commitment.updates.values_list("status", "progress")) == [
        ("fulfilled", 100),
        ("in_progress", 40),
    ]


def test_measurement_factory_is_valid(alliance):
    MeasurementFactory(indicator__objective__alliance=alliance).full_clean()
