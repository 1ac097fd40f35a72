"""Tampered ids: every form that names an object by id, in its address or its data, refuses
another actor's commitment, another alliance's objective, indicator or member, and changes
nothing (a 404, a 403 or a form error; never a server error)."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse

from alianzas.lifecycle import Phase
from alianzas.models import Role
from fases.services import change_phase
from seguimiento.models import CommitmentUpdate, HealthCheck, Measurement
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    IndicatorFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
    measure_every_indicator,
    ready_for_implementation,
    sign_agreement_for_every_member,
)

pytestmark = pytest.mark.django_db


def database():
    """Every row of the project's tables, so a refusal can be shown to have changed nothing."""
    state = {}
    for label in ("alianzas", "fases", "seguimiento"):
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = sorted(
                map(repr, model._default_manager.order_by("pk").values_list())
            )
    return state


@pytest.fixture
def cast(coordinator, member_representative, outsider_representative):
    """Two alliances in implementation. In ours, the member representative's actor and a
    second member actor, each with a commitment and an indicator; the other alliance,
    coordinated by someone else, with its own objective, indicator, member and commitment."""
    ours = ready_for_implementation(AllianceFactory(coordinators=[coordinator]))
    mine = ActorFactory(representatives=[member_representative])
    partner = ActorFactory(representatives=[UserFactory()])
    MembershipFactory(alliance=ours, actor=mine, role=Role.IMPLEMENTING_PARTNER)
    MembershipFactory(alliance=ours, actor=partner, role=Role.TECHNICAL_ALLY)
    objective = ObjectiveFactory(alliance=ours)
    my_indicator = IndicatorFactory(objective=objective, responsible_actor=mine, frequency="annual")
    partner_indicator = IndicatorFactory(
        objective=objective, responsible_actor=partner, frequency="annual"
    )
    my_commitment = CommitmentFactory(alliance=ours, actor=mine)
    partner_commitment = CommitmentFactory(alliance=ours, actor=partner)
    sign_agreement_for_every_member(ours)  # the two members added after the others signed
    change_phase(alliance=ours, transition="start_implementation", user=coordinator)

    other_coordinator = UserFactory(username="coordinador-otra")
    theirs = ready_for_implementation(AllianceFactory(coordinators=[other_coordinator]))
    ActorFactory(representatives=[outsider_representative])
    return {
        "ours": ours,
        "mine": mine,
        "partner": partner,
        "my_indicator": my_indicator,
        "partner_indicator": partner_indicator,
        "my_commitment": my_commitment,
        "partner_commitment": partner_commitment,
        "theirs": theirs,
        "their_objective": theirs.objectives.get(),
        "their_indicator": theirs.objectives.get().indicators.get(),
        "their_membership": theirs.memberships.first(),
        "their_commitment": theirs.commitments.first(),
        "their_actor": theirs.memberships.first().actor,
    }


def refused(response, refusal) -> bool:
    """Refused the way the case expects: ``refusal`` is a status (404 for what the person
    may not see, 403 for what they see but may not change), or the name of the tampered
    field, on which the form shown again must carry the error."""
    if isinstance(refusal, int):
        return response.status_code == refusal
    form = (
        response.context.get("form") if response.status_code == 200 and response.context else None
    )
    return form is not None and bool(form.errors.get(refusal))


def commitment_data(actor, **extra):
    return {
        "actor": actor.pk,
        "description": "Aportar 10 técnicos",
        "kind": "human_resources",
        "value_pen": "",
        "due_date": "2026-11-30",
        **extra,
    }


def indicator_data(**extra):
    return {
        "name": "Familias con agua",
        "unit": "familias",
        "direction": "increase",
        "baseline_value": "1",
        "baseline_date": "2025-12-31",
        "target_value": "9",
        "target_date": "2027-12-31",
        "frequency": "annual",
        "responsible_actor": "",
        "adjustment-reason": "delays",
        **extra,
    }


ADJUSTMENT = {"adjustment-reason": "delays"}

