"""The alliance's lifecycle: its phases, its cycle number and the transitions between them.

The state graph follows the method's four phases as a cycle::

    Identificación ─► Implementación ─► Monitoreo ─► Evaluación ─┬─ continuar ─► Implementación
          ▲                                                      ├─ reformular ─► Identificación
          └──────────────────────────────────────────────────────┘
                                                                 └─ cerrar ────► Cerrada

and any active phase may be closed early with a reason. Each transition's
conditions ask ``fases.requirements`` for what is still missing, so the
refusal, the admin and the pages all show the same list. The transitions
never save: ``fases.services.change_phase`` locks the row, calls them, saves
and writes the audit row.
"""

import threading

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, Transition, transition

from fases import requirements


class Phase(models.TextChoices):
    IDENTIFICATION = "identification", _("Identification, formulation and design")
    IMPLEMENTATION = "implementation", _("Implementation")
    MONITORING = "monitoring", _("Monitoring and follow-up")
    EVALUATION = "evaluation", _("Evaluation")
    CLOSED = "closed", _("Closed")


ACTIVE_PHASES = [
    Phase.IDENTIFICATION,
    Phase.IMPLEMENTATION,
    Phase.MONITORING,
    Phase.EVALUATION,
]


def _requirements_met(transition_name: str):
    def condition(alliance) -> bool:
        return not requirements.unmet_requirements(alliance, transition_name)

    condition.__name__ = f"requirements_met_for_{transition_name}"
    return condition


def _may_change_phase(alliance, user) -> bool:
    # Imported here: alianzas.access imports the models, which import this module.
    from alianzas.access import can_change_phase

    return can_change_phase(user, alliance)


def _phase_transition(source, target, name: str, label, **custom):
    return transition(
        field="phase",
        source=source,
        target=target,
        conditions=[_requirements_met(name)],
        permission=_may_change_phase,
        custom={"label": label, **custom},
    )


class ProtectedStateMixin(FSMModelMixin):
    """For models whose state field is ``protected``: only transitions change it.

    ``full_clean()`` would otherwise assign every field back to itself and
    trip django-fsm's protection; a state set by transitions needs no cleaning.
    """

    def clean_fields(self, exclude=None) -> None:
        exclude = set(exclude or ()) | self._get_protected_fsm_fields()
        super().clean_fields(exclude=exclude)

    def refresh_from_db(self, *args, **kwargs) -> None:
        # django-fsm reloads a protected state by switching the protection off on the
        # field, which all instances share, and on again afterwards. In a threaded server
        # one thread switched it back on while another was reloading a changed state, which
        # then raised after its change was committed (a 500 for a saved progress update).
        # One reload at a time per process; the SELECT inside never waits on a row lock.
        with _RELOADING:
            super().refresh_from_db(*args, **kwargs)


_RELOADING = threading.RLock()


class AllianceLifecycle(ProtectedStateMixin, models.Model):
    phase = FSMField(
        _("phase"),
        choices=Phase.choices,
        default=Phase.IDENTIFICATION,
        protected=True,
        db_index=True,
    )
    cycle = models.PositiveIntegerField(
        _("cycle"),
        default=1,
        editable=False,
        help_text=_("Goes up by one each time the evaluation starts a new cycle."),
    )

    class Meta:
        abstract = True

    @_phase_transition(
        Phase.IDENTIFICATION,
        Phase.IMPLEMENTATION,
        "start_implementation",
        _("Start implementation"),
    )
    def start_implementation(self) -> None:
        pass

    @_phase_transition(
        Phase.IMPLEMENTATION, Phase.MONITORING, "start_monitoring", _("Start monitoring")
    )
    def start_monitoring(self) -> None:
        pass

    @_phase_transition(
        Phase.MONITORING, Phase.EVALUATION, "start_evaluation", _("Start evaluation")
    )
    def start_evaluation(self) -> None:
        pass

    @_phase_transition(
        Phase.EVALUATION,
        Phase.IMPLEMENTATION,
        "continue_cycle",
        _("Continue: start a new cycle"),
        new_cycle=True,
    )
    def continue_cycle(self) -> None:
        self.cycle += 1

    @_phase_transition(
        Phase.EVALUATION,
        Phase.IDENTIFICATION,
        "reformulate",
        _("Reformulate: redesign in a new cycle"),
        new_cycle=True,
    )
    def reformulate(self) -> None:
        self.cycle += 1

    @_phase_transition(Phase.EVALUATION, Phase.CLOSED, "close", _("Close the alliance"))
    def close(self) -> None:
        pass

    @_phase_transition(
        ACTIVE_PHASES,
        Phase.CLOSED,
        "close_early",
        _("Close early"),
        reason_required=True,
    )
    def close_early(self) -> None:
        pass

    def current_evaluation(self):
        """The evaluation of the current cycle, or None: asked of the database once per
        instance and cycle (the requirements, the next step and the page all need it)."""
        known = self.__dict__.setdefault("_evaluation_by_cycle", {})
        if self.cycle not in known:
            known[self.cycle] = self.evaluations.filter(cycle=self.cycle).first()
        return known[self.cycle]

    def forget_evaluation(self) -> None:
        self.__dict__.pop("_evaluation_by_cycle", None)

    def refresh_from_db(self, *args, **kwargs) -> None:
        self.forget_evaluation()
        super().refresh_from_db(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.CLOSED

    def phase_transition(self, name: str) -> Transition | None:
        """The transition called ``name`` from the current phase, or None if there is none."""
        if name not in TRANSITION_NAMES:
            return None
        return getattr(type(self), name)._django_fsm.get_transition(self.phase)


TRANSITION_NAMES = (
    "start_implementation",
    "start_monitoring",
    "start_evaluation",
    "continue_cycle",
    "reformulate",
    "close",
    "close_early",
)
