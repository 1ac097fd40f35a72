"""Invitations: a coordinator brings in a representative or a co-coordinator by e-mail,
and the team's comings and goings are recorded in the alliance's history."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from alianzas import access, invitations
from alianzas.models import Invitation, PeopleEvent, Role, User
from alianzas.refusals import Refused
from seguimiento.models import CommitmentUpdate, OutgoingMessage
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
GOOD_PASSWORD = "quinua-andina-2026"


@pytest.fixture
def team():
    coordinator = UserFactory(username="coordinadora")
    alliance = AllianceFactory(coordinators=[coordinator])
    actor = ActorFactory(name="Municipalidad Distrital de Pichari")
    MembershipFactory(alliance=alliance, actor=actor, role=Role.LEADER)
    return {"coordinator": coordinator, "alliance": alliance, "actor": actor}


def path_in(message: OutgoingMessage) -> str:
    """The invitation link of an e-mail, as a path for the test client."""
    url = re.search(r"https?://\S+/invitacion/\S+/", message.text).group(0)
    return urlsplit(url).path


def invite_representative(team, email="nueva@example.pe", language="en"):
    invitation, _ = invitations.invite(
        user=team["coordinator"],
        alliance=team["alliance"],
        kind=Invitation.Kind.REPRESENTATIVE,
        email=email,
        actor=team["actor"],
        language=language,
    )
    return invitation


def test_invite_a_new_person_who_accepts_and_logs_progress(
    client, team, django_capture_on_commit_callbacks
):
    alliance, actor = team["alliance"], team["actor"]
    commitment = CommitmentFactory(alliance=alliance, actor=actor)
    client.force_login(team["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("alianzas:invite", args=[alliance.pk]),
            {
                "kind": "representative",
                "actor": actor.pk,
                "email": "Nueva@Example.pe ",
                "language": "en",
            },
            **EN,
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nueva@example.pe"
    assert invitation.invited_by == team["coordinator"]
    # Stored first, in the invitee's language, then sent once by the (in-process) worker.
    message = OutgoingMessage.objects.get()
    assert message.status == "sent"
    assert message.recipient is None
    assert message.language == "en"
    assert "invites you to the alliance" in message.text
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nueva@example.pe"]
    link = path_in(message)
    client.logout()

    page = client.get(link)
    assert page.status_code == 200
    assert "representative of Municipalidad Distrital de Pichari" in page.content.decode()
    response = client.post(
        link,
        {
            "first_name": "Rosa",
            "last_name": "Quispe",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 302
    # Where the new representative has work: their actor's commitments.
    commitments = reverse("fases:alliance_commitments", args=[alliance.pk])
    assert response.url == f"{commitments}#commitments-actor-{actor.pk}"
    person = User.objects.get(email="nueva@example.pe")
    assert person.get_full_name() == "Rosa Quispe"
    assert person.language == "en"
    assert access.represents(person, actor.pk)
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert invitation.accepted_by == person
    # Signed in already: the representative logs their actor's progress.
    response = client.post(
        reverse("seguimiento:log_progress", args=[alliance.pk, commitment.pk]), {"progress": 40}
    )
    assert response.status_code == 302
    assert CommitmentUpdate.objects.get().author == person
    kinds = list(alliance.people_events.values_list("kind", flat=True))
    assert kinds == ["joined_as_representative", "invited"]


def test_a_person_with_an_account_signs_in_and_accepts(client, team):
    existing = UserFactory(username="ana", email="ana@example.pe", language="en")
    _invitation, reused = invitations.invite(
        user=team["coordinator"],
        alliance=team["alliance"],
        kind=Invitation.Kind.COORDINATOR,
        email="ANA@example.pe",
        language="es-pe",
    )
    assert not reused
    # The e-mail follows the account's language, not the one the coordinator chose.
    message = OutgoingMessage.objects.get()
    assert message.recipient == existing
    assert message.language == "en"
    assert "sign in with your account" in message.text
    link = path_in(message)
    page = client.get(link)
    assert reverse("login") in page.content.decode()
    client.force_login(existing)
    page = client.get(link)
    assert "Aceptar la invitación" in page.content.decode() or page.status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    # A co-coordinator lands on the summary, where the next step is.
    assert response.url == reverse("fases:alliance_detail", args=[team["alliance"].pk])
    assert team["alliance"].coordinators.filter(pk=existing.pk).exists()
    assert PeopleEvent.objects.filter(kind="joined_as_coordinator", person=existing).exists()


def test_inviting_the_same_address_again_reuses_the_pending_invitation(team):
    first = invite_representative(team)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        again = invite_representative(team, email="NUEVA@example.pe")
    assert again.pk == first.pk
    assert Invitation.objects.count() == 1
    again.refresh_from_db()
    assert again.times_sent == 2
    assert again.expires_at > first.expires_at
    assert OutgoingMessage.objects.count() == 2
    # A different role is a different invitation.
    invitations.invite(
        user=team["coordinator"],
        alliance=team["alliance"],
        kind=Invitation.Kind.COORDINATOR,
        email="nueva@example.pe",
    )
    assert Invitation.objects.filter(status="pending").count() == 2


def test_only_the_coordinators_invite(team):
    representative = UserFactory()
    team["actor"].representatives.add(representative)
    with pytest.raises(Refused):
        invitations.invite(
            user=representative,
            alliance=team["alliance"],
            kind=Invitation.Kind.COORDINATOR,
            email="x@example.pe",
        )
    assert not Invitation.objects.exists()


def test_a_representative_is_invited_for_a_current_member_only(client, team):
    client.force_login(team["coordinator"])
    outsider = ActorFactory()
    response = client.post(
        reverse("alianzas:invite", args=[team["alliance"].pk]),
        {
            "kind": "representative",
            "actor": outsider.pk,
            "email": "a@example.pe",
            "language": "es-pe",
        },
        **EN,
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()
    response = client.post(
        reverse("alianzas:invite", args=[team["alliance"].pk]),
        {"kind": "representative", "email": "not-an-address", "language": "es-pe"},
        **EN,
    )
    assert "Choose the actor the person will represent." in response.content.decode()
    assert "Enter a valid email address." in response.content.decode()


def states_change_nothing(client, link, expected_status, wording):
    before = (
        User.objects.count(),
        PeopleEvent.objects.count(),
        list(Invitation.objects.values_list("status", flat=True)),
    )
    page = client.get(link, **EN)
    assert page.status_code == expected_status
    assert wording in page.content.decode()
    posted = client.post(
        link,
        {
            "first_name": "X",
            "last_name": "Y",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
        **EN,
    )
    assert posted.status_code == expected_status
    after = (
        User.objects.count(),
        PeopleEvent.objects.count(),
        list(Invitation.objects.values_list("status", flat=True)),
    )
    assert after == before


def test_expired_links_are_refused(client, team):
    invitation = invite_representative(team)
    link = invitations.link(invitation)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        states_change_nothing(client, link, 410, "This invitation has expired")


def test_the_expiry_is_a_setting(client, team, settings):
    settings.INVITATION_DAYS = 2
    invitation = invite_representative(team)
    assert invitation.expires_at - invitation.created_at < datetime.timedelta(days=2, seconds=5)


def test_used_links_are_refused(client, team):
    invitation = invite_representative(team)
    link = invitations.link(invitation)
    client.post(
        link,
        {
            "first_name": "A",
            "last_name": "B",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )
    client.logout()
    states_change_nothing(client, link, 410, "This invitation was already accepted")


def test_withdrawn_links_are_refused(client, team):
    invitation = invite_representative(team)
    link = invitations.link(invitation)
    client.force_login(team["coordinator"])
    response = client.post(
        reverse("alianzas:invitation_withdraw", args=[team["alliance"].pk, invitation.pk])
    )
    assert response.status_code == 302
    client.logout()
    states_change_nothing(client, link, 410, "This invitation was withdrawn")
    assert PeopleEvent.objects.filter(kind="invitation_withdrawn", by=team["coordinator"]).exists()


def test_tampered_links_are_refused(client, team, settings):
    settings.AXES_FAILURE_LIMIT = 100  # the throttle has its own test
    invitation = invite_representative(team)
    link = invitations.link(invitation)
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = signing.dumps([invitation.pk, "otro"], salt="otra-sal", compress=True)
    for bad in (token[:-2] + "xx", forged, "no-es-un-token"):
        states_change_nothing(
            client,
            reverse("alianzas:invitation_accept", args=[bad]),
            404,
            "This invitation link is not valid",
        )


def test_the_page_speaks_the_invitees_language(client, team):
    invitation = invite_representative(team, language="en")
    english = client.get(invitations.link(invitation)).content.decode()
    assert '<html lang="en">' in english
    assert "Invitation to" in english
    spanish = invite_representative(team, email="otra@example.pe", language="es-pe")
    # (The wording itself is in the Spanish catalogue; the page is in Spanish.)
    assert '<html lang="es-pe">' in client.get(invitations.link(spanish)).content.decode()


def test_the_password_validators_apply(client, team):
    link = invitations.link(invite_representative(team))
    response = client.post(
        link,
        {"first_name": "Rosa", "last_name": "Q", "password1": "12345678", "password2": "12345678"},
        **EN,
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(email="nueva@example.pe").exists()
    assert Invitation.objects.get().status == "pending"


def test_accepting_is_throttled_like_signing_in(client, team, settings):
    settings.AXES_FAILURE_LIMIT = 3
    good = invitations.link(invite_representative(team))
    for attempt in range(3):
        client.get(reverse("alianzas:invitation_accept", args=[f"adivinanza-{attempt}"]))
    response = client.get(good, **EN)
    assert response.status_code == 429
    response = client.post(
        good,
        {
            "first_name": "A",
            "last_name": "B",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 429
    assert Invitation.objects.get().status == "pending"


def test_resending_renews_the_link(client, team):
    invitation = invite_representative(team)
    client.force_login(team["coordinator"])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6)):
        client.post(
            reverse("alianzas:invitation_send_again", args=[team["alliance"].pk, invitation.pk])
        )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10)):
        assert invitations.open_link(invitations.token_for(invitation)).state == "valid"
    assert OutgoingMessage.objects.count() == 2


def test_pending_invitations_are_listed_for_the_coordinators(client, team):
    invite_representative(team)
    client.force_login(team["coordinator"])
    page = client.get(reverse("fases:alliance_detail", args=[team["alliance"].pk]), **EN)
    html = page.content.decode()
    assert "Pending invitations" in html
    assert "nueva@example.pe" in html
    assert "Withdraw the invitation to nueva@example.pe" in html
    representative = UserFactory()
    team["actor"].representatives.add(representative)
    client.force_login(representative)
    page = client.get(reverse("fases:alliance_detail", args=[team["alliance"].pk]), **EN)
    assert "nueva@example.pe" not in page.content.decode().split('id="history"')[0]


def test_the_last_coordinator_cannot_be_removed(client, team):
    alliance, coordinator = team["alliance"], team["coordinator"]
    client.force_login(coordinator)
    url = reverse("alianzas:coordinator_remove", args=[alliance.pk, coordinator.pk])
    response = client.post(url, follow=True, **EN)
    assert "last coordinator cannot be removed" in response.content.decode()
    assert alliance.coordinators.filter(pk=coordinator.pk).exists()
    other = UserFactory(first_name="Luz", last_name="Mamani")
    alliance.coordinators.add(other)
    client.post(reverse("alianzas:coordinator_remove", args=[alliance.pk, other.pk]))
    assert list(alliance.coordinators.all()) == [coordinator]
    event = PeopleEvent.objects.get(kind="coordinator_removed")
    assert event.person == other
    assert event.by == coordinator
    history = client.get(reverse("fases:alliance_history", args=[alliance.pk]), **EN)
    assert "Luz Mamani" in history.content.decode().split('id="history"')[1]


def test_representatives_are_removed_or_leave(client, team):
    alliance, actor = team["alliance"], team["actor"]
    leaving, removed = UserFactory(), UserFactory()
    actor.representatives.add(leaving, removed)
    client.force_login(removed)
    other = UserFactory()
    actor.representatives.add(other)
    # A representative may not remove another.
    response = client.post(
        reverse("alianzas:representative_remove", args=[alliance.pk, actor.pk, other.pk])
    )
    assert response.status_code == 403
    client.force_login(team["coordinator"])
    client.post(reverse("alianzas:representative_remove", args=[alliance.pk, actor.pk, removed.pk]))
    client.force_login(leaving)
    response = client.post(
        reverse("alianzas:representative_remove", args=[alliance.pk, actor.pk, leaving.pk])
    )
    assert response.status_code == 302
    assert response.url == reverse("fases:dashboard")
    assert list(actor.representatives.all()) == [other]
    events = {(e.kind, e.person_id, e.by_id) for e in PeopleEvent.objects.all()}
    assert ("representative_removed", removed.pk, team["coordinator"].pk) in events
    assert ("representative_left", leaving.pk, leaving.pk) in events
    # An outsider does not learn the alliance exists.
    client.force_login(UserFactory())
    response = client.post(
        reverse("alianzas:representative_remove", args=[alliance.pk, actor.pk, other.pk])
    )
    assert response.status_code == 404


def test_the_alliance_page_follows_who_represents_an_actor(client, team):
    """The page is cached: a representative linked in the admin shows at once."""
    client.force_login(team["coordinator"])
    url = reverse("fases:alliance_detail", args=[team["alliance"].pk])
    assert "Chaska" not in client.get(url).content.decode()
    team["actor"].representatives.add(UserFactory(first_name="Chaska", last_name="Huamán"))
    assert "Chaska Huamán" in client.get(url).content.decode()
