"""Carrying a new cycle's commitments over from the cycle before.

Each cycle's implementation needs a commitment from every member (``fases.requirements``
asks it before monitoring starts and before a cycle is continued). When the evaluation
continues an alliance, the pledges still open usually go on: the coordinators carry them
over in one action instead of typing them again. A carried commitment keeps its row, its
progress and its updates (one pledge, one history); it moves to the current cycle, and the
move is the last entry of its updates, with who did it. Members with nothing open are asked
for new commitments, as in the first cycle.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.models import Alliance
from seguimiento.models import OPEN_STATUSES, Commitment, CommitmentUpdate
from seguimiento.services import CommitmentError, CommitmentNotPermitted


def open_from_earlier_cycles(alliance: Alliance) -> QuerySet[Commitment]:
    """The open commitments of the alliance's earlier cycles whose actor is still a member."""
    members = alliance.memberships.filter(left_on__isnull=True).values("actor_id")
    return Commitment.objects.filter(
        alliance_id=alliance.pk,
        cycle__lt=alliance.cycle,
        status__in=OPEN_STATUSES,
        actor_id__in=members,
    ).order_by("actor__name", "due_date", "pk")


def carry_over_commitments(*, alliance: Alliance, user) -> list[Commitment]:
    """Move every open commitment of earlier cycles (of current members) into the current
    cycle, and record the move in each one's updates. Returns the commitments moved.

    Raises ``CommitmentNotPermitted`` for anyone but the coordinators and the
    administrators, and ``CommitmentError`` when the alliance is closed, in its first
    cycle, or has nothing open to carry over."""
    if not access.can_manage_alliance(user, alliance):
        raise CommitmentNotPermitted(
            _("Only the alliance's coordinators may carry its commitments over.")
        )
    with transaction.atomic():
        # The alliance's row is the lock: two clicks carry over once.
        locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
        if locked.is_closed:
            raise CommitmentError(
                _("The alliance is closed: its commitments take no more updates.")
            )
        if locked.cycle <= 1:
            raise CommitmentError(
                _("The alliance is in its first cycle: there is no earlier cycle to carry over.")
            )
        moved = list(open_from_earlier_cycles(locked).select_for_update())
        if not moved:
            raise CommitmentError(
                _(
                    "No open commitment of an earlier cycle is left to carry over: ask the "
                    "members for their commitments of cycle %(cycle)s."
                )
                % {"cycle": locked.cycle}
            )
        updates = []
        for commitment in moved:
            note = _("Carried over from cycle %(from)s to cycle %(to)s.") % {
                "from": commitment.cycle,
                "to": locked.cycle,
            }
            commitment.cycle = locked.cycle
            commitment._change_reason = note  # the admin's history says why, too
            commitment.save(update_fields=["cycle", "updated_at"])
            updates.append(
                CommitmentUpdate(
                    commitment=commitment,
                    author=user,
                    progress=commitment.progress,
                    note=note,
                    status=commitment.status,
                )
            )
        CommitmentUpdate.objects.bulk_create(updates)
    alliance.forget()
    return moved
