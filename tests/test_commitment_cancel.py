"""Cancelling a commitment: the coordinators' decision, with its reason, kept in its history.

Until this round the transition existed on the model and nothing called it; now a
coordinator cancels an open commitment from its page and the cycle stops counting it.
"""

import pytest
from django.urls import reverse

from alianzas.refusals import NotPermitted
from fases.requirements import unmet_requirements
from seguimiento import services
from seguimiento.models import Commitment, CommitmentStatus, CommitmentUpdate
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def commitment(alliance):
    member = alliance.memberships.get().actor
    return CommitmentFactory(alliance=alliance, actor=member, progress=30, status="in_progress")


def cancel_url(commitment):
    return reverse("seguimiento:cancel_commitment", args=[commitment.alliance_id, commitment.pk])


def test_a_coordinator_cancels_with_a_reason_kept_in_the_history(client, coordinator, commitment):
    client.force_login(coordinator)
    response = client.post(cancel_url(commitment), {"reason": "El municipio retiró el fondo"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.CANCELLED
    assert commitment.progress == 30  # what was done stays recorded
    update = CommitmentUpdate.objects.get(commitment=commitment)
    assert (update.author, update.note, update.status) == (
        coordinator,
        "El municipio retiró el fondo",
        CommitmentStatus.CANCELLED,
    )


def test_a_reason_is_required_and_nothing_changes_without_one(client, coordinator, commitment):
    client.force_login(coordinator)
    response = client.post(cancel_url(commitment), {"reason": "   "}, **EN)
    assert response.status_code == 200
    assert "Say why the commitment is cancelled." in response.content.decode()
    assert Commitment.objects.get(pk=commitment.pk).status == "in_progress"
    assert not CommitmentUpdate.objects.exists()


def test_the_representative_may_not_cancel_their_own_pledge(
    client, member_representative, commitment
):
    client.force_login(member_representative)
    response = client.post(cancel_url(commitment), {"reason": "Ya no podemos"})
    assert response.status_code == 403
    with pytest.raises(NotPermitted):
        services.cancel_commitment(
            commitment=commitment, user=member_representative, reason="Ya no podemos"
        )
    assert Commitment.objects.get(pk=commitment.pk).status == "in_progress"


def test_a_closed_commitment_cannot_be_cancelled(client, coordinator, commitment):
    services.cancel_commitment(commitment=commitment, user=coordinator, reason="Primera vez")
    client.force_login(coordinator)
    response = client.post(cancel_url(commitment), {"reason": "Otra vez"}, **EN)
    assert response.status_code == 200
    assert "takes no more updates" in response.content.decode()
    assert CommitmentUpdate.objects.filter(commitment=commitment).count() == 1


def test_the_commitment_page_offers_it_to_coordinators_only(
    client, coordinator, member_representative, commitment
):
    detail = reverse("seguimiento:commitment_detail", args=[commitment.alliance_id, commitment.pk])
    client.force_login(coordinator)
    assert cancel_url(commitment) in client.get(detail).content.decode()
    client.force_login(member_representative)
    assert cancel_url(commitment) not in client.get(detail).content.decode()


def test_a_cancelled_commitment_no_longer_counts_for_the_cycle(coordinator, commitment):
    alliance = commitment.alliance
    member = commitment.actor
    codes = {(r.code, r.object_id) for r in unmet_requirements(alliance, "start_implementation")}
    assert ("actor_commitment", member.pk) not in codes
    services.cancel_commitment(commitment=commitment, user=coordinator, reason="Sin fondos")
    codes = {(r.code, r.object_id) for r in unmet_requirements(alliance, "start_implementation")}
    assert ("actor_commitment", member.pk) in codes
