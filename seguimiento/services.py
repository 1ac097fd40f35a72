"""Changes to commitments and measurements, each checked and recorded in one place."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from alianzas import access
from seguimiento.models import (
    OPEN_STATUSES,
    Commitment,
    CommitmentUpdate,
    Measurement,
    MeasurementCorrection,
)


class CommitmentError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CommitmentNotPermitted(CommitmentError):
    pass


def log_progress(
    *,
    commitment: Commitment,
    user,
    progress: int,
    note: str = "",
    evidence=None,
    fulfilled: bool = False,
) -> CommitmentUpdate:
    """Record a progress update; the commitment's progress and status follow from it.

    Reaching 100 % or ``fulfilled=True`` marks the commitment fulfilled; the
    first progress above 0 % moves it from pending to in progress.
    """
    if not access.can_update_commitment(user, commitment):
        raise CommitmentNotPermitted(
            _("Only the committed actor's representatives and the coordinators may update it.")
        )
    with transaction.atomic():
        locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if locked.status not in OPEN_STATUSES:
            raise CommitmentError(
                _("This commitment is “%(status)s” and takes no more updates.")
                % {"status": locked.get_status_display()}
            )
        update = CommitmentUpdate(
            commitment=locked,
            author=user,
            progress=100 if fulfilled else progress,
            note=note,
            status=locked.status,
        )
        if evidence is not None:
            update.evidence = evidence
        update.full_clean(exclude=["status"])

        if update.progress == 100:
            locked.fulfil()
        elif update.progress > 0 and locked.status == "pending":
            locked.start()
        locked.progress = update.progress
        locked.save(update_fields=["status", "progress", "updated_at"])
        update.status = locked.status
        update.save()
    commitment.refresh_from_db(fields=["status", "progress", "updated_at"])
    return update


def save_commitment(*, user, commitment: Commitment) -> Commitment:
    """Record a new commitment, or change one still open.

    Coordinators record any member's commitment; a representative records
    and changes only their own actor's.
    """
    if commitment.pk:
        allowed = access.can_update_commitment(user, commitment)
    else:
        allowed = access.can_add_commitment(user, commitment.alliance, commitment.actor_id)
    if not allowed:
        raise PermissionDenied
    with transaction.atomic():
        if commitment.pk:
            status = Commitment.objects.select_for_update().values_list("status", flat=True)
            if status.get(pk=commitment.pk) not in OPEN_STATUSES:
                raise CommitmentError(
                    _("This commitment is closed: its details can no longer be changed.")
                )
        commitment.full_clean()
        commitment.save()
    return commitment


def record_correction(*, measurement: Measurement, previous: Measurement, user) -> None:
    """Keep the value ``previous`` had before ``measurement`` replaces it."""
    MeasurementCorrection.objects.create(
        measurement=measurement,
        previous_value=previous.value,
        previous_note=previous.note,
        previously_reported_by_id=previous.reported_by_id,
        corrected_by=user,
    )
