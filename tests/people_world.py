"""The permission matrix's world, for the people pages (tests/test_permissions.py): a
pending invitation to the member actor, and the people the URLs name."""

from alianzas import invitations
from alianzas.models import Invitation


def people_kwargs(alliance, member, coordinator) -> dict:
    invitation, _ = invitations.invite(
        user=coordinator,
        alliance=alliance,
        kind=Invitation.Kind.REPRESENTATIVE,
        email="invitada@example.pe",
        actor=member,
    )
    return {
        "invitation_pk": invitation.pk,
        "invitation_token": invitations.token_for(invitation),
        # The coordinator: the last one (never removed) and no representative (refused).
        "person_pk": coordinator.pk,
        "member_actor_pk": member.pk,
    }


def people_rows(alliance, user) -> None:
    """For the admin's pages: an invitation, and the event it records."""
    invitations.invite(
        user=user,
        alliance=alliance,
        kind=Invitation.Kind.COORDINATOR,
        email=f"co-{alliance.pk}@example.pe",
    )
