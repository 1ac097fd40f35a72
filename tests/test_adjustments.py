"""Adjustments: after Identificación, changes to the design are recorded with their reason."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alianzas.adjustments import AdjustmentReason
from alianzas.models import Adjustment, Indicator, Membership, Role
from alianzas.services import save_alliance_part
from fases.services import change_phase, record_evaluation
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    ObjectiveFactory,
    full_ratings,
    measure_every_indicator,
    ready_for_implementation,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def implementing(coordinator):
    alliance = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))
    change_phase(alliance=alliance, transition="start_implementation", user=coordinator)
    return alliance


@pytest.fixture
def as_coordinator(client, coordinator):
    client.force_login(coordinator)
    return client


def indicator_data(indicator, **changes):
    data = {
        "name": indicator.name,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "baseline_value": indicator.baseline_value,
        "baseline_date": indicator.baseline_date,
        "target_value": indicator.target_value,
        "target_date": indicator.target_date,
        "frequency": indicator.frequency,
        "responsible_actor": indicator.responsible_actor_id or "",
    }
    return {**data, **changes}


def edit_url(alliance, indicator):
    return reverse("alianzas:indicator_edit", args=[alliance.pk, indicator.pk])


def test_in_identification_changes_are_not_adjustments(as_coordinator, coordinator):
    alliance = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))
    indicator = Indicator.objects.get(objective__alliance=alliance)
    form = as_coordinator.get(edit_url(alliance, indicator))
    assert "adjustment-reason" not in form.content.decode()
    response = as_coordinator.post(
        edit_url(alliance, indicator), indicator_data(indicator, target_value="500")
    )
    assert response.status_code == 302
    assert not Adjustment.objects.exists()


def test_changing_a_target_after_identification_needs_a_reason(as_coordinator, implementing):
    indicator = Indicator.objects.get(objective__alliance=implementing)
    url = edit_url(implementing, indicator)
    assert 'name="adjustment-reason"' in as_coordinator.get(url).content.decode()

    refused = as_coordinator.post(url, indicator_data(indicator, target_value="500"), **EN)
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    indicator.refresh_from_db()
    assert indicator.target_value == Decimal("480")
    assert not Adjustment.objects.exists()

    accepted = as_coordinator.post(
        url,
        {
            **indicator_data(indicator, target_value="500", target_date="2028-06-30"),
            "adjustment-reason": "budget_realignment",
            "adjustment-explanation": "El financiador amplió el aporte.",
        },
    )
    assert accepted.status_code == 302
    indicator.refresh_from_db()
    assert indicator.target_value == Decimal("500")
    adjustment = Adjustment.objects.get()
    assert (adjustment.subject, adjustment.object_id, adjustment.reason) == (
        "indicator",
        indicator.pk,
        "budget_realignment",
    )
    assert adjustment.changes == {
        "target_value": ["480.0000", "500"],
        "target_date": ["2027-12-31", "2028-06-30"],
    }
    assert (adjustment.cycle, adjustment.phase) == (1, "implementation")
    assert adjustment.explanation == "El financiador amplió el aporte."


def test_other_needs_its_description(as_coordinator, implementing):
    indicator = Indicator.objects.get(objective__alliance=implementing)
    response = as_coordinator.post(
        edit_url(implementing, indicator),
        {**indicator_data(indicator, target_value="500"), "adjustment-reason": "other"},
        **EN,
    )
    assert "Describe the reason when it is “Other”." in response.content.decode()
    assert not Adjustment.objects.exists()


def test_a_member_joining_during_implementation_is_an_adjustment(as_coordinator, implementing):
    university = ActorFactory(name="UNSCH", sector="academia")
    response = as_coordinator.post(
        reverse("alianzas:member_add", args=[implementing.pk]),
        {
            "actor": university.pk,
            "role": Role.TECHNICAL_ALLY,
            "joined_on": "2026-08-01",
            "adjustment-reason": "partner_change",
        },
    )
    assert response.status_code == 302
    adjustment = Adjustment.objects.get()
    assert adjustment.subject == "membership"
    assert adjustment.changes["actor"] == ["", "UNSCH"]


def test_a_member_leaving_is_recorded_with_its_date(as_coordinator, implementing):
    membership = implementing.memberships.get(role=Role.FUNDER)
    as_coordinator.post(
        reverse("alianzas:member_end", args=[implementing.pk, membership.pk]),
        {"left_on": "2026-09-30", "adjustment-reason": "partner_change"},
    )
    membership.refresh_from_db()
    assert membership.left_on == datetime.date(2026, 9, 30)
    assert Adjustment.objects.get().changes == {"left_on": ["", "2026-09-30"]}


def test_saving_without_changes_records_nothing(coordinator, implementing):
    objective = implementing.objectives.get()
    save_alliance_part(
        user=coordinator,
        alliance=implementing,
        part=objective,
        adjustment=AdjustmentReason("adaptive_management"),
    )
    assert not Adjustment.objects.exists()


def test_the_service_refuses_a_change_without_a_reason(coordinator, implementing):
    objective = implementing.objectives.get()
    objective.title = "Otro objetivo"
    with pytest.raises(ValidationError) as refusal:
        save_alliance_part(user=coordinator, alliance=implementing, part=objective)
    assert refusal.value.code == "adjustment_required"
    objective.refresh_from_db()
    assert objective.title != "Otro objetivo"


def test_a_new_objective_during_implementation_is_an_adjustment(coordinator, implementing):
    objective = ObjectiveFactory.build(alliance=implementing, position=2, title="Nuevo objetivo")
    save_alliance_part(
        user=coordinator,
        alliance=implementing,
        part=objective,
        adjustment=AdjustmentReason("change_of_context"),
    )
    adjustment = Adjustment.objects.get()
    assert (adjustment.subject, adjustment.object_id) == ("objective", objective.pk)
    assert adjustment.changes["title"] == ["", "Nuevo objetivo"]


def test_a_closed_alliance_cannot_change(coordinator, implementing):
    change_phase(
        alliance=implementing, transition="close_early", user=coordinator, comment="Sin fondos"
    )
    membership = Membership(alliance=implementing, actor=ActorFactory(), role=Role.OBSERVER)
    with pytest.raises(ValidationError) as refusal:
        save_alliance_part(
            user=coordinator,
            alliance=implementing,
            part=membership,
            adjustment=AdjustmentReason("other", "x"),
        )
    assert refusal.value.code == "alliance_closed"
    assert not implementing.memberships.filter(role=Role.OBSERVER).exists()


def test_after_reformulating_the_design_is_open_again(coordinator, implementing):
    change_phase(alliance=implementing, transition="start_monitoring", user=coordinator)
    measure_every_indicator(implementing)
    change_phase(alliance=implementing, transition="start_evaluation", user=coordinator)
    record_evaluation(
        alliance=implementing,
        user=coordinator,
        decision="reformulate",
        findings="Rediseñar.",
        ratings=full_ratings(),
    )
    change_phase(alliance=implementing, transition="reformulate", user=coordinator)
    objective = implementing.objectives.get()
    objective.title = "Objetivo reformulado"
    save_alliance_part(user=coordinator, alliance=implementing, part=objective)
    assert not Adjustment.objects.exists()


def test_the_alliance_history_shows_the_adjustment(as_coordinator, implementing, coordinator):
    objective = implementing.objectives.get()
    objective.title = "Objetivo ajustado"
    save_alliance_part(
        user=coordinator,
        alliance=implementing,
        part=objective,
        adjustment=AdjustmentReason("delays", explanation="Lluvias intensas."),
    )
    page = as_coordinator.get(reverse("fases:alliance_history", args=[implementing.pk]))
    text = page.content.decode()
    assert 'id="adjustments"' in text
    assert "Objetivo ajustado" in text
    assert "Lluvias intensas." in text


def test_changing_a_commitment_after_identification_is_an_adjustment(as_coordinator, implementing):
    commitment = implementing.commitments.first()
    url = reverse("seguimiento:commitment_edit", args=[implementing.pk, commitment.pk])
    data = {
        "actor": commitment.actor_id,
        "description": commitment.description,
        "kind": commitment.kind,
        "value_pen": "90000.00",
        "due_date": "2027-03-31",
    }
    refused = as_coordinator.post(url, data)
    assert refused.status_code == 200
    commitment.refresh_from_db()
    assert commitment.value_pen == Decimal("150000.00")

    as_coordinator.post(url, {**data, "adjustment-reason": "budget_realignment"})
    commitment.refresh_from_db()
    assert commitment.value_pen == Decimal("90000.00")
    adjustment = Adjustment.objects.get()
    assert adjustment.subject == "commitment"
    assert adjustment.changes == {
        "value_pen": ["150000.00", "90000.00"],
        "due_date": ["2026-12-31", "2027-03-31"],
    }


def test_a_new_commitment_in_a_later_phase_is_not_an_adjustment(as_coordinator, implementing):
    member = implementing.memberships.first().actor
    response = as_coordinator.post(
        reverse("seguimiento:commitment_create", args=[implementing.pk]),
        {
            "actor": member.pk,
            "description": "Nuevo aporte",
            "kind": "technical",
            "due_date": "2027-01-31",
        },
    )
    assert response.status_code == 302
    assert not Adjustment.objects.exists()
