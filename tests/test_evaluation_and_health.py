"""The evaluation of a cycle and the partnership health check: their rules, who may do
what, the numbers they add up to, and how the alliance page shows them."""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from alianzas.criteria import CONDITIONS_FOR_SUCCESS, EVALUATION_CRITERIA, Criterion
from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Role, Sector
from fases.forms import EvaluationForm
from fases.models import Evaluation, EvaluationRating
from fases.services import (
    PhaseChangeError,
    PhaseChangeNotPermitted,
    change_phase,
    record_evaluation,
)
from seguimiento.carry_over import carry_over_commitments
from seguimiento.models import HealthCheck, HealthCheckAnswer
from seguimiento.partnership_health import (
    HealthCheckError,
    HealthCheckNotPermitted,
    answer_health_check,
    health_summary,
)
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    HealthCheckFactory,
    MembershipFactory,
    UserFactory,
    evaluation_form_data,
    full_ratings,
    measure_every_indicator,
    ready_for_implementation,
    sign_agreement_for_every_member,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = [
    "anonymous",
    "outsider_representative",
    "member_representative",
    "other_coordinator",
    "coordinator",
    "administrator",
]
ALL_SIX = {condition.value: 4 for condition in CONDITIONS_FOR_SUCCESS}


def text(response) -> str:
    return response.content.decode()


def advance(alliance, user, *transitions):
    for name in transitions:
        if name == "start_evaluation":
            measure_every_indicator(alliance)
        change_phase(alliance=alliance, transition=name, user=user)


def user_for(role, request):
    if role == "anonymous":
        return AnonymousUser()
    if role == "other_coordinator":
        return AllianceFactory(coordinators=[UserFactory(username="otra")]).coordinators.get()
    return request.getfixturevalue(role)


def health_check_data(actor, scores=None, **extra) -> dict:
    data = {"actor": str(actor.pk), "comment": ""}
    data.update({key: str(value) for key, value in (scores or ALL_SIX).items()})
    data.update(extra)
    return data


def set_phase(alliance, phase):
    """Put an alliance straight into ``phase`` (the phase field is protected on the model)."""
    Alliance.objects.filter(pk=alliance.pk).update(phase=phase)
    alliance.refresh_from_db()


@pytest.fixture
def ready(alliance):
    """The shared alliance (coordinator, member representative's actor, an outsider) with
    everything it needs to start Implementación; its represented actor commits too."""
    ready_for_implementation(alliance)
    CommitmentFactory(alliance=alliance, actor=alliance.memberships.first().actor)
    return alliance


@pytest.fixture
def monitoring(ready, coordinator):
    advance(ready, coordinator, "start_implementation", "start_monitoring")
    return ready


@pytest.fixture
def evaluating(monitoring, coordinator):
    advance(monitoring, coordinator, "start_evaluation")
    # The next cycle's agreement, signed: continuing needs it (tests/test_agreements.py).
    sign_agreement_for_every_member(monitoring, cycle=monitoring.cycle + 1)
    return monitoring


@pytest.fixture
def member_actor(alliance, member_representative):
    return member_representative.actors.get()


