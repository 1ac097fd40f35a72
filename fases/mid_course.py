"""Alliances already under way: bring a running alliance in at Implementación or Monitoreo.

The seed's cycle "permite abordar cualquier etapa del proceso" and covers "el fortalecimiento
de iniciativas existentes". An alliance registered after it began is still taken through the
lifecycle in order, by ``change_phase`` — start_implementation, then start_monitoring — so
the same conditions for success are checked for each phase it passes (its members, lead
actor, objectives, commitments and signed agreement; its indicators' frequency and
responsible member). Each phase it passes is one ``PhaseChange`` row marked ``mid_course``
whose comment carries the stated reason. All of it happens or none of it does.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.lifecycle import FORWARD, Phase
from alianzas.models import Alliance, PhaseChange
from fases.requirements import Requirement, unmet_requirements
from fases.services import PhaseChangeError, PhaseChangeNotPermitted, change_phase

# Where a running alliance can be brought in: after Identificación, before Evaluación
# (an evaluation is recorded in the application, never assumed).
ENTRY_PHASES = (Phase.IMPLEMENTATION, Phase.MONITORING)


@dataclass(frozen=True)
class PhaseToPass:
    """One change of phase on the way in, with what it still lacks."""

    transition: str
    target: str
    label: str
    unmet: list[Requirement]


def may_enter_mid_course(alliance: Alliance) -> bool:
    """Only a newly registered alliance: in Identificación of its first cycle (so no change
    of phase was ever recorded for it)."""
    return alliance.phase == Phase.IDENTIFICATION and alliance.cycle == 1


def path_to(alliance: Alliance, target: str) -> list[PhaseToPass]:
    """The transitions from the alliance's phase up to ``target``, in order, each with what
    it lacks as the alliance stands now (later phases' checks read the same data)."""
    steps, phase = [], alliance.phase
    while phase != target and phase in FORWARD:
        name = FORWARD[phase]
        meta = getattr(type(alliance), name)._django_fsm.get_transition(phase)
        steps.append(
            PhaseToPass(
                name, meta.target, str(meta.custom["label"]), unmet_requirements(alliance, name)
            )
        )
        phase = meta.target
    return steps


def enter_mid_course(*, alliance: Alliance, user, target: str, reason: str) -> list[PhaseChange]:
    """Bring ``alliance``, already running, in at ``target`` (Implementación or Monitoreo)
    with the stated ``reason``: one ``change_phase`` per phase, in order, each writing its
    audit row marked mid-course. If any phase's conditions are not met, nothing changes and
    the refusal names that phase and what it lacks."""
    if not access.can_change_phase(user, alliance):
        raise PhaseChangeNotPermitted(
            _("Only the alliance's coordinators and the administrators may change its phase.")
        )
    reason = (reason or "").strip()
    if target not in ENTRY_PHASES:
        raise PhaseChangeError(
            _("A running alliance can be brought in at “%(first)s” or “%(second)s”.")
            % {"first": Phase.IMPLEMENTATION.label, "second": Phase.MONITORING.label}
        )
    if not reason:
        raise PhaseChangeError(_("Say why the alliance enters mid-course."))
    if not may_enter_mid_course(alliance):
        raise PhaseChangeError(
            _(
                "Only a newly registered alliance, in “%(phase)s” of its first cycle, can be "
                "brought in mid-course."
            )
            % {"phase": Phase.IDENTIFICATION.label}
        )
    comment = _("Entered mid-course, already under way: %(reason)s") % {"reason": reason}
    changes = []
    try:
        with transaction.atomic():
            for step in path_to(alliance, target):
                current = step
                changes.append(
                    change_phase(
                        alliance=alliance,
                        transition=step.transition,
                        user=user,
                        comment=comment,
                        mid_course=True,
                    )
                )
    except PhaseChangeNotPermitted:
        alliance.refresh_from_db(fields=["phase", "cycle", "updated_at"])
        raise
    except PhaseChangeError as refusal:
        # Everything was undone (the atomic block), the instance too; the refusal says at
        # which phase the entry stopped and what that phase lacks.
        alliance.refresh_from_db(fields=["phase", "cycle", "updated_at"])
        raise PhaseChangeError(
            _("The alliance cannot enter “%(phase)s”: %(reason)s")
            % {"phase": Phase(current.target).label, "reason": refusal.message},
            refusal.requirements,
        ) from refusal
    return changes
