"""The demo's invitation: ``seed_demo`` invites a person to represent the lead actor of the
first curated alliance and prints the link, so the way people come in can be tried at once
(``make run``: open the link, choose a name and a password). It goes through the service,
so the e-mail is in the outbox too (printed on the console by the embedded default)."""

from django.conf import settings
from django.db.models import Exists, OuterRef

from alianzas import invitations
from alianzas.lifecycle import Phase
from alianzas.models import Alliance, Invitation, Membership, Role
from alianzas.refusals import Refused

EMAIL = "invitada@demo.alianzas.pe"


def demo_invitation() -> tuple[Invitation, str] | None:
    """The invitation (the pending one again, renewed, on a second run) and its absolute
    link; None when there is nothing to invite to or the person already joined."""
    led = Membership.objects.filter(alliance=OuterRef("pk"), role=Role.LEADER, left_on__isnull=True)
    alliance = (
        Alliance.objects.exclude(phase=Phase.CLOSED)
        .filter(Exists(led), coordinators__isnull=False)
        .order_by("pk")
        .first()
    )
    if alliance is None:
        return None
    coordinator = alliance.coordinators.order_by("pk").first()
    pending = Invitation.objects.filter(
        alliance=alliance, email=EMAIL, status=Invitation.Status.PENDING
    ).first()
    if pending is not None:
        # A second run changes nothing while the link still works.
        if pending.is_expired:
            invitations.send_again(user=coordinator, alliance=alliance, invitation_pk=pending.pk)
            pending.refresh_from_db()
        return pending, settings.SITE_URL.rstrip("/") + invitations.link(pending)
    try:
        invitation, _reused = invitations.invite(
            user=coordinator,
            alliance=alliance,
            kind=Invitation.Kind.REPRESENTATIVE,
            email=EMAIL,
            actor=alliance.lead_actor,
        )
    except Refused:
        return None  # accepted on an earlier run: the person represents the actor already
    return invitation, settings.SITE_URL.rstrip("/") + invitations.link(invitation)
