"""Adjustments: changes to an alliance's design once it has left Identificación.

The method asks for adjustments during implementation with respect to what
was designed. So that history stays true, every change to an objective, an
indicator, an existing commitment or a membership made after Identificación
is recorded with its reason, who made it, when, and each field's value before
and after. In Identificación (including after a decision to reformulate) the
design is still open and changes are not adjustments.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from alianzas.lifecycle import Phase
from alianzas.models import Adjustment, Alliance, Indicator, Membership, Objective

Subject = Adjustment.Subject


@dataclass(frozen=True)
class Tracked:
    model: type[models.Model]
    subject: str
    fields: list[str]
    # Whether saving a new row of this kind after Identificación is an adjustment: adding an
    # objective is; pledging a new commitment in the current cycle is not a change to the
    # design.
    new_rows_are_adjustments: bool = True


# Which fields of each part of the design an adjustment follows, by model label; this
# floor's parts here, the floors above add theirs with ``track`` from their ``ready()``.
TRACKED: dict[str, Tracked] = {
    "alianzas.objective": Tracked(
        Objective, Subject.OBJECTIVE, ["position", "title", "description"]
    ),
    "alianzas.indicator": Tracked(
        Indicator,
        Subject.INDICATOR,
        [
            "name",
            "unit",
            "direction",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "frequency",
            "responsible_actor",
        ],
    ),
    "alianzas.membership": Tracked(
        Membership, Subject.MEMBERSHIP, ["actor", "role", "joined_on", "left_on"]
    ),
}


def track(model, subject: str, fields: list[str], *, new_rows_are_adjustments=True) -> None:
    """Follow ``fields`` of ``model`` as part of the design (called from ``ready()``)."""
    TRACKED[model._meta.label_lower] = Tracked(model, subject, fields, new_rows_are_adjustments)


@dataclass(frozen=True)
class AdjustmentReason:
    reason: str
    reason_other: str = ""
    explanation: str = ""


def required(alliance, part: models.Model) -> bool:
    """Whether saving ``part`` of ``alliance`` now is an adjustment.

    After Identificación every change is, except recording a new commitment:
    pledging something new in the current cycle is not a change to the design.
    """
    if alliance.phase == Phase.IDENTIFICATION:
        return False
    return part.pk is not None or TRACKED[part._meta.label_lower].new_rows_are_adjustments


def changes_of(part: models.Model) -> dict[str, list[str]]:
    """Each tracked field whose value differs from the stored row: [before, after] as text."""
    fields = TRACKED[part._meta.label_lower].fields
    stored = type(part).objects.filter(pk=part.pk).first() if part.pk else None
    changes = {}
    for name in fields:
        field = part._meta.get_field(name)
        after = _shown(part, field)
        before = _shown(stored, field) if stored is not None else ""
        if before != after:
            changes[name] = [before, after]
    return changes


def _shown(instance, field) -> str:
    if field.is_relation:
        related = getattr(instance, field.name)
        return str(related) if related is not None else ""
    value = getattr(instance, field.attname)
    return "" if value is None else str(value)


def record(*, alliance, part: models.Model, user, reason: AdjustmentReason | None) -> Adjustment:
    """Validate ``reason`` and write the adjustment for the change about to be saved.

    Call it inside the transaction that saves ``part``, before saving it.
    """
    if reason is None or not reason.reason:
        raise ValidationError(
            _(
                "After Identification, changes to the design are recorded as adjustments: "
                "choose the reason for this change."
            ),
            code="adjustment_required",
        )
    if reason.reason == Adjustment.Reason.OTHER and not reason.reason_other.strip():
        raise ValidationError(
            {"reason_other": _("Describe the reason when it is “Other”.")},
            code="adjustment_other_reason",
        )
    subject = TRACKED[part._meta.label_lower].subject
    adjustment = Adjustment(
        alliance=alliance,
        cycle=alliance.cycle,
        phase=alliance.phase,
        subject=subject,
        object_id=part.pk or 0,
        object_label=str(part)[:300],
        reason=reason.reason,
        reason_other=reason.reason_other.strip(),
        explanation=reason.explanation.strip(),
        changes=changes_of(part),
        user=user,
    )
    adjustment.full_clean(exclude=["object_id"])
    return adjustment


def field_label(adjustment: Adjustment, name: str) -> str:
    """The translated label of a changed field, for the pages."""
    for tracked in TRACKED.values():
        if tracked.subject == adjustment.subject:
            return str(tracked.model._meta.get_field(name).verbose_name)
    return name


def save(*, alliance, part: models.Model, user, reason: AdjustmentReason | None = None):
    """Save ``part`` of ``alliance``, recording an adjustment when one is required.

    The alliance row is locked, so checks spanning several rows (one lead actor,
    one current membership per actor) and the phase read here are settled.
    """
    locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
    if locked.is_closed:
        raise ValidationError(
            _("The alliance is closed: its design and commitments can no longer change."),
            code="alliance_closed",
        )
    part.full_clean()
    adjustment = None
    if required(locked, part):
        adjustment = record(alliance=locked, part=part, user=user, reason=reason)
        if not adjustment.changes:
            adjustment = None  # saved as it was: nothing to record
    part.save()
    if adjustment is not None:
        adjustment.object_id = part.pk
        adjustment.object_label = str(part)[:300]
        adjustment.save()
    return part
