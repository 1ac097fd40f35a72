"""Changes to commitments and measurements, each checked and recorded in one place."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from alianzas import access, adjustments
from alianzas.adjustments import AdjustmentReason
from alianzas.cycles import cycle_started_on
from alianzas.models import Alliance, Indicator
from alianzas.refusals import NotPermitted, Refused
from seguimiento.evidence import clean_filename
from seguimiento.models import (
    OPEN_STATUSES,
    Commitment,
    CommitmentUpdate,
    Measurement,
    MeasurementCorrection,
)
from seguimiento.periods import Period, period_before, period_containing, periods_between

# Indicator values are reported from the start of implementation until the alliance closes;
# while it is being designed there is nothing to measure yet.


class CommitmentError(Refused):
    pass


class CommitmentNotPermitted(CommitmentError, NotPermitted):
    pass


class MeasurementError(Refused):
    pass


class MeasurementNotPermitted(MeasurementError, NotPermitted):
    pass


def progress_refusal(commitment: Commitment, alliance: Alliance) -> str | None:
    """Why ``commitment`` takes no progress update now, or None when it does."""
    if alliance.is_closed:
        return _("The alliance is closed: its commitments take no more updates.")
    if not commitment.is_open:
        return _("This commitment is “%(status)s” and takes no more updates.") % {
            "status": commitment.get_status_display()
        }
    return None


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
    first progress above 0 % moves it from pending to in progress. The evidence file,
    if any, is checked by ``validate_evidence`` (the model field's validator) and its
    uploaded name kept for the download. Nothing changes once the alliance is closed.
    """
    if not access.can_update_commitment(user, commitment):
        raise CommitmentNotPermitted(
            _("Only the committed actor's representatives and the coordinators may update it.")
        )
    with transaction.atomic():
        locked = (
            Commitment.objects.select_for_update(of=("self",))
            .select_related("alliance")
            .get(pk=commitment.pk)
        )
        refusal = progress_refusal(locked, locked.alliance)
        if refusal:
            raise CommitmentError(refusal)
        update = CommitmentUpdate(
            commitment=locked,
            author=user,
            progress=100 if fulfilled else progress,
            note=note,
            status=locked.status,
        )
        if evidence is not None:
            update.evidence = evidence
            update.evidence_name = clean_filename(evidence.name)
        # The commitment is the row locked above and the author the person just allowed to
        # update it: full_clean need not ask the database whether each exists.
        update.full_clean(exclude=["status", "commitment", "author"])

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


