"""What the cheaper pages of "Fast when nothing is cached" must keep: the API's written-out
serializers write what DRF's field-by-field walk wrote; the actor page lists its commitments a
page at a time, the open ones first; the network's drawing escapes what it shows and follows
the kept figures when the worker renews them; the search finds by every field it did."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework import serializers

from alianzas.models import Alliance, Region, Sector
from fases import network
from fases.api import serializers as api
from fases.api.views import AllianceViewSet, MeasurementViewSet
from seguimiento.models import CommitmentStatus
from seguimiento.search import search
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MeasurementFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


def drf_walk(serializer, instance):
    """What DRF's own ``ModelSerializer.to_representation`` writes for ``instance``."""
    return serializers.ModelSerializer.to_representation(serializer, instance)


def test_the_written_out_alliance_serializer_writes_what_drf_wrote():
    full = AllianceFactory(name="Agua <segura> & limpia", end_date=datetime.date(2027, 6, 30))
    full.regions.add(*Region.objects.filter(code__in=["05", "15"]))
    full.goals.add(6, 3)
    MembershipFactory(alliance=full, actor=ActorFactory(sector=Sector.PRIVATE))
    MembershipFactory(alliance=full, left_on=datetime.date(2026, 5, 1))
    AllianceFactory(start_date=None)  # no dates, no territory, no members
    rows = list(AllianceViewSet().rows().order_by("pk"))
    expected = [drf_walk(api.AllianceSerializer(), alliance) for alliance in rows]
    # One alliance alone (its relations read for it), and a list's page (attached at once).
    assert [api.AllianceSerializer(alliance).data for alliance in rows] == expected
    api.attach_related(rows)
    written = api.AllianceSerializer(rows, many=True).data
    assert written == expected
    assert [r["code"] for r in written[0]["territory"]] == ["05", "15"]  # Ayacucho, Lima
    assert written[0]["sdgs"] == [3, 6]
    assert written[0]["members"][1]["left_on"] == "2026-05-01"
    assert written[1]["start_date"] is None
    assert written[1]["members"] == []


def test_the_alliance_list_reads_its_page_in_a_fixed_number_of_queries(
    client, administrator, django_assert_num_queries
):
    for _ in range(3):
        alliance = AllianceFactory()
        alliance.regions.add(*Region.objects.filter(code__in=["05", "15"]))
        alliance.goals.add(1, 2)
        MembershipFactory.create_batch(2, alliance=alliance)
    client.force_login(administrator)
    url = reverse("api:alliance-list")
    client.get(url)
    # Session, person, the page (a cursor: no count), its territories, SDGs and members.
    with django_assert_num_queries(6):
        answer = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    labels = {row["phase_label"] for row in answer.json()["results"]}
    assert labels == {"Identification, formulation and design"}


def test_the_written_out_measurement_serializer_writes_what_drf_wrote():
    MeasurementFactory(value=Decimal("12.5"), note="primer trimestre")
    MeasurementFactory(value=Decimal("-0.0001"))
    listed = MeasurementViewSet().rows().order_by("pk")
    serializer = api.MeasurementSerializer(listed, many=True)
    assert serializer.data == [drf_walk(serializer.child, row) for row in listed]
    assert serializer.data[0]["value"] == "12.5000"
    # Without the list's annotation (the answer to a POST) the alliance is read from the row.
    one = listed[0].__class__.objects.get(pk=listed[0].pk)
    alone = api.MeasurementSerializer(one).data
    assert alone == serializer.data[0]
    assert alone["alliance"] == one.indicator.objective.alliance_id


def test_the_actor_page_lists_its_commitments_a_page_at_a_time_the_open_first(
    client, administrator, monkeypatch
):
    monkeypatch.setattr("alianzas.views.PAGE_SIZE", 2)
    actor = ActorFactory(name="Municipalidad de Pichari")
    alliance = AllianceFactory(name="Café de Pichari")
    MembershipFactory(alliance=alliance, actor=actor)
    done = CommitmentFactory(
        alliance=alliance,
        actor=actor,
        description="Cumplido hace tiempo",
        due_date=datetime.date(2026, 1, 31),
    )
    type(done).objects.filter(pk=done.pk).update(status=CommitmentStatus.FULFILLED)
    later = CommitmentFactory(alliance=alliance, actor=actor, description="Abierto, vence después")
    sooner = CommitmentFactory(
        alliance=alliance,
        actor=actor,
        description="Abierto, vence antes",
        due_date=datetime.date(2026, 6, 30),
    )
    client.force_login(administrator)
    url = reverse("seguimiento:actor_detail", args=[actor.pk])
    first = client.get(url)
    assert [c.pk for c in first.context["page"]] == [sooner.pk, later.pk]
    content = first.content.decode()
    assert "Cumplido hace tiempo" not in content
    commitments = reverse("fases:alliance_commitments", args=[alliance.pk])
    assert f'href="{commitments}#commitment-{sooner.pk}"' in content
    link = reverse("fases:alliance_detail", args=[alliance.pk])
    assert f'href="{link}"' in content  # the alliances it is in
    second = client.get(url, {"page": 2})
    assert [c.pk for c in second.context["page"]] == [done.pk]
    assert "Cumplido hace tiempo" in second.content.decode()


def test_the_network_drawing_escapes_names_and_follows_renewed_figures(client, administrator):
    first = AllianceFactory()
    odd = ActorFactory(name='Asociación "<Río>" & Co.', acronym="")
    MembershipFactory(alliance=first, actor=odd)
    MembershipFactory(alliance=first)
    network.refresh_national()
    client.force_login(administrator)
    url = reverse("fases:actor_network")
    content = client.get(url).content.decode()
    assert "Asociación &quot;&lt;Río&gt;&quot; &amp; Co. (" in content
    assert "<Río>" not in content
    assert content.count("<circle") == 2
    # The worker renews the figures: the next visit draws them, not what this process read.
    MembershipFactory(alliance=first)
    assert network.refresh_national() is True
    assert client.get(url).content.decode().count("<circle") == 3


def test_the_search_still_finds_by_every_field(administrator):
    actor = ActorFactory(
        name="Cooperativa Agraria", acronym="COOPAGRO", ruc="20123456789", description="Café"
    )
    by_member = AllianceFactory(name="Ruta del cacao", problem="Precios bajos")
    MembershipFactory(alliance=by_member, actor=actor)
    by_name = AllianceFactory(name="Coopagro en el VRAEM", problem="Otro")
    by_problem = AllianceFactory(name="Otra", problem="Sin acopio: coopagro ausente")
    AllianceFactory(name="Ninguna", problem="Nada que ver")
    found = search(administrator, "COOPAGRO")
    assert {a.pk for a in found.alliances} == {by_member.pk, by_name.pk, by_problem.pk}
    assert [a.pk for a in found.actors] == [actor.pk]
    assert {a.pk for a in search(administrator, "20123456789").alliances} == {by_member.pk}
    assert [a.pk for a in search(administrator, "cafe").actors] == [actor.pk]
    assert [a.pk for a in search(administrator, "20 123 456 789").actors] == [actor.pk]
    assert not Alliance.objects.filter(pk__in=[a.pk for a in found.alliances], name="Ninguna")