# (who, url name, address parameters from the cast, data built from the cast, how it is
# refused: a status or the tampered field, and the honest control: the same request by the
# same person — the coordinator where the tampering is the person — with the honest value,
# which must succeed).
CASES = {
    # Commitments: a representative and another actor's commitment or actor.
    "representative edits another actor's commitment": (
        "member_representative",
        "seguimiento:commitment_edit",
        lambda c: [c["ours"].pk, c["partner_commitment"].pk],
        lambda c: commitment_data(c["partner"], **ADJUSTMENT),
        403,
        (
            None,
            lambda c: [c["ours"].pk, c["my_commitment"].pk],
            lambda c: commitment_data(c["mine"], **ADJUSTMENT),
        ),
    ),
    "representative moves their commitment to another actor": (
        "member_representative",
        "seguimiento:commitment_edit",
        lambda c: [c["ours"].pk, c["my_commitment"].pk],
        lambda c: commitment_data(c["partner"], **ADJUSTMENT),
        "actor",
        (None, None, lambda c: commitment_data(c["mine"], **ADJUSTMENT)),
    ),
    "representative records a commitment for another actor": (
        "member_representative",
        "seguimiento:commitment_create",
        lambda c: [c["ours"].pk],
        lambda c: commitment_data(c["partner"], **ADJUSTMENT),
        "actor",
        (None, None, lambda c: commitment_data(c["mine"], **ADJUSTMENT)),
    ),
    "coordinator records a commitment for an actor outside the alliance": (
        "coordinator",
        "seguimiento:commitment_create",
        lambda c: [c["ours"].pk],
        lambda c: commitment_data(c["their_actor"], **ADJUSTMENT),
        "actor",
        (None, None, lambda c: commitment_data(c["mine"], **ADJUSTMENT)),
    ),
    "coordinator edits another alliance's commitment through their own": (
        "coordinator",
        "seguimiento:commitment_edit",
        lambda c: [c["ours"].pk, c["their_commitment"].pk],
        lambda c: commitment_data(c["mine"], **ADJUSTMENT),
        404,
        (None, lambda c: [c["ours"].pk, c["my_commitment"].pk], None),
    ),
    "representative logs progress on another actor's commitment": (
        "member_representative",
        "seguimiento:log_progress",
        lambda c: [c["ours"].pk, c["partner_commitment"].pk],
        lambda c: {"progress": "90"},
        403,
        (None, lambda c: [c["ours"].pk, c["my_commitment"].pk], None),
    ),
    "coordinator logs progress on another alliance's commitment": (
        "coordinator",
        "seguimiento:log_progress",
        lambda c: [c["ours"].pk, c["their_commitment"].pk],
        lambda c: {"progress": "90"},
        404,
        (None, lambda c: [c["ours"].pk, c["my_commitment"].pk], None),
    ),
    # Indicators and their values.
    "coordinator edits another alliance's indicator through their own": (
        "coordinator",
        "alianzas:indicator_edit",
        lambda c: [c["ours"].pk, c["their_indicator"].pk],
        lambda c: indicator_data(),
        404,
        (None, lambda c: [c["ours"].pk, c["my_indicator"].pk], None),
    ),
    "coordinator makes an outside actor responsible for an indicator": (
        "coordinator",
        "alianzas:indicator_edit",
        lambda c: [c["ours"].pk, c["my_indicator"].pk],
        lambda c: indicator_data(responsible_actor=c["their_actor"].pk),
        "responsible_actor",
        (None, None, lambda c: indicator_data(responsible_actor=c["partner"].pk)),
    ),
    "coordinator adds an indicator to another alliance's objective": (
        "coordinator",
        "alianzas:indicator_create",
        lambda c: [c["ours"].pk, c["their_objective"].pk],
        lambda c: indicator_data(),
        404,
        (None, lambda c: [c["ours"].pk, c["my_indicator"].objective.pk], None),
    ),
    "representative reports a value of another actor's indicator": (
        "member_representative",
        "seguimiento:report_measurement",
        lambda c: [c["ours"].pk, c["partner_indicator"].pk],
        lambda c: {"period_start": "2026-01-01", "value": "5"},
        403,
        (None, lambda c: [c["ours"].pk, c["my_indicator"].pk], None),
    ),
    "coordinator reports a value of another alliance's indicator": (
        "coordinator",
        "seguimiento:report_measurement",
        lambda c: [c["ours"].pk, c["their_indicator"].pk],
        lambda c: {"period_start": "2026-01-01", "value": "5"},
        404,
        (None, lambda c: [c["ours"].pk, c["my_indicator"].pk], None),
    ),
    # Objectives and members.
    "coordinator edits another alliance's objective through their own": (
        "coordinator",
        "alianzas:objective_edit",
        lambda c: [c["ours"].pk, c["their_objective"].pk],
        lambda c: {"position": "1", "title": "Cambiado", **ADJUSTMENT},
        404,
        (None, lambda c: [c["ours"].pk, c["my_indicator"].objective.pk], None),
    ),
    "coordinator ends another alliance's membership through their own": (
        "coordinator",
        "alianzas:member_end",
        lambda c: [c["ours"].pk, c["their_membership"].pk],
        lambda c: {"left_on": "2026-06-30", **ADJUSTMENT},
        404,
        (None, lambda c: [c["ours"].pk, c["ours"].memberships.get(actor=c["partner"]).pk], None),
    ),
    "coordinator adds a current member again": (
        "coordinator",
        "alianzas:member_add",
        lambda c: [c["ours"].pk],
        lambda c: {
            "actor": c["mine"].pk,
            "role": "observer",
            "joined_on": "2026-02-01",
            **ADJUSTMENT,
        },
        "actor",
        (
            None,
            None,
            lambda c: {
                "actor": ActorFactory().pk,
                "role": "observer",
                "joined_on": "2026-02-01",
                **ADJUSTMENT,
            },
        ),
    ),
    "coordinator adds an actor that does not exist": (
        "coordinator",
        "alianzas:member_add",
        lambda c: [c["ours"].pk],
        lambda c: {
            "actor": "999999999",
            "role": "observer",
            "joined_on": "2026-02-01",
            **ADJUSTMENT,
        },
        "actor",
        (
            None,
            None,
            lambda c: {
                "actor": ActorFactory().pk,
                "role": "observer",
                "joined_on": "2026-02-01",
                **ADJUSTMENT,
            },
        ),
    ),
    "another alliance's coordinator edits our objective": (
        "other_coordinator",
        "alianzas:objective_edit",
        lambda c: [c["ours"].pk, c["ours"].objectives.first().pk],
        lambda c: {"position": "1", "title": "Cambiado", **ADJUSTMENT},
        404,
        ("coordinator", None, None),
    ),
    "a representative edits the alliance": (
        "member_representative",
        "alianzas:alliance_edit",
        lambda c: [c["ours"].pk],
        lambda c: alliance_data(c["ours"], name="Tomada"),
        403,
        ("coordinator", None, None),
    ),
    "an outsider edits the actor of a member": (
        "outsider_representative",
        "alianzas:actor_edit",
        lambda c: [c["mine"].pk],
        lambda c: actor_data(c["mine"], name="Tomada"),
        403,
        ("member_representative", None, None),
    ),
}


