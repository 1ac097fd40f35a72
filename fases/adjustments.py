"""Adjustments: changes to an alliance's design once it has left Identificación.

The method asks for adjustments during implementation with respect to what
was designed. So that history stays true, every change to an objective, an
indicator, an existing commitment or a membership made after Identificación
is recorded with its reason, who made it, when, and each field's value before
and after. In Identificación (including after a decision to reformulate) the
design is still open and changes are not adjustments.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from fases.lifecycle import Phase
from fases.models import Adjustment

# Which fields of each part of the design an adjustment follows.
TRACKED = {
    ("alianzas", "objective"): (Adjustment.Subject.OBJECTIVE, ["position", "title", "description"]),
    ("alianzas", "indicator"): (
        Adjustment.Subject.INDICATOR,
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
    ("alianzas", "membership"): (
        Adjustment.Subject.MEMBERSHIP,
        ["actor", "role", "joined_on", "left_on"],
    ),
    ("seguimiento", "commitment"): (
        Adjustment.Subject.COMMITMENT,
        ["actor", "description", "kind", "value_pen", "due_date"],
    ),
}


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
    is_new_commitment = part._meta.label_lower == "seguimiento.commitment" and part.pk is None
    return not is_new_commitment


def changes_of(part: models.Model) -> dict[str, list[str]]:
    """Each tracked field whose value differs from the stored row: [before, after] as text."""
    _subject, fields = TRACKED[(part._meta.app_label, part._meta.model_name)]
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
    subject, _fields = TRACKED[(part._meta.app_label, part._meta.model_name)]
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
    for (app_label, model_name), (subject, _fields) in TRACKED.items():
        if subject == adjustment.subject:
            model = apps.get_model(app_label, model_name)
            return str(model._meta.get_field(name).verbose_name)
    return name


def save(*, alliance, part: models.Model, user, reason: AdjustmentReason | None = None):
    """Save ``part`` of ``alliance``, recording an adjustment when one is required.

    The alliance row is locked, so checks spanning several rows (one lead actor,
    one current membership per actor) and the phase read here are settled.
    """
    Alliance = apps.get_model("alianzas", "Alliance")
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
