"""The one way to change an alliance's phase, and the evaluation that decides continuity."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.models import Alliance
from fases.lifecycle import TRANSITION_NAMES, Phase
from fases.models import Evaluation, PhaseChange
from fases.requirements import Requirement, requirement_titles, unmet_requirements


class PhaseChangeError(Exception):
    """A change of phase that is refused, with every reason in the user's language."""

    def __init__(self, message: str, requirements: list[Requirement] | None = None):
        super().__init__(message)
        self.message = message
        self.requirements = requirements or []

    @property
    def messages(self) -> list[str]:
        return [self.message, *(r.message for r in self.requirements)]


class PhaseChangeNotPermitted(PhaseChangeError):
    pass


@dataclass(frozen=True)
class TransitionOption:
    """A change of phase as a page or the admin offers it to one user."""

    name: str
    label: str
    target: str
    reason_required: bool
    new_cycle: bool
    unmet: list[Requirement]

    @property
    def ready(self) -> bool:
        return not self.unmet


# The way forward from each phase; from Evaluación it is the one the evaluation decided.
FORWARD = {
    Phase.IDENTIFICATION: "start_implementation",
    Phase.IMPLEMENTATION: "start_monitoring",
    Phase.MONITORING: "start_evaluation",
}
DECIDED = {
    Evaluation.Decision.CONTINUE: "continue_cycle",
    Evaluation.Decision.REFORMULATE: "reformulate",
    Evaluation.Decision.CLOSE: "close",
}


@dataclass(frozen=True)
class NextStep:
    """The alliance's next change of phase and what it still lacks: the page's checklist."""

    name: str
    label: str
    target: str
    unmet: list[Requirement]
    met: list[str]


def next_step(alliance: Alliance) -> NextStep | None:
    if alliance.phase == Phase.EVALUATION:
        evaluation = alliance.evaluations.filter(cycle=alliance.cycle).first()
        name = DECIDED[evaluation.decision] if evaluation else "continue_cycle"
    else:
        name = FORWARD.get(alliance.phase)
    if name is None:
        return None
    meta = alliance.phase_transition(name)
    unmet = unmet_requirements(alliance, name)
    return NextStep(
        name=name,
        label=str(meta.custom["label"]),
        target=meta.target,
        unmet=unmet,
        met=requirement_titles(name, exclude={r.code for r in unmet}),
    )


def transition_options(alliance: Alliance, user) -> list[TransitionOption]:
    """The transitions out of the alliance's current phase that ``user`` may take,
    each with what it still lacks (an empty list when it can be taken now)."""
    if not access.can_change_phase(user, alliance):
        return []
    options = []
    for name in TRANSITION_NAMES:
        meta = alliance.phase_transition(name)
        if meta is None:
            continue
        options.append(
            TransitionOption(
                name=name,
                label=str(meta.custom["label"]),
                target=meta.target,
                reason_required=meta.custom.get("reason_required", False),
                new_cycle=meta.custom.get("new_cycle", False),
                unmet=unmet_requirements(alliance, name),
            )
        )
    return options


def change_phase(*, alliance: Alliance, transition: str, user, comment: str = "") -> PhaseChange:
    """Take ``transition`` on ``alliance`` for ``user`` and record it.

    The alliance row is locked for the whole change, so of two concurrent
    attempts the second sees the first one's result and is refused.
    Raises ``PhaseChangeError`` (or ``PhaseChangeNotPermitted``) with the
    reasons, and changes nothing, when the change is not allowed.
    """
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
        meta = locked.phase_transition(transition)
        if meta is None:
            raise PhaseChangeError(
                _("This change is not possible while the alliance is in “%(phase)s”.")
                % {"phase": locked.get_phase_display()}
            )
        label = str(meta.custom["label"])
        if not meta.has_perm(locked, user):
            raise PhaseChangeNotPermitted(
                _("Only the alliance's coordinators and the administrators may change its phase.")
            )
        if meta.custom.get("reason_required") and not comment:
            raise PhaseChangeError(_("Give the reason for closing the alliance early."))
        unmet = unmet_requirements(locked, transition)
        if unmet:
            raise PhaseChangeError(
                _("“%(transition)s” is not possible yet:") % {"transition": label}, unmet
            )

        source = locked.phase
        getattr(locked, transition)()  # django-fsm checks the same conditions again
        locked.save(update_fields=["phase", "cycle", "updated_at"])
        change = PhaseChange.objects.create(
            alliance=locked,
            transition=transition,
            source_phase=source,
            target_phase=locked.phase,
            cycle=locked.cycle,
            user=user if user.is_authenticated else None,
            comment=comment,
        )
    alliance.refresh_from_db(fields=["phase", "cycle", "updated_at"])
    return change


def record_evaluation(*, alliance: Alliance, user, decision: str, findings: str) -> Evaluation:
    """Record (or correct) the evaluation of the alliance's current cycle."""
    if not access.can_manage_alliance(user, alliance):
        raise PhaseChangeNotPermitted(
            _("Only the alliance's coordinators and the administrators may evaluate it.")
        )
    with transaction.atomic():
        locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
        if locked.phase != Phase.EVALUATION:
            raise PhaseChangeError(
                _("An evaluation can only be recorded while the alliance is in “%(phase)s”.")
                % {"phase": Phase.EVALUATION.label}
            )
        evaluation = Evaluation.objects.filter(alliance=locked, cycle=locked.cycle).first()
        evaluation = evaluation or Evaluation(alliance=locked, cycle=locked.cycle)
        evaluation.decision = decision
        evaluation.findings = findings
        evaluation.author = user
        evaluation.full_clean()
        evaluation.save()
    return evaluation
