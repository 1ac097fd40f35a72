"""Members' roles (one lead at a time), their interests and expectations, and an actor
registered on the spot from "Añadir un miembro"."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from alianzas import access, members
from alianzas.lifecycle import Phase
from alianzas.models import Actor, Adjustment, Alliance, Membership, PeopleEvent, Role
from alianzas.validators import normalise_ruc
from tests.factories import ActorFactory, AllianceFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
VALID_RUC = "20131312955"  # SUNAT's own


@pytest.fixture
def alliance(coordinator):
    return AllianceFactory(coordinators=[coordinator])


@pytest.fixture
def coordinator():
    return UserFactory(username="coordinador")


def leaders(alliance):
    return list(
        alliance.memberships.filter(role=Role.LEADER, left_on__isnull=True).values_list(
            "actor__name", flat=True
        )
    )


# --- Roles ----------------------------------------------------------------------------


def test_designating_a_new_lead_swaps_both_rows_without_anyone_leaving(
    client, alliance, coordinator
):
    old = MembershipFactory(alliance=alliance, actor=ActorFactory(name="Antiguo"), role=Role.LEADER)
    new = MembershipFactory(alliance=alliance, actor=ActorFactory(name="Nuevo"), role=Role.FUNDER)
    client.force_login(coordinator)
    response = client.post(
        reverse("alianzas:member_role", args=[alliance.pk, new.pk]),
        {"role": Role.LEADER, "former_leader_role": Role.TECHNICAL_ALLY},
        **EN,
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.role, new.role) == (Role.TECHNICAL_ALLY, Role.LEADER)
    assert old.left_on is None
    assert new.left_on is None
    assert Membership.objects.filter(alliance=alliance).count() == 2  # no false exit row
    assert leaders(alliance) == ["Nuevo"]
    assert PeopleEvent.objects.filter(kind="role_changed").count() == 2
    page = client.get(reverse("fases:alliance_history", args=[alliance.pk]), **EN)
    assert "Leader → Technical ally" in page.content.decode()


def test_after_identification_the_lead_change_is_an_adjustment_of_both_rows(alliance, coordinator):
    old = MembershipFactory(alliance=alliance, role=Role.LEADER)
    new = MembershipFactory(alliance=alliance, role=Role.FUNDER)
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.IMPLEMENTATION)
    alliance.refresh_from_db()
    with pytest.raises(Exception, match=r"adjustment|ajuste"):
        members.change_role(user=coordinator, alliance=alliance, membership=new, role=Role.LEADER)
    assert leaders(alliance) == [old.actor.name]  # all or nothing
    members.change_role(
        user=coordinator,
        alliance=alliance,
        membership=new,
        role=Role.LEADER,
        adjustment=members.AdjustmentReason(reason="partner_change"),
    )
    adjustments = Adjustment.objects.filter(alliance=alliance, subject="membership")
    assert {tuple(a.changes["role"]) for a in adjustments} == {
        ("leader", "implementing_partner"),
        ("funder", "leader"),
    }
    assert not any("left_on" in a.changes for a in adjustments)


def test_the_lead_change_needs_a_reason_on_the_page_after_identification(
    client, alliance, coordinator
):
    new = MembershipFactory(alliance=alliance, role=Role.FUNDER)
    MembershipFactory(alliance=alliance, role=Role.LEADER)
    Alliance.objects.filter(pk=alliance.pk).update(phase=Phase.IMPLEMENTATION)
    client.force_login(coordinator)
    url = reverse("alianzas:member_role", args=[alliance.pk, new.pk])
    response = client.post(url, {"role": Role.LEADER, "former_leader_role": "funder"}, **EN)
    assert response.status_code == 200
    assert "Reason for the adjustment" in response.content.decode()
    response = client.post(
        url,
        {"role": Role.LEADER, "former_leader_role": "funder", "adjustment-reason": "delays"},
        **EN,
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=new.pk).role == Role.LEADER


@pytest.mark.postgres
def test_two_leads_are_impossible_in_the_database(alliance):
    MembershipFactory(alliance=alliance, role=Role.LEADER)
    second = MembershipFactory(alliance=alliance, role=Role.FUNDER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=second.pk).update(role=Role.LEADER)
    # A lead who has left does not count.
    Membership.objects.filter(alliance=alliance, role=Role.LEADER).update(left_on="2026-02-01")
    Membership.objects.filter(pk=second.pk).update(role=Role.LEADER)


def test_only_coordinators_change_roles(client, alliance):
    membership = MembershipFactory(alliance=alliance)
    representative = UserFactory()
    membership.actor.representatives.add(representative)
    client.force_login(representative)
    url = reverse("alianzas:member_role", args=[alliance.pk, membership.pk])
    assert (
        client.post(url, {"role": Role.LEADER, "former_leader_role": "funder"}).status_code == 403
    )
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert Membership.objects.get(pk=membership.pk).role == Role.IMPLEMENTING_PARTNER


def test_bad_role_input_is_explained(client, alliance, coordinator):
    membership = MembershipFactory(alliance=alliance)
    client.force_login(coordinator)
    response = client.post(
        reverse("alianzas:member_role", args=[alliance.pk, membership.pk]),
        {"role": "king", "former_leader_role": "leader"},
        **EN,
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


# --- Interests and expectations ----------------------------------------------------------


def test_interests_are_recorded_at_join_edited_and_shown(client, alliance, coordinator):
    actor = ActorFactory(name="Cooperativa Agraria")
    client.force_login(coordinator)
    response = client.post(
        reverse("alianzas:member_add", args=[alliance.pk]),
        {
            "actor": actor.pk,
            "role": Role.IMPLEMENTING_PARTNER,
            "joined_on": "2026-01-10",
            "seeks": "Mercado para el cacao",
            "brings": "Doscientos productores",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(actor=actor)
    assert membership.seeks == "Mercado para el cacao"
    representative = UserFactory()
    actor.representatives.add(representative)
    client.force_login(representative)
    response = client.post(
        reverse("alianzas:member_interests", args=[alliance.pk, membership.pk]),
        {"seeks": "Precio justo", "brings": "Doscientos productores"},
    )
    assert response.status_code == 302
    page = client.get(reverse("fases:alliance_detail", args=[alliance.pk]), **EN)
    assert "Precio justo" in page.content.decode()
    # Another member's representative may not change it.
    client.force_login(UserFactory())
    url = reverse("alianzas:member_interests", args=[alliance.pk, membership.pk])
    assert client.get(url).status_code == 404


# --- An actor on the spot --------------------------------------------------------------------


def new_actor_data(**overrides):
    data = {
        "name": "Asociación de Productores de Pichari",
        "acronym": "APP",
        "sector": "civil_society",
        "ruc": "",
        "region": "",
        "member-role": Role.IMPLEMENTING_PARTNER,
        "member-joined_on": "2026-01-15",
        "member-seeks": "Asistencia técnica",
        "member-brings": "Conocimiento del territorio",
    }
    data.update(overrides)
    return data


def test_a_new_actor_is_registered_and_joins_at_once(client, alliance, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("alianzas:member_new_actor", args=[alliance.pk]),
        new_actor_data(ruc="20 131.312-955"),
        HTTP_HX_REQUEST="true",
        **EN,
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"]
    actor = Actor.objects.get(name="Asociación de Productores de Pichari")
    assert actor.ruc == VALID_RUC  # pasted with spaces, dots and a dash: normalised
    assert actor.registered_by == coordinator
    membership = Membership.objects.get(actor=actor, alliance=alliance)
    assert membership.seeks == "Asistencia técnica"


def test_registering_on_the_spot_validates_like_the_registry(client, alliance, coordinator):
    client.force_login(coordinator)
    url = reverse("alianzas:member_new_actor", args=[alliance.pk])
    response = client.post(url, new_actor_data(ruc="20131312956"), **EN)
    assert "check digit does not match" in response.content.decode()
    MembershipFactory(alliance=alliance, role=Role.LEADER)
    response = client.post(url, new_actor_data(**{"member-role": Role.LEADER}), **EN)
    assert "already has a lead actor" in response.content.decode()
    assert not Actor.objects.filter(name__startswith="Asociación").exists()  # all or nothing


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ({"name": "Otra razón social", "ruc": VALID_RUC}, {"ruc": "20131312955"}),
        ({"name": "ASOCIACIÓN DE PRODUCTORES DE PICHARI"}, {}),
    ],
    ids=["same RUC", "same name"],
)
def test_a_duplicate_offers_the_existing_actor(client, alliance, coordinator, existing, typed):
    actor = ActorFactory(**existing)
    client.force_login(coordinator)
    response = client.post(
        reverse("alianzas:member_new_actor", args=[alliance.pk]),
        new_actor_data(**typed),
        HTTP_HX_REQUEST="true",
        **EN,
    )
    html = response.content.decode()
    assert "already registered" in html
    offer = reverse("alianzas:member_add", args=[alliance.pk]) + f"?actor={actor.pk}"
    assert offer in html
    assert Actor.objects.count() == 1
    # The offer opens "Añadir un miembro" with that actor chosen.
    form = client.get(offer, HTTP_HX_REQUEST="true").content.decode()
    assert f'<option value="{actor.pk}" selected>' in form
    # A hand-edited ?actor= preselects nothing, and is not a 500.
    for tampered in ("²", "x", "9" * 40):
        address = reverse("alianzas:member_add", args=[alliance.pk]) + f"?actor={tampered}"
        response = client.get(address, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert f'<option value="{actor.pk}" selected>' not in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("20131312955", "20131312955"),
        (" 20 131 312 955 ", "20131312955"),
        ("20.131.312.955", "20131312955"),
        ("20-13131295-5", "20131312955"),
        ("abc", "abc"),
        ("", ""),
    ],
)
def test_a_ruc_is_normalised(typed, stored):
    assert normalise_ruc(typed) == stored


def test_the_registry_form_normalises_the_ruc_too(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("alianzas:actor_create"),
        {"name": "Empresa", "sector": "private", "ruc": "20.131.312.955"},
    )
    assert response.status_code == 302
    assert Actor.objects.get().ruc == VALID_RUC


def test_who_registered_an_actor_edits_it_until_it_has_representatives(client, coordinator):
    client.force_login(coordinator)
    client.post(reverse("alianzas:actor_create"), {"name": "Recién llegada", "sector": "academia"})
    actor = Actor.objects.get()
    assert actor.registered_by == coordinator
    assert access.can_edit_actor(coordinator, actor)
    assert client.get(reverse("alianzas:actor_edit", args=[actor.pk])).status_code == 200
    someone = UserFactory()
    assert not access.can_edit_actor(someone, actor)
    actor.representatives.add(UserFactory())
    assert not access.can_edit_actor(coordinator, actor)
    assert client.get(reverse("alianzas:actor_edit", args=[actor.pk])).status_code == 403