@pytest.fixture
def as_coordinator(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def as_member(client, member_representative):
    client.force_login(member_representative)
    return client


# --- Recording the evaluation -----------------------------------------------------


class TestRecordEvaluation:
    def test_every_criterion_is_saved_with_the_evaluation(self, evaluating, coordinator):
        ratings = full_ratings(3, "Suficiente")
        ratings[Criterion.TRUST] = (2, "  Hubo tensiones.  ")
        evaluation = record_evaluation(
            alliance=evaluating,
            user=coordinator,
            decision="continue",
            findings="Metas al 80 %.",
            lessons_learned="Medir antes.",
            ratings=ratings,
        )
        assert (evaluation.cycle, evaluation.author, evaluation.lessons_learned) == (
            1,
            coordinator,
            "Medir antes.",
        )
        saved = dict(evaluation.ratings.values_list("criterion", "score"))
        assert set(saved) == {c.value for c in EVALUATION_CRITERIA}
        assert len(EVALUATION_CRITERIA) == 11
        assert saved["trust"] == 2
        assert evaluation.ratings.get(criterion="trust").note == "Hubo tensiones."

    @pytest.mark.parametrize("missing", [Criterion.RELEVANCE, Criterion.FAIR_RETURNS])
    def test_every_criterion_is_required(self, evaluating, coordinator, missing):
        ratings = full_ratings()
        del ratings[missing]
        with pytest.raises(ValidationError) as refusal:
            record_evaluation(
                alliance=evaluating,
                user=coordinator,
                decision="continue",
                findings="x",
                ratings=ratings,
            )
        assert list(refusal.value.message_dict) == [missing.value]
        assert not Evaluation.objects.exists()
        assert not EvaluationRating.objects.exists()

    @pytest.mark.parametrize("score", [0, 6, -1, "x", "", None, 4.5, True, "3.0"])
    def test_a_score_outside_1_to_5_is_refused(self, evaluating, coordinator, score):
        ratings = full_ratings()
        ratings[Criterion.LEADERSHIP] = (score, "")
        with translation.override("en"), pytest.raises(ValidationError) as refusal:
            record_evaluation(
                alliance=evaluating,
                user=coordinator,
                decision="continue",
                findings="x",
                ratings=ratings,
            )
        assert list(refusal.value.message_dict) == ["leadership"]
        assert "1 to 5" in refusal.value.message_dict["leadership"][0]
        assert not Evaluation.objects.exists()

    def test_unknown_criteria_a_bad_decision_and_no_findings_are_all_reported(
        self, evaluating, coordinator
    ):
        with pytest.raises(ValidationError) as refusal:
            record_evaluation(
                alliance=evaluating,
                user=coordinator,
                decision="postpone",
                findings="   ",
                ratings={**full_ratings(), "beauty": (5, "")},
            )
        assert set(refusal.value.message_dict) == {"decision", "findings", "__all__"}
        assert not Evaluation.objects.exists()

    @pytest.mark.parametrize(
        "steps",
        [(), ("start_implementation",), ("start_implementation", "start_monitoring")],
        ids=["identification", "implementation", "monitoring"],
    )
    def test_only_in_the_evaluation_phase(self, ready, coordinator, steps):
        advance(ready, coordinator, *steps)
        with translation.override("en"), pytest.raises(PhaseChangeError) as refusal:
            record_evaluation(
                alliance=ready,
                user=coordinator,
                decision="continue",
                findings="x",
                ratings=full_ratings(),
            )
        assert "only be recorded while the alliance is in “Evaluation”" in refusal.value.message
        assert not Evaluation.objects.exists()

    @pytest.mark.parametrize(
        ("role", "allowed"),
        [
            ("anonymous", False),
            ("outsider_representative", False),
            ("member_representative", False),
            ("other_coordinator", False),
            ("coordinator", True),
            ("administrator", True),
        ],
    )
    def test_who_may_evaluate(self, evaluating, role, allowed, request):
        user = user_for(role, request)
        call = {
            "alliance": evaluating,
            "user": user,
            "decision": "close",
            "findings": "x",
            "ratings": full_ratings(),
        }
        if allowed:
            record_evaluation(**call)
            assert Evaluation.objects.get().decision == "close"
        else:
            with pytest.raises(PhaseChangeNotPermitted):
                record_evaluation(**call)
            assert not Evaluation.objects.exists()

    def test_a_correction_replaces_the_ratings(self, evaluating, coordinator, administrator):
        first = record_evaluation(
            alliance=evaluating,
            user=coordinator,
            decision="close",
            findings="a",
            ratings=full_ratings(5, "primera"),
        )
        second = record_evaluation(
            alliance=evaluating,
            user=administrator,
            decision="reformulate",
            findings="b",
            ratings=full_ratings(2, "segunda"),
        )
        assert first.pk == second.pk
        assert Evaluation.objects.get().decision == "reformulate"
        assert second.author == administrator
        assert EvaluationRating.objects.count() == len(EVALUATION_CRITERIA)
        assert set(EvaluationRating.objects.values_list("score", "note")) == {(2, "segunda")}

    def test_a_failed_correction_keeps_the_saved_evaluation(self, evaluating, coordinator):
        record_evaluation(
            alliance=evaluating,
            user=coordinator,
            decision="close",
            findings="a",
            ratings=full_ratings(5),
        )
        broken = full_ratings(1)
        broken[Criterion.IMPACT] = (9, "")
        with pytest.raises(ValidationError):
            record_evaluation(
                alliance=evaluating,
                user=coordinator,
                decision="continue",
                findings="b",
                ratings=broken,
            )
        assert Evaluation.objects.get().decision == "close"
        assert set(EvaluationRating.objects.values_list("score", flat=True)) == {5}


class TestTheDecisionDrivesTheTransition:
    def test_reformulate_is_taken_and_continue_refused(self, evaluating, coordinator):
        record_evaluation(
            alliance=evaluating,
            user=coordinator,
            decision="reformulate",
            findings="El diseño no respondió al contexto.",
            ratings=full_ratings(2),
        )
        with translation.override("en"), pytest.raises(PhaseChangeError) as refusal:
            change_phase(alliance=evaluating, transition="continue_cycle", user=coordinator)
        assert [r.code for r in refusal.value.requirements] == ["evaluation_decision"]
        assert refusal.value.requirements[0].message == (
            "The evaluation of cycle 1 decided “Reformulate”, not “Continue”."
        )
        assert evaluating.phase == Phase.EVALUATION

        change_phase(alliance=evaluating, transition="reformulate", user=coordinator)
        assert (evaluating.phase, evaluating.cycle) == (Phase.IDENTIFICATION, 2)

    def test_after_the_transition_the_evaluation_is_final(self, evaluating, coordinator):
        record_evaluation(
            alliance=evaluating,
            user=coordinator,
            decision="continue",
            findings="Bien.",
            ratings=full_ratings(4),
        )
        change_phase(alliance=evaluating, transition="continue_cycle", user=coordinator)
        with pytest.raises(PhaseChangeError):
            record_evaluation(
                alliance=evaluating,
                user=coordinator,
                decision="close",
                findings="Otra",
                ratings=full_ratings(1),
            )
        evaluation = Evaluation.objects.get()
        assert (evaluation.cycle, evaluation.decision) == (1, "continue")
        assert set(evaluation.ratings.values_list("score", flat=True)) == {4}

    def test_the_evaluation_page_offers_the_decided_transition(self, as_coordinator, evaluating):
        url = reverse("fases:record_evaluation", args=[evaluating.pk])
        response = as_coordinator.post(
            url, evaluation_form_data("reformulate", "Rediseñar.", score=2), **EN
        )
        assert response.status_code == 302
        assert response.url == f"{url}#decided"
        page = text(as_coordinator.get(url, **EN))
        assert 'id="decided"' in page
        assert reverse("fases:change_phase", args=[evaluating.pk, "reformulate"]) in page
        assert reverse("fases:change_phase", args=[evaluating.pk, "continue_cycle"]) not in page
        assert "Confirm “Reformulate: redesign in a new cycle”" in page

        as_coordinator.post(reverse("fases:change_phase", args=[evaluating.pk, "reformulate"]))
        evaluating.refresh_from_db()
        assert (evaluating.phase, evaluating.cycle) == (Phase.IDENTIFICATION, 2)

    def test_a_new_cycle_keeps_the_earlier_evaluation_readable(
        self, client, evaluating, coordinator, member_representative
    ):
        record_evaluation(
            alliance=evaluating,
            user=coordinator,
            decision="continue",
            findings="Metas cumplidas en un 80 %.",
            lessons_learned="Involucrar antes a la comunidad.",
            ratings=full_ratings(4, "Nota de prueba"),
        )
        change_phase(alliance=evaluating, transition="continue_cycle", user=coordinator)
        assert evaluating.cycle == 2

        client.force_login(member_representative)
        page = text(client.get(reverse("fases:alliance_detail", args=[evaluating.pk]), **EN))
        detail_url = reverse("fases:evaluation_detail", args=[evaluating.pk, 1])
        assert detail_url in page
        assert "Continue" in page

        detail = client.get(detail_url, **EN)
        assert detail.status_code == 200
        body = text(detail)
        assert "Metas cumplidas en un 80 %." in body
        assert "Involucrar antes a la comunidad." in body
        assert body.count("Nota de prueba") == len(EVALUATION_CRITERIA)
        assert "Correct the evaluation" not in body


# --- The evaluation form ------------------------------------------------------------


class TestEvaluationForm:
    def test_the_form_groups_the_criteria(self, as_coordinator, evaluating):
        page = text(
            as_coordinator.get(reverse("fases:record_evaluation", args=[evaluating.pk]), **EN)
        )
        assert "<legend>Evaluation criteria</legend>" in page
        assert "<legend>Conditions for success</legend>" in page
        for criterion in EVALUATION_CRITERIA:
            assert f'name="{criterion.value}"' in page
            assert f'name="{criterion.value}_note"' in page
        assert page.index("Relevance") < page.index("Conditions for success")
        assert page.index("Conditions for success") < page.index("Trust among actors")

    def test_a_correction_starts_from_the_saved_ratings(self, evaluating, coordinator):
        ratings = full_ratings(3)
        ratings[Criterion.TRUST] = (1, "Desconfianza")
        evaluation = record_evaluation(
            alliance=evaluating,
            user=coordinator,
            decision="close",
            findings="x",
            ratings=ratings,
        )
        form = EvaluationForm(instance=evaluation)
        assert form["trust"].value() == 1
        assert form["trust_note"].value() == "Desconfianza"
        assert form["relevance"].value() == 3

    def test_a_missing_criterion_is_marked_next_to_it(self, as_coordinator, evaluating):
        data = evaluation_form_data("continue", "x")
        del data["trust"]
        response = as_coordinator.post(
            reverse("fases:record_evaluation", args=[evaluating.pk]), data, **EN
        )
        assert response.status_code == 200
        errors = re.search(r'<ul class="errorlist" id="id_trust_error">(.*?)</ul>', text(response))
        assert errors
        assert "Rate this criterion from 1 to 5." in errors.group(1)
        assert not Evaluation.objects.exists()

    @pytest.mark.parametrize("score", ["0", "6", "x", "4.5", ""])
    def test_a_bad_score_is_refused_next_to_the_field(self, as_coordinator, evaluating, score):
        data = evaluation_form_data("continue", "x", leadership=score)
        response = as_coordinator.post(
            reverse("fases:record_evaluation", args=[evaluating.pk]), data, **EN
        )
        assert response.status_code == 200
        assert 'id="id_leadership_error"' in text(response)
        assert not Evaluation.objects.exists()
        assert not EvaluationRating.objects.exists()

    def test_garbage_in_every_field_is_no_server_error(self, as_coordinator, evaluating):
        response = as_coordinator.post(
            reverse("fases:record_evaluation", args=[evaluating.pk]),
            {"decision": "¿?", "findings": "", "relevance": "∞", "trust_note": "x" * 3000},
        )
        assert response.status_code == 200
        assert not Evaluation.objects.exists()

    def test_outside_evaluation_nothing_is_saved(self, as_coordinator, monitoring):
        url = reverse("fases:record_evaluation", args=[monitoring.pk])
        response = as_coordinator.post(url, evaluation_form_data("continue", "x"), **EN)
        assert response.status_code == 200
        assert "only be recorded while the alliance is in “Evaluation”" in text(response)
        assert not Evaluation.objects.exists()

    def test_htmx_gets_the_form_alone(self, as_coordinator, evaluating):
        response = as_coordinator.get(
            reverse("fases:record_evaluation", args=[evaluating.pk]), **HTMX
        )
        assert "<html" not in text(response)
        assert 'hx-post="' in text(response)

    @pytest.mark.parametrize(
        ("role", "status"),
        [
            ("anonymous", 302),
            ("outsider_representative", 404),
            ("member_representative", 403),
            ("other_coordinator", 404),
            ("coordinator", 302),
            ("administrator", 302),
        ],
    )
    def test_who_may_post_it(self, client, evaluating, role, status, request):
        user = user_for(role, request)
        if user.is_authenticated:
            client.force_login(user)
        response = client.post(
            reverse("fases:record_evaluation", args=[evaluating.pk]),
            evaluation_form_data("continue", "x"),
        )
        assert response.status_code == status
        saved = Evaluation.objects.exists()
        assert saved == (role in ("coordinator", "administrator"))
        if role == "anonymous":
            assert response.url.startswith(reverse("login"))


# --- The evaluation panel and page -----------------------------------------------------


class TestEvaluationPanel:
    def test_the_panel_shows_the_ratings_as_a_chart_and_a_table(
        self, as_coordinator, evaluating, coordinator
    ):
        ratings = full_ratings(4)
        ratings[Criterion.TRUST] = (2, "Hubo tensiones")
        record_evaluation(
            alliance=evaluating,
            user=coordinator,
            decision="reformulate",
            findings="Rediseñar el modelo de gestión.",
            lessons_learned="Acordar reglas claras.",
            ratings=ratings,
        )
        page = text(
            as_coordinator.get(reverse("fases:alliance_detail", args=[evaluating.pk]), **EN)
        )
        panel = page[page.index('id="evaluation"') :]
        panel = panel[: panel.index("</section>")]
        assert "Reformulate" in panel
        assert "Rediseñar el modelo de gestión." in panel
        assert "Acordar reglas claras." in panel
        assert 'role="img"' in panel
        assert '<title id="evaluation-chart-title">' in panel
        assert "Trust among actors 2" in panel  # the title says every score
        assert panel.count('<th scope="row">') == len(EVALUATION_CRITERIA)
        assert "Hubo tensiones" in panel
        assert "Correct the evaluation" in panel
        assert reverse("fases:record_evaluation", args=[evaluating.pk]) in panel

    def test_readers_see_it_without_the_link_to_record(self, as_member, evaluating):
        page = text(as_member.get(reverse("fases:alliance_detail", args=[evaluating.pk]), **EN))
        assert 'id="evaluation"' in page
        assert "The evaluation of this cycle has not been recorded yet." in page
        assert reverse("fases:record_evaluation", args=[evaluating.pk]) not in page

    def test_the_checklist_links_to_the_panel(self, as_coordinator, evaluating):
        page = text(as_coordinator.get(reverse("fases:alliance_detail", args=[evaluating.pk])))
        summary = reverse("fases:alliance_detail", args=[evaluating.pk])
        assert f'href="{summary}#evaluation"' in page
        assert 'id="evaluation"' in page

    def test_no_panel_before_any_evaluation_can_exist(self, as_coordinator, alliance):
        page = text(as_coordinator.get(reverse("fases:alliance_detail", args=[alliance.pk])))
        assert 'id="evaluation"' not in page
        assert 'id="health"' not in page

    @pytest.mark.parametrize(
        ("role", "status"),
        [
            ("anonymous", 302),
            ("outsider_representative", 404),
            ("member_representative", 200),
            ("other_coordinator", 404),
            ("coordinator", 200),
            ("administrator", 200),
        ],
    )
    def test_who_may_read_an_earlier_evaluation(self, client, evaluating, role, status, request):
        coordinator = request.getfixturevalue("coordinator")
        record_evaluation(
            alliance=evaluating,
            user=coordinator,
            decision="continue",
            findings="x",
            ratings=full_ratings(),
        )
        change_phase(alliance=evaluating, transition="continue_cycle", user=coordinator)
        user = user_for(role, request)
        if user.is_authenticated:
            client.force_login(user)
        response = client.get(reverse("fases:evaluation_detail", args=[evaluating.pk, 1]))
        assert response.status_code == status

    @pytest.mark.parametrize("cycle", [0, 2, 99, 10**20])
    def test_unknown_cycles_are_not_found(self, as_coordinator, evaluating, cycle):
        response = as_coordinator.get(
            reverse("fases:evaluation_detail", args=[evaluating.pk, cycle])
        )
        assert response.status_code == 404

    def test_the_current_cycle_reads_as_not_recorded_yet(self, as_coordinator, evaluating):
        response = as_coordinator.get(
            reverse("fases:evaluation_detail", args=[evaluating.pk, 1]), **EN
        )
        assert response.status_code == 200
        assert "The evaluation of this cycle has not been recorded yet." in text(response)


# --- Answering the health check --------------------------------------------------------


class TestAnswerHealthCheck:
    def test_an_answer_saves_the_six_scores(self, monitoring, member_representative, member_actor):
        scores = {**ALL_SIX, "trust": 2, "leadership": "5"}
        health_check = answer_health_check(
            alliance=monitoring,
            actor=member_actor,
            user=member_representative,
            scores=scores,
            comment="  Falta diálogo.  ",
        )
        assert (health_check.cycle, health_check.respondent, health_check.comment) == (
            1,
            member_representative,
            "Falta diálogo.",
        )
        answers = dict(health_check.answers.values_list("condition", "score"))
        assert answers == {**ALL_SIX, "trust": 2, "leadership": 5}

    def test_an_actor_answers_once_per_cycle_and_may_update_it(
        self, monitoring, member_representative, member_actor
    ):
        other = UserFactory()
        member_actor.representatives.add(other)
        answer_health_check(
            alliance=monitoring, actor=member_actor, user=member_representative, scores=ALL_SIX
        )
        answer_health_check(
            alliance=monitoring,
            actor=member_actor,
            user=other,
            scores={**ALL_SIX, "trust": 1},
            comment="Actualizado",
        )
        health_check = HealthCheck.objects.get()
        assert (health_check.respondent, health_check.comment) == (other, "Actualizado")
        assert HealthCheckAnswer.objects.count() == 6
        assert health_check.answers.get(condition="trust").score == 1

    @pytest.mark.parametrize(
        "steps",
        [
            (),
            ("start_implementation",),
            ("start_implementation", "start_monitoring", "start_evaluation"),
        ],
        ids=["identification", "implementation", "evaluation"],
    )
    def test_only_during_monitoring(
        self, ready, coordinator, member_representative, member_actor, steps
    ):
        advance(ready, coordinator, *steps)
        with translation.override("en"), pytest.raises(HealthCheckError) as refusal:
            answer_health_check(
                alliance=ready, actor=member_actor, user=member_representative, scores=ALL_SIX
            )
        assert "Monitoring and follow-up" in refusal.value.message
        assert not HealthCheck.objects.exists()

    def test_only_a_representative_of_that_member_actor(
        self,
        monitoring,
        member_representative,
        member_actor,
        outsider_representative,
        coordinator,
        administrator,
    ):
        another_member = monitoring.memberships.exclude(actor=member_actor).first().actor
        outsider_actor = outsider_representative.actors.get()
        refused = [
            (member_representative, another_member),  # another member's actor
            (outsider_representative, outsider_actor),  # not a member
            (outsider_representative, member_actor),
            (coordinator, member_actor),
            (administrator, member_actor),
            (AnonymousUser(), member_actor),
        ]
        for user, actor in refused:
            with pytest.raises(HealthCheckNotPermitted):
                answer_health_check(alliance=monitoring, actor=actor, user=user, scores=ALL_SIX)
        assert not HealthCheck.objects.exists()

    def test_an_actor_who_left_no_longer_answers(
        self, monitoring, member_representative, member_actor
    ):
        monitoring.memberships.filter(actor=member_actor).update(left_on=datetime.date(2026, 2, 1))
        with pytest.raises(HealthCheckNotPermitted):
            answer_health_check(
                alliance=monitoring, actor=member_actor, user=member_representative, scores=ALL_SIX
            )
        assert not HealthCheck.objects.exists()

    @pytest.mark.parametrize(
        "change",
        [
            {"trust": 0},
            {"trust": 6},
            {"trust": "x"},
            {"trust": None},
            {"trust": 2.5},
            {"beauty": 3},
        ],
    )
    def test_every_score_from_1_to_5_is_required(
        self, monitoring, member_representative, member_actor, change
    ):
        scores = {**ALL_SIX, **change}
        if change.get("trust", 0) is None:
            del scores["trust"]
        with pytest.raises(ValidationError) as refusal:
            answer_health_check(
                alliance=monitoring, actor=member_actor, user=member_representative, scores=scores
            )
        assert list(refusal.value.message_dict) == ["__all__" if "beauty" in change else "trust"]
        assert not HealthCheck.objects.exists()
        assert not HealthCheckAnswer.objects.exists()


class TestHealthCheckPage:
    def test_a_representative_answers_through_the_page(self, as_member, monitoring, member_actor):
        url = reverse("seguimiento:health_check", args=[monitoring.pk])
        form = text(as_member.get(url, **EN))
        assert form.count("<fieldset") == len(CONDITIONS_FOR_SUCCESS)
        assert "There is trust among the actors." in form
        assert f"On behalf of <strong>{member_actor}</strong>" in form

        response = as_member.post(
            url, health_check_data(member_actor, {**ALL_SIX, "trust": 2}, comment="Bien")
        )
        assert response.status_code == 302
        assert response.url == reverse("fases:alliance_detail", args=[monitoring.pk]) + "#health"
        health_check = HealthCheck.objects.get()
        assert (health_check.actor, health_check.comment) == (member_actor, "Bien")
        assert health_check.answers.get(condition="trust").score == 2

        again = text(as_member.get(url, **EN))
        assert re.search(r'name="trust" value="2"[^>]*checked', again)

    @pytest.mark.parametrize(
        "tampered", ["outsider", "another_member", "999999", "x", "", str(10**20)]
    )
    def test_a_tampered_actor_is_refused(
        self, as_member, monitoring, member_actor, outsider_representative, tampered
    ):
        ids = {
            "outsider": outsider_representative.actors.get().pk,
            "another_member": monitoring.memberships.exclude(actor=member_actor).first().actor_id,
        }
        data = health_check_data(member_actor)
        data["actor"] = str(ids.get(tampered, tampered))
        response = as_member.post(
            reverse("seguimiento:health_check", args=[monitoring.pk]), data, **EN
        )
        assert response.status_code == 200
        assert "Choose one of the member organisations you represent." in text(response)
        assert not HealthCheck.objects.exists()

    @pytest.mark.parametrize("score", ["0", "6", "x", ""])
    def test_a_bad_score_is_refused_next_to_its_question(
        self, as_member, monitoring, member_actor, score
    ):
        data = health_check_data(member_actor, {**ALL_SIX, "leadership": score})
        response = as_member.post(
            reverse("seguimiento:health_check", args=[monitoring.pk]), data, **EN
        )
        assert response.status_code == 200
        errors = re.search(
            r'<ul class="errorlist" id="id_leadership_error">(.*?)</ul>', text(response)
        )
        assert errors
        assert "1 to 5" in errors.group(1)
        assert not HealthCheck.objects.exists()

    def test_a_missing_question_is_refused(self, as_member, monitoring, member_actor):
        data = health_check_data(member_actor)
        del data["fair_returns"]
        response = as_member.post(
            reverse("seguimiento:health_check", args=[monitoring.pk]), data, **EN
        )
        assert "Answer this question from 1 to 5." in text(response)
        assert not HealthCheck.objects.exists()

    def test_a_representative_of_several_members_picks_the_actor(
        self, client, monitoring, member_actor
    ):
        person = UserFactory()
        other = monitoring.memberships.exclude(actor=member_actor).first().actor
        member_actor.representatives.add(person)
        other.representatives.add(person)
        first, second = sorted([member_actor, other], key=lambda a: (a.name, a.pk))
        client.force_login(person)
        url = reverse("seguimiento:health_check", args=[monitoring.pk])

        page = text(client.get(url, **EN))
        assert re.search(rf'<option value="{first.pk}" selected>', page)
        page = text(client.get(f"{url}?actor={second.pk}", **EN))
        assert re.search(rf'<option value="{second.pk}" selected>', page)

        client.post(url, health_check_data(second))
        assert list(HealthCheck.objects.values_list("actor", flat=True)) == [second.pk]

    def test_outside_monitoring_it_explains_and_saves_nothing(self, as_member, ready, member_actor):
        url = reverse("seguimiento:health_check", args=[ready.pk])
        page = as_member.get(url, **EN)
        assert page.status_code == 200
        assert "answered while the alliance is in “Monitoring and follow-up”" in text(page)
        response = as_member.post(url, health_check_data(member_actor), **EN)
        assert response.status_code == 200
        assert not HealthCheck.objects.exists()

    @pytest.mark.parametrize(
        ("role", "status"),
        [
            ("anonymous", 302),
            ("outsider_representative", 404),
            ("member_representative", 302),
            ("other_coordinator", 404),
            ("coordinator", 403),
            ("administrator", 403),
        ],
    )
    def test_who_may_answer(self, client, monitoring, member_actor, role, status, request):
        user = user_for(role, request)
        if user.is_authenticated:
            client.force_login(user)
        response = client.post(
            reverse("seguimiento:health_check", args=[monitoring.pk]),
            health_check_data(member_actor),
        )
        assert response.status_code == status
        assert HealthCheck.objects.exists() == (role == "member_representative")

    def test_a_former_member_representative_may_not(self, as_member, monitoring, member_actor):
        monitoring.memberships.filter(actor=member_actor).update(left_on=datetime.date(2026, 2, 1))
        response = as_member.get(reverse("seguimiento:health_check", args=[monitoring.pk]))
        assert response.status_code == 403


# --- What the answers add up to ---------------------------------------------------------


def cycle_two_in_monitoring(alliance, coordinator):
    """Take ``alliance`` from Monitoreo of cycle 1 to Monitoreo of cycle 2."""
    advance(alliance, coordinator, "start_evaluation")
    record_evaluation(
        alliance=alliance,
        user=coordinator,
        decision="continue",
        findings="x",
        ratings=full_ratings(),
    )
    sign_agreement_for_every_member(alliance, cycle=alliance.cycle + 1)
    advance(alliance, coordinator, "continue_cycle")
    # Each member's commitment of the new cycle: the open ones carried over.
    carry_over_commitments(alliance=alliance, user=coordinator)
    advance(alliance, coordinator, "start_monitoring")
    return alliance


class TestHealthSummary:
    def test_averages_and_response_rate_of_the_current_cycle(self, monitoring):
        actors = [m.actor for m in monitoring.memberships.order_by("pk")]
        assert len(actors) == 3
        HealthCheckFactory(alliance=monitoring, actor=actors[0], scores={"trust": 5})
        HealthCheckFactory(alliance=monitoring, actor=actors[1], scores={"trust": 2})

        (cycle,) = health_summary(monitoring)
        assert (cycle.cycle, cycle.answered, cycle.members, cycle.response_rate) == (1, 2, 3, 67)
        averages = {c.condition: c.average for c in cycle.conditions}
        assert averages == {**{c.value: 4.0 for c in CONDITIONS_FOR_SUCCESS}, "trust": 3.5}
        assert all(c.change is None for c in cycle.conditions)

    def test_the_change_since_the_previous_cycle(self, monitoring, coordinator):
        actors = [m.actor for m in monitoring.memberships.order_by("pk")]
        for actor in actors:
            HealthCheckFactory(
                alliance=monitoring, actor=actor, scores={"trust": 5, "leadership": 4}
            )
        cycle_two_in_monitoring(monitoring, coordinator)
        HealthCheckFactory(
            alliance=monitoring, actor=actors[0], scores={"trust": 2, "leadership": 5}
        )
        HealthCheckFactory(
            alliance=monitoring, actor=actors[1], scores={"trust": 3, "leadership": 3}
        )

        first, second = health_summary(monitoring)
        assert (first.cycle, first.answered, first.members) == (1, 3, 3)
        assert (second.cycle, second.answered, second.members) == (2, 2, 3)
        trust = {c.condition: c for c in second.conditions}["trust"]
        assert (trust.previous, trust.average, trust.change, trust.trend) == (
            5.0,
            2.5,
            -2.5,
            "down",
        )
        leadership = {c.condition: c for c in second.conditions}["leadership"]
        assert (leadership.change, leadership.trend) == (0.0, "same")
        assert [c.condition for c in second.falling] == ["trust"]

    def test_members_who_joined_or_left_count_in_their_cycles(self, monitoring, coordinator):
        for membership in monitoring.memberships.all():
            HealthCheckFactory(alliance=monitoring, actor=membership.actor)
        cycle_two_in_monitoring(monitoring, coordinator)
        newcomer = MembershipFactory(
            alliance=monitoring,
            actor=ActorFactory(sector=Sector.ACADEMIA),
            role=Role.TECHNICAL_ALLY,
            joined_on=monitoring.phase_changes.get(transition="continue_cycle").created_at.date()
            + datetime.timedelta(days=1),
        )
        first, second = health_summary(monitoring)
        assert (first.members, second.members) == (3, 4)
        assert (second.answered, second.response_rate) == (0, 0)
        assert newcomer.actor_id not in set(HealthCheck.objects.values_list("actor_id", flat=True))

    def test_nothing_before_monitoring(self, ready, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert health_summary(ready) == []

    @pytest.mark.parametrize("actors", [3, 20])
    def test_a_fixed_number_of_queries(self, actors, django_assert_num_queries):
        alliance = alliance_answered_by(actors)
        with django_assert_num_queries(2):
            (cycle,) = health_summary(alliance)
        assert (cycle.answered, cycle.members) == (actors, actors)


def alliance_answered_by(count: int, coordinator=None) -> Alliance:
    """An alliance in Monitoreo whose ``count`` member actors all answered."""
    alliance = AllianceFactory(coordinators=[coordinator] if coordinator else [])
    for n in range(count):
        actor = ActorFactory(representatives=[UserFactory()])
        MembershipFactory(
            alliance=alliance, actor=actor, role=Role.LEADER if n == 0 else Role.FUNDER
        )
        HealthCheckFactory(alliance=alliance, actor=actor, scores={"trust": 1 + n % 5})
    set_phase(alliance, Phase.MONITORING)
    return alliance


# --- The health panel on the alliance page -------------------------------------------------


class TestHealthPanel:
    def test_a_representative_is_asked_to_answer_until_they_do(
        self, as_member, monitoring, member_actor, member_representative
    ):
        url = reverse("fases:alliance_detail", args=[monitoring.pk])
        page = text(as_member.get(url, **EN))
        assert 'id="health"' in page
        assert f"Answer for {member_actor}" in page
        assert (
            f"{reverse('seguimiento:health_check', args=[monitoring.pk])}?actor={member_actor.pk}"
            in page
        )
        assert "0 of 3 member actors answered the health check of cycle 1." in page

        answer_health_check(
            alliance=monitoring, actor=member_actor, user=member_representative, scores=ALL_SIX
        )
        page = text(as_member.get(url, **EN))
        assert f"Answer for {member_actor}" not in page
        assert "Update the answer" in page
        assert "1 of 3 member actors answered the health check of cycle 1." in page

    def test_coordinators_are_not_asked_to_answer(self, as_coordinator, monitoring):
        page = text(
            as_coordinator.get(reverse("fases:alliance_detail", args=[monitoring.pk]), **EN)
        )
        assert 'id="health"' in page
        assert "Answer for" not in page
        assert "No member actor has answered the health check yet." in page

    def test_the_chart_has_a_text_alternative_and_shows_the_fall(
        self, as_coordinator, monitoring, coordinator
    ):
        actors = [m.actor for m in monitoring.memberships.order_by("pk")]
        for actor in actors:
            HealthCheckFactory(alliance=monitoring, actor=actor, scores={"trust": 5})
        cycle_two_in_monitoring(monitoring, coordinator)
        HealthCheckFactory(
            alliance=monitoring, actor=actors[0], scores={"trust": 3, "leadership": 5}
        )

        page = text(
            as_coordinator.get(reverse("fases:alliance_detail", args=[monitoring.pk]), **EN)
        )
        panel = page[page.index('id="health"') :]
        panel = panel[: panel.index("</section>")]
        assert 'role="img"' in panel
        assert '<title id="health-chart-title">' in panel
        assert "Trust among actors 5.0, 3.0" in panel
        assert panel.count("<rect") == 2 + 2 * len(CONDITIONS_FOR_SUCCESS)  # legend + bars
        assert '<caption class="visually-hidden">' in panel
        assert panel.count('<th scope="row">') == len(CONDITIONS_FOR_SUCCESS)
        trust_row = re.search(r"<th scope=\"row\">Trust among actors</th>(.*?)</tr>", panel, re.S)
        assert trust_row
        assert "▼" in trust_row.group(1)
        assert "-2.0" in trust_row.group(1)
        leadership_row = re.search(
            r"<th scope=\"row\">Adequate leadership</th>(.*?)</tr>", panel, re.S
        )
        assert "▲" in leadership_row.group(1)
        assert "+1.0" in leadership_row.group(1)
        assert "Falling in cycle 2, compared with the previous cycle:" in panel
        assert "1 of 3 member actors answered the health check of cycle 2." in panel

    def test_earlier_answers_stay_visible_after_monitoring(
        self, as_member, monitoring, coordinator
    ):
        for membership in monitoring.memberships.all():
            HealthCheckFactory(alliance=monitoring, actor=membership.actor)
        advance(monitoring, coordinator, "start_evaluation")
        page = text(as_member.get(reverse("fases:alliance_detail", args=[monitoring.pk]), **EN))
        assert 'id="health-chart-title"' in page
        assert "Answer for" not in page

    @pytest.mark.parametrize("actors", [3, 20])
    def test_the_panels_use_a_fixed_number_of_queries(self, actors, django_assert_num_queries):
        alliance = alliance_answered_by(actors)
        person = alliance.memberships.first().actor.representatives.get()
        template = Template(
            "{% load evaluation health_check %}{% evaluation_panel alliance user %}"
            "{% health_check_panel alliance user %}"
        )
        # health_summary (2) and the person's actors still to answer (1).
        with django_assert_num_queries(3), translation.override("en"):
            html = template.render(Context({"alliance": alliance, "user": person}))
        assert "Update the answer" in html

    @pytest.mark.parametrize("actors", [3, 20])
    def test_the_alliance_page_has_the_same_bound_for_3_and_20_actors(
        self, client, actors, django_assert_max_num_queries
    ):
        coordinator = UserFactory()
        alliance = alliance_answered_by(actors, coordinator)
        client.force_login(coordinator)
        with django_assert_max_num_queries(ALLIANCE_PAGE_QUERIES):
            response = client.get(reverse("fases:alliance_detail", args=[alliance.pk]), **EN)
        assert response.status_code == 200
        assert f"{actors} of {actors} member actors answered" in text(response)


# The alliance page in Monitoreo, the panels included; the same for 3 actors or 20.
ALLIANCE_PAGE_QUERIES = 30


def test_queries_do_not_grow_with_the_actors_answering(client):
    counts = []
    for actors in (3, 20):
        coordinator = UserFactory()
        alliance = alliance_answered_by(actors, coordinator)
        client.force_login(coordinator)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("fases:alliance_detail", args=[alliance.pk]))
        counts.append(len(queries))
    assert counts[0] == counts[1]