def alliance_data(alliance, **extra):
    """The alliance's edit form as it stands (the page's own values), with ``extra``."""
    return {**form_values(alliance, "alianzas:alliance_edit", [alliance.pk]), **extra}


def actor_data(actor, **extra):
    return {**form_values(actor, "alianzas:actor_edit", [actor.pk]), **extra}


def form_values(obj, name, args):
    """What the edit form of ``obj`` would send unchanged: its initial values, as text."""
    from django.test import Client

    coordinator_or_self = _editor_of(obj)
    client = Client()
    client.force_login(coordinator_or_self)
    form = client.get(reverse(name, args=args)).context["form"]
    values = {}
    for field_name in form.fields:
        value = form[field_name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            values[field_name] = [str(getattr(v, "pk", v)) for v in value]
        else:
            values[field_name] = str(getattr(value, "pk", value))
    values.update(ADJUSTMENT)
    return values


def _editor_of(obj):
    from alianzas.models import Alliance

    if isinstance(obj, Alliance):
        return obj.coordinators.first()
    return obj.representatives.first()


@pytest.fixture
def people(coordinator, member_representative, outsider_representative):
    return {
        "coordinator": coordinator,
        "member_representative": member_representative,
        "outsider_representative": outsider_representative,
        "other_coordinator": UserFactory(username="coordinador-otra"),  # the cast's
    }


@pytest.mark.parametrize("case", CASES)
def test_a_tampered_id_is_refused_and_changes_nothing(client, cast, people, case):
    role, name, address, data, refusal, _honest = CASES[case]
    url, payload = reverse(name, args=address(cast)), data(cast)
    client.force_login(people[role])
    before = database()

    response = client.post(url, payload)

    errors = (
        response.context["form"].errors if response.context and "form" in response.context else None
    )
    assert refused(response, refusal), (response.status_code, refusal, errors)
    assert database() == before


@pytest.mark.parametrize("case", CASES)
def test_the_same_request_with_the_honest_value_succeeds(client, cast, people, case):
    """The control of each case: only the tampered value (or person) differs, and the request
    is then accepted and changes something, so the refusal above is about that value."""
    role, name, address, data, _refusal, (honest_role, honest_address, honest_data) = CASES[case]
    url = reverse(name, args=(honest_address or address)(cast))
    payload = (honest_data or data)(cast)
    client.force_login(people[honest_role or role])
    before = database()

    response = client.post(url, payload)

    errors = (
        response.context["form"].errors if response.context and "form" in response.context else None
    )
    assert response.status_code == 302, (response.status_code, errors)
    assert database() != before


def test_the_health_check_refuses_an_actor_the_person_does_not_represent(
    client, cast, coordinator, member_representative
):
    ours = cast["ours"]
    measure_every_indicator(ours)  # monitoring needs a value of every indicator
    change_phase(alliance=ours, transition="start_monitoring", user=coordinator)
    assert ours.phase == Phase.MONITORING
    client.force_login(member_representative)
    data = {"actor": cast["partner"].pk, "comment": "Tomada"}
    data.update(dict.fromkeys(_conditions(), "5"))
    before = database()

    response = client.post(reverse("seguimiento:health_check", args=[ours.pk]), data)

    assert response.status_code == 200
    assert "actor" in response.context["form"].errors
    assert database() == before
    assert not HealthCheck.objects.exists()


def _conditions():
    from alianzas.criteria import CONDITIONS_FOR_SUCCESS

    return [c.value for c in CONDITIONS_FOR_SUCCESS]


def test_the_evidence_of_another_alliance_is_not_found(client, cast, coordinator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from seguimiento.services import log_progress

    theirs = cast["theirs"]
    their_coordinator = theirs.coordinators.get()
    change_phase(alliance=theirs, transition="start_implementation", user=their_coordinator)
    update = log_progress(
        commitment=cast["their_commitment"],
        user=their_coordinator,
        progress=10,
        evidence=SimpleUploadedFile("acta.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    client.force_login(coordinator)
    assert client.get(reverse("seguimiento:update_evidence", args=[update.pk])).status_code == 404
    assert CommitmentUpdate.objects.count() == 1
    assert not Measurement.objects.filter(indicator__objective__alliance=cast["ours"]).exists()


def test_the_cast_is_valid_so_the_refusals_are_about_the_ids(client, cast, member_representative):
    """The same form with the person's own ids is accepted: what is refused above is the id."""
    client.force_login(member_representative)
    url = reverse("seguimiento:commitment_edit", args=[cast["ours"].pk, cast["my_commitment"].pk])
    response = client.post(url, commitment_data(cast["mine"], **ADJUSTMENT))
    assert response.status_code == 302
    cast["my_commitment"].refresh_from_db()
    assert cast["my_commitment"].due_date == datetime.date(2026, 11, 30)
