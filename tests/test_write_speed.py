"""The five writes of ``make bench`` (tools/bench/writes.py), each a POST as the browser sends
it on the bench's own small alliance (``tools.bench.data.write_world``): each still writes
what it wrote (with its history and audit rows) and answers with its redirect, within the
queries it needs ("Fast when nothing is cached": the numbers are counts, never times).

The bounds are the counts measured when the repeated reads were taken out (reading the
coordinators once per request, the locked rows not asked for again by ``full_clean``, the
agreement, its version in force and whether the actor signed it in one query, the
requirements read once for the check and django-fsm's check of the same conditions); a
write that reads a row again, or once per row, goes over them. Each count includes the
SAVEPOINT and RELEASE that the test's own transaction makes of a service's (or a
constraint check's) ``atomic`` block: two statements a server does not send."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from alianzas.lifecycle import Phase
from alianzas.models import Alliance, PhaseChange
from fases import governance
from fases.models import ActionPoint, AgreementSignature, Decision
from seguimiento.models import Commitment, CommitmentUpdate, Measurement, MeasurementCorrection
from tests.factories import ActorFactory, UserFactory
from tools.bench import data, writes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_page_cache")]


@pytest.fixture
def _no_page_cache():
    with override_settings(PAGE_CACHE=False):
        yield


@pytest.fixture
def world():
    return data.write_world(1)


@pytest.fixture
def client(world):
    client = Client()
    client.force_login(world.writer)
    return client


def post(client, path, form, django_assert_max_num_queries, bound):
    with django_assert_max_num_queries(bound):
        response = client.post(path, form)
    assert response.status_code == 302, response.content[:2000]
    return response


def test_log_progress(world, client, django_assert_max_num_queries):
    (path, form) = writes.progress_jobs(world, 1)[0][0]
    _alliance, commitment_pk = world.commitments[0]
    response = post(client, path, form, django_assert_max_num_queries, 14)
    commitment = Commitment.objects.get(pk=commitment_pk)
    assert commitment.progress == int(form["progress"])
    assert commitment.status == "in_progress"
    update = CommitmentUpdate.objects.get(commitment=commitment)
    assert update.author == world.writer
    assert commitment.history.count() >= 1
    assert response["Location"] == reverse(
        "seguimiento:commitment_detail", args=[commitment.alliance_id, commitment.pk]
    )
    assert client.get(response["Location"]).status_code == 200


def test_report_a_value_and_correct_it(world, client, django_assert_max_num_queries):
    alliance_pk, indicator_pk, periods = world.indicators[0]
    path = f"/alianzas/{alliance_pk}/indicadores/{indicator_pk}/valores/nuevo/"
    form = {"period_start": periods[-1], "value": "120", "note": "Medición"}
    post(client, path, form, django_assert_max_num_queries, 17)
    measurement = Measurement.objects.get(indicator_id=indicator_pk, period_start=periods[-1])
    assert measurement.value == Decimal("120")
    assert measurement.reported_by == world.writer
    assert measurement.cycle == Alliance.objects.get(pk=alliance_pk).cycle

    # Reported again: a correction, the earlier value kept.
    response = post(client, path, {**form, "value": "150"}, django_assert_max_num_queries, 18)
    measurement.refresh_from_db()
    assert measurement.value == Decimal("150")
    correction = MeasurementCorrection.objects.get(measurement=measurement)
    assert correction.previous_value == Decimal("120")
    assert correction.corrected_by == world.writer
    assert measurement.history.count() == 2
    assert client.get(response["Location"]).status_code == 200


def test_a_second_value_for_a_period_is_still_refused_by_the_database(world):
    """``report_measurement`` no longer asks full_clean whether the period is taken (it read
    the period's value under the indicator's lock); the constraint still holds for anyone
    writing around the service."""
    from django.db import IntegrityError, transaction

    _alliance, indicator_pk, periods = world.indicators[0]
    first = Measurement.objects.create(
        indicator_id=indicator_pk,
        cycle=1,
        period_start=datetime.date.fromisoformat(periods[0]),
        period_end=datetime.date.fromisoformat(periods[0]),
        value=1,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.create(
            indicator_id=indicator_pk,
            cycle=1,
            period_start=first.period_start,
            period_end=first.period_end,
            value=2,
        )


def test_start_monitoring(world, client, django_assert_max_num_queries):
    (path, form) = writes.phase_jobs(world, 1)[0][0]
    alliance_pk = world.alliances[0]
    response = post(client, path, form, django_assert_max_num_queries, 18)
    alliance = Alliance.objects.get(pk=alliance_pk)
    assert alliance.phase == Phase.MONITORING
    change = PhaseChange.objects.get(alliance=alliance, transition="start_monitoring")
    assert change.user == world.writer
    assert change.source_phase == Phase.IMPLEMENTATION
    assert response["Location"] == reverse("fases:alliance_detail", args=[alliance_pk])


def test_sign_the_agreement_once(world, client, django_assert_max_num_queries):
    (path, form) = writes.signature_jobs(world, 1)[0][0]
    alliance_pk, actor_pk = world.signatures[0]
    response = post(client, path, form, django_assert_max_num_queries, 14)
    signature = AgreementSignature.objects.get(
        version__agreement__alliance_id=alliance_pk, actor_id=actor_pk
    )
    assert signature.recorded_by == world.writer
    assert signature.history.count() == 1
    assert client.get(response["Location"]).status_code == 200

    # The same actor again: refused, nothing written.
    again = client.post(path, form)
    assert again.status_code == 200
    assert "ya firmó" in again.content.decode() or "already signed" in again.content.decode()
    assert (
        AgreementSignature.objects.filter(
            version__agreement__alliance_id=alliance_pk, actor_id=actor_pk
        ).count()
        == 1
    )


def test_record_an_action_point(world, client, django_assert_max_num_queries):
    (path, form) = writes.action_point_jobs(world, 1)[0][0]
    alliance_pk, meeting_pk, decision_pk, actors = world.decisions[0]
    response = post(client, path, form, django_assert_max_num_queries, 16)
    point = ActionPoint.objects.get(decision_id=decision_pk)
    assert point.alliance_id == alliance_pk
    assert point.owner == world.writer
    assert point.owner_actor_id == actors[0]
    assert point.history.count() == 1
    assert response["Location"] == (
        reverse("fases:meeting_detail", args=[alliance_pk, meeting_pk]) + "#decisions"
    )
    # The meeting's page: each point with its owner and owner actor, read with the points.
    with django_assert_max_num_queries(10):
        page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "Enviar el informe de avance" in content
    assert str(point.owner_actor) in content


def test_an_action_point_with_a_wrong_owner_reports_every_field(world):
    """The owner's checks read the rows full_clean then need not ask for again; when they
    fail, full_clean still reports what else is missing, as before."""
    _alliance_pk, _meeting, decision_pk, actors = world.decisions[0]
    decision = Decision.objects.select_related("meeting__alliance").get(pk=decision_pk)
    outsider = ActorFactory()
    with pytest.raises(ValidationError) as refused:
        governance.add_action_point(
            decision=decision,
            user=world.writer,
            description="Enviar el informe",
            owner_actor=outsider,
            owner=None,
            due_date=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert set(refused.value.message_dict) == {"owner_actor", "owner"}

    # A member actor, but a person who neither represents it nor sits on the committee.
    member_actor_pk = actors[0]
    stranger = UserFactory()
    with pytest.raises(ValidationError) as refused:
        governance.add_action_point(
            decision=decision,
            user=world.writer,
            description="Enviar el informe",
            owner_actor=decision.meeting.alliance.memberships.get(actor_id=member_actor_pk).actor,
            owner=stranger,
            due_date=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert set(refused.value.message_dict) == {"owner"}
    assert not ActionPoint.objects.filter(decision=decision).exists()


def test_the_agreement_page_follows_the_signatures(world, client, django_assert_max_num_queries):
    """The page finds the version in force in its list of versions and who signed it in its
    rows (not asking ``agreement_of`` again): a draft nobody signed is edited, a signed one
    amended, and the signing is offered while a member the person represents has not."""
    alliance_pk = world.alliances[0]
    url = reverse("fases:agreement", args=[alliance_pk])
    sign = reverse("fases:agreement_sign", args=[alliance_pk])
    page = client.get(url).content.decode()
    assert "Editar el borrador" in page
    assert "Hacer una adenda" not in page
    assert sign in page

    members = [actor for pk, actor in world.signatures if pk == alliance_pk]
    client.post(sign, {"actor": str(members[0]), "confirm": "on"})
    page = client.get(url).content.decode()
    assert "Hacer una adenda (nueva versión)" in page
    assert "Editar el borrador" not in page
    assert sign in page  # the other members are still to sign

    for actor in members[1:]:
        client.post(sign, {"actor": str(actor), "confirm": "on"})
    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert sign not in page
    assert page.count(world.writer.username) >= len(members)  # each row's signatory
