"""The alliance's lifecycle: its phases, its cycle number and the transitions between them.

The state graph follows the method's four phases as a cycle::

    Identificación ─► Implementación ─► Monitoreo ─► Evaluación ─┬─ continuar ─► Implementación
          ▲                                                      ├─ reformular ─► Identificación
          └──────────────────────────────────────────────────────┘
                                                                 └─ cerrar ────► Cerrada

and any active phase may be closed early with a reason. The graph is written
here once; every page, the admin, the demo and the services read it from here
(``TRANSITION_NAMES``, ``transitions_from``).

What each transition requires is decided on the floor above (``fases.requirements``,
which reads commitments, measurements and evaluations): ``fases`` registers its
checker with ``register_requirements`` in its ``AppConfig.ready()``, and each
transition's condition asks it, so the refusal, the admin and the pages all show the
same list. Until a checker is registered every transition is refused, never allowed
unchecked. The transitions never save: ``fases.services.change_phase`` locks the row,
calls them, saves and writes the audit row.
"""

import contextlib
import threading

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, Transition, transition


class Phase(models.TextChoices):
    IDENTIFICATION = "identification", _("Identification, formulation and design")
    IMPLEMENTATION = "implementation", _("Implementation")
    MONITORING = "monitoring", _("Monitoring and follow-up")
    EVALUATION = "evaluation", _("Evaluation")
    CLOSED = "closed", _("Closed")


ACTIVE_PHASES = (
    Phase.IDENTIFICATION,
    Phase.IMPLEMENTATION,
    Phase.MONITORING,
    Phase.EVALUATION,
)
"""Phases of an alliance that is still running (everything but Cerrada)."""

REPORTING_PHASES = (Phase.IMPLEMENTATION, Phase.MONITORING, Phase.EVALUATION)
"""Phases in which commitments take progress and indicators take values: from the start of
Implementación until the alliance closes or goes back to Identificación."""

MONITORING_PHASES = (Phase.MONITORING, Phase.EVALUATION)
"""Phases in which a missing value is late: a value is due for every reporting period
that has ended (the monitoring view, the dashboard and the reminders ask this)."""


_requirements_checker = None


def register_requirements(checker) -> None:
    """Called once by ``fases`` in its ``ready()``: ``checker(alliance, transition_name)``
    returns the list of what is still unmet (empty when the transition may go ahead)."""
    global _requirements_checker
    _requirements_checker = checker


def unmet_requirements(alliance, transition_name: str) -> list:
    if _requirements_checker is None:
        raise RuntimeError("No requirements checker is registered (fases is not installed).")
    return _requirements_checker(alliance, transition_name)


def _requirements_met(transition_name: str):
    def condition(alliance) -> bool:
        return not unmet_requirements(alliance, transition_name)

    condition.__name__ = f"requirements_met_for_{transition_name}"
    return condition


_permission = None


def register_permission(permission) -> None:
    """Called once by ``AlianzasConfig.ready()`` with ``alianzas.access.can_change_phase``
    (which reads the models that this module is part of, so it cannot be imported here)."""
    global _permission
    _permission = permission


def _may_change_phase(alliance, user) -> bool:
    # Fails closed: without the access rule registered, nobody may change a phase.
    return _permission is not None and _permission(user, alliance)


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
        forward=True,
    )
    def start_implementation(self) -> None:
        pass

    @_phase_transition(
        Phase.IMPLEMENTATION,
        Phase.MONITORING,
        "start_monitoring",
        _("Start monitoring"),
        forward=True,
    )
    def start_monitoring(self) -> None:
        pass

    @_phase_transition(
        Phase.MONITORING, Phase.EVALUATION, "start_evaluation", _("Start evaluation"), forward=True
    )
    def start_evaluation(self) -> None:
        pass

    @_phase_transition(
        Phase.EVALUATION,
        Phase.IMPLEMENTATION,
        "continue_cycle",
        _("Continue: start a new cycle"),
        new_cycle=True,
        decision="continue",
    )
    def continue_cycle(self) -> None:
        self.cycle += 1

    @_phase_transition(
        Phase.EVALUATION,
        Phase.IDENTIFICATION,
        "reformulate",
        _("Reformulate: redesign in a new cycle"),
        new_cycle=True,
        decision="reformulate",
    )
    def reformulate(self) -> None:
        self.cycle += 1

    @_phase_transition(
        Phase.EVALUATION, Phase.CLOSED, "close", _("Close the alliance"), decision="close"
    )
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

    def remembered(self, key: str, compute):
        """A value derived from the database for this instance in its current cycle,
        computed once (the requirements, the next step and the page may all ask for the
        cycle's evaluation); ``forget`` or ``refresh_from_db`` clears what was kept."""
        known = self.__dict__.setdefault("_remembered", {})
        if (key, self.cycle) not in known:
            known[key, self.cycle] = compute()
        return known[key, self.cycle]

    def forget(self) -> None:
        self.__dict__.pop("_remembered", None)

    @contextlib.contextmanager
    def reading(self, **sources):
        """While a page is built from this instance, and nothing is written: what several
        parts of it ask (the current members, the cycle's commitments) is read once
        (``read_once``). Outside it every ask reads the database, so a service that changes
        rows and asks again never gets the old answer. ``sources``: how the page itself
        answers a key from what it reads anyway (called only if the key is asked)."""
        self.__dict__["_reading"] = {}
        self.__dict__["_reading_sources"] = sources
        try:
            yield self
        finally:
            self.__dict__.pop("_reading", None)
            self.__dict__.pop("_reading_sources", None)

    def read_once(self, key: str, compute):
        """``compute()``, once per ``key`` while ``reading``; every time otherwise."""
        known = self.__dict__.get("_reading")
        if known is None:
            return compute()
        if key not in known:
            known[key] = self.__dict__["_reading_sources"].get(key, compute)()
        return known[key]

    def refresh_from_db(self, *args, **kwargs) -> None:
        self.forget()
        super().refresh_from_db(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.CLOSED

    @property
    def accepts_reports(self) -> bool:
        return self.phase in REPORTING_PHASES

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


def _transitions(name: str) -> list[Transition]:
    return list(getattr(AllianceLifecycle, name)._django_fsm.transitions.values())


NEW_CYCLE_TRANSITIONS = tuple(
    name for name in TRANSITION_NAMES if any(t.custom.get("new_cycle") for t in _transitions(name))
)
"""The transitions that start a new cycle."""

FORWARD = {
    t.source: name
    for name in TRANSITION_NAMES
    for t in _transitions(name)
    if t.custom.get("forward")
}
"""The way forward from each phase before Evaluación (from Evaluación, see ``DECIDED``)."""

DECIDED = {
    t.custom["decision"]: name
    for name in TRANSITION_NAMES
    for t in _transitions(name)
    if t.custom.get("decision")
}
"""The transition out of Evaluación that each decision of the evaluation calls for."""