def cancel_commitment(*, commitment: Commitment, user, reason: str) -> CommitmentUpdate:
    """Cancel an open commitment, with its reason, as the last entry of its history.

    The pledge was made to the alliance, so its coordinators decide to drop it (a
    representative asks them); its progress so far is kept, and the commitment no longer
    counts towards the cycle's requirements nor falls due.
    """
    if not access.can_manage_alliance(user, commitment.alliance):
        raise CommitmentNotPermitted(_("Only the alliance's coordinators may cancel it."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the commitment is cancelled.")})
    with transaction.atomic():
        locked = (
            Commitment.objects.select_for_update(of=("self",))
            .select_related("alliance")
            .get(pk=commitment.pk)
        )
        refusal = progress_refusal(locked, locked.alliance)
        if refusal:
            raise CommitmentError(refusal)
        locked.cancel()
        locked.save(update_fields=["status", "updated_at"])
        update = CommitmentUpdate.objects.create(
            commitment=locked,
            author=user,
            progress=locked.progress,
            note=reason,
            status=locked.status,
        )
    commitment.refresh_from_db(fields=["status", "progress", "updated_at"])
    return update


def save_commitment(
    *, user, commitment: Commitment, adjustment: AdjustmentReason | None = None
) -> Commitment:
    """Record a new commitment, or change one still open.

    Coordinators record any member's commitment; a representative records
    and changes only their own actor's. Changing a commitment after
    Identificación is an adjustment and needs its reason.
    """
    if commitment.pk:
        allowed = access.can_update_commitment(user, commitment)
    else:
        allowed = access.can_add_commitment(user, commitment.alliance, commitment.actor_id)
    if not allowed:
        raise CommitmentNotPermitted(
            _("Only the actor's representatives and the alliance's coordinators may record it.")
        )
    with transaction.atomic():
        if commitment.pk:
            status = Commitment.objects.select_for_update().values_list("status", flat=True)
            if status.get(pk=commitment.pk) not in OPEN_STATUSES:
                raise CommitmentError(
                    _("This commitment is closed: its details can no longer be changed.")
                )
        adjustments.save(
            alliance=commitment.alliance, part=commitment, user=user, reason=adjustment
        )
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


def measurement_refusal(indicator: Indicator, alliance: Alliance) -> str | None:
    """Why no value of ``indicator`` can be reported now, or None when one can."""
    if not alliance.accepts_reports:
        return _(
            "Indicator values are reported while the alliance is in implementation, "
            "monitoring or evaluation; it is now in “%(phase)s”."
        ) % {"phase": alliance.get_phase_display()}
    if not indicator.frequency:
        return _(
            "The indicator “%(name)s” has no measurement frequency, so it has no reporting "
            "periods yet. A coordinator of the alliance has to set one first."
        ) % {"name": indicator.name}
    return None


MAX_REPORTABLE_PERIODS = 24
"""How many periods the value form offers at most: the latest ones (two years of monthly
values, six of quarterly). The list never grows with how long ago the cycle began."""


def reportable_periods(
    indicator: Indicator, alliance: Alliance, today: datetime.date | None = None
) -> list[Period]:
    """The periods a value of ``indicator`` may be reported (or corrected) for, oldest first:
    those of the current cycle that have already started, at most the latest
    ``MAX_REPORTABLE_PERIODS``."""
    if not indicator.frequency:
        return []
    today = today or timezone.localdate()
    earliest = period_containing(indicator.frequency, today)
    for _step in range(MAX_REPORTABLE_PERIODS - 1):
        earliest = period_before(earliest)
    first = max(cycle_started_on(alliance), earliest.start)
    periods = periods_between(indicator.frequency, first, today)
    return [period for period in periods if period.start <= today]


def first_period_opening(
    indicator: Indicator, alliance: Alliance, today: datetime.date | None = None
) -> Period | None:
    """The first reporting period of the current cycle when it has not started by ``today``
    (the alliance starts later: nothing can be reported yet), else None."""
    if not indicator.frequency:
        return None
    today = today or timezone.localdate()
    period = period_containing(indicator.frequency, cycle_started_on(alliance))
    return period if period.start > today else None


def open_for_reports(indicators, alliance: Alliance, today: datetime.date | None = None):
    """The ids of those of ``indicators`` (of ``alliance``, as the page read them) that have
    a reporting period open now: the link to report a value is offered for these only,
    never to be refused."""
    indicators = [indicator for indicator in indicators if indicator.frequency]
    if not indicators or not alliance.accepts_reports:
        return set()
    today = today or timezone.localdate()
    cycle_start = cycle_started_on(alliance)
    if cycle_start <= today:
        return {indicator.pk for indicator in indicators}
    return {
        indicator.pk
        for indicator in indicators
        if period_containing(indicator.frequency, cycle_start).start <= today
    }


def no_period_refusal(indicator: Indicator, alliance: Alliance) -> str:
    """Why the value form of ``indicator`` offers no period: which one opens, and when."""
    period = first_period_opening(indicator, alliance)
    if period is None:
        return _("No reporting period of the current cycle has started yet.")
    return _(
        "No reporting period of the current cycle has started yet: the first one, "
        "“%(period)s”, opens on %(date)s, when the alliance's cycle begins. Its value can "
        "be reported from that day."
    ) % {"period": period.label, "date": date_format(period.start)}


def report_measurement(
    *, indicator: Indicator, user, period_start: datetime.date, value, note: str = "", evidence=None
) -> Measurement:
    """Record the value of ``indicator`` for the period that contains ``period_start``.

    One value per indicator and period: reporting again for a period corrects the
    value, and the earlier one is kept as a ``MeasurementCorrection`` (a correction keeps
    the measurement's cycle and, unless a new file is given, its evidence). A period that
    has not started, or that ended before the alliance's current cycle began, is refused.
    """
    if not access.can_report_measurement(user, indicator):
        raise MeasurementNotPermitted(
            _(
                "Only the responsible actor's representatives and the coordinators may "
                "report this indicator's values."
            )
        )
    with transaction.atomic():
        # The indicator's row is the lock: reports of one indicator happen one at a time.
        locked = (
            Indicator.objects.select_for_update(of=("self",))
            .select_related("objective__alliance")
            .get(pk=indicator.pk)
        )
        alliance = locked.objective.alliance
        refusal = measurement_refusal(locked, alliance)
        if refusal:
            raise MeasurementError(refusal)

        period = period_containing(locked.frequency, period_start)
        if period.start > timezone.localdate():
            raise ValidationError(
                {
                    "period_start": _(
                        "The period “%(period)s” has not started yet: its value can be "
                        "reported from %(date)s."
                    )
                    % {"period": period.label, "date": date_format(period.start)}
                }
            )
        cycle_start = cycle_started_on(alliance)
        if period.end < cycle_start:
            raise ValidationError(
                {
                    "period_start": _(
                        "The period “%(period)s” ended before the current cycle began "
                        "(%(date)s): values of earlier cycles can no longer be reported "
                        "or corrected."
                    )
                    % {"period": period.label, "date": date_format(cycle_start)}
                }
            )

        measurement = (
            Measurement.objects.select_for_update()
            .filter(indicator=locked, period_start=period.start)
            .first()
        )
        previous = None
        if measurement is None:
            measurement = Measurement(
                indicator=locked, cycle=alliance.cycle, period_start=period.start
            )
        else:
            previous = Measurement(
                value=measurement.value,
                note=measurement.note,
                reported_by_id=measurement.reported_by_id,
            )
            # The locked indicator, with its objective and alliance: what the page cache's
            # generations follow from a measurement and its correction to their alliance,
            # without reading the indicator and the objective again.
            measurement.indicator = locked
        measurement.period_end = period.end
        measurement.value = value
        measurement.note = note
        measurement.reported_by = user
        if evidence is not None:
            measurement.evidence = evidence
            measurement.evidence_name = clean_filename(evidence.name)
        # A kept file was checked when it was uploaded; only a new one is checked again. The
        # indicator is the row locked above, and this period's one value was looked up under
        # that lock (so no other measurement can hold the period: the unique check would
        # only repeat it); the person reporting was just allowed to: full_clean need not
        # ask the database whether either exists.
        exclude = ["indicator", "reported_by"]
        if evidence is None:
            exclude.append("evidence")
        measurement.full_clean(exclude=exclude)
        if previous is not None:
            record_correction(measurement=measurement, previous=previous, user=user)
        measurement.save()
    return measurement
