"""The one bulk path for phase changes: how seed_demo's synthetic alliances get their phase,
their cycle and the rows the services would have written on the way.

One alliance changes phase through ``fases.services.change_phase`` (lock the row, check the
conditions for success, call the transition, save, write a ``PhaseChange``), and its
evaluation is recorded by ``record_evaluation`` (an ``Evaluation`` and an
``EvaluationRating`` for every criterion). At benchmark scale (10,000 alliances, several
changes each) that would take many minutes, so the synthetic data takes this path instead,
and nothing else writes phases in bulk:

1. ``plan`` draws a plausible history for one alliance, as a ``Walk``: a few cycles, each
   evaluated, and a final phase, possibly closed (after an evaluation, or early with a
   reason).
2. ``Walk.take(name)`` follows the one graph of ``alianzas.lifecycle``: the transition called
   ``name`` from the phase reached, as django-fsm declares it on ``Alliance`` (its source and
   its target), and one cycle more for the ``NEW_CYCLE_TRANSITIONS``. A name that is not a
   transition from that phase is refused with ``ValueError``, so no history the graph does
   not allow can be written. The way forward is ``FORWARD``; what an evaluation decided
   leaves Evaluación by ``DECIDED[decision]``.
3. The alliance is inserted already in the walk's final phase and cycle. ``phase_changes``
   gives one ``PhaseChange`` per step, with what ``change_phase`` writes: the transition,
   the source and target phases, the cycle after the change, the user (the demo's
   administrator), the comment (an early closing's reason) and ``created_at``, which is
   spread between the alliance's start and today, in order, instead of being "now".
   ``evaluations`` gives each evaluation the walk made, with a rating for every criterion,
   as ``record_evaluation`` writes them.
4. Every entry into Implementación needs the cycle's partnering agreement signed by every
   current member (``fases.requirements``): ``agreements`` gives the walk's agreement of each
   such cycle, ``agreement_versions`` its one version and ``agreement_signatures`` a
   signature of it by every member, recorded on paper on the day the alliance started, as
   ``fases.agreements`` would have written them.

What it leaves out on purpose: the conditions for success are not checked (how many
commitments and measurements there are is up to seed_demo's options), no row is locked (the
alliances are new), and ``save()``'s side effects are not reproduced: no history of field
changes (django-simple-history) and no signals; seed_demo renews every cached page at the
end (``generations.everything_changed``).
"""

import datetime
import random
from dataclasses import dataclass, field

from alianzas.criteria import EVALUATION_CRITERIA
from alianzas.lifecycle import DECIDED, FORWARD, NEW_CYCLE_TRANSITIONS, TRANSITION_NAMES, Phase
from alianzas.models import Alliance, PhaseChange
from fases.models import (
    Agreement,
    AgreementSignature,
    AgreementVersion,
    Evaluation,
    EvaluationRating,
    SignatureMethod,
)

EARLY_CLOSING = "close_early"
CONTINUE, REFORMULATE = Evaluation.Decision.CONTINUE, Evaluation.Decision.REFORMULATE


def transition_from(phase: str, name: str):
    """The transition called ``name`` that leaves ``phase``, as the model declares it."""
    transition = None
    if name in TRANSITION_NAMES:
        transition = getattr(Alliance, name)._django_fsm.get_transition(phase)
    if transition is None:
        raise ValueError(f"The lifecycle has no transition {name!r} from {phase!r}.")
    return transition


def forward_order() -> list[str]:
    """The active phases in the order the way forward takes them, from the first one."""
    phases = [Alliance._meta.get_field("phase").default]
    while phases[-1] in FORWARD:
        phases.append(transition_from(phases[-1], FORWARD[phases[-1]]).target)
    return phases


ORDER = forward_order()


@dataclass(frozen=True)
class Step:
    transition: str
    source: str
    target: str
    cycle: int  # after the change, as PhaseChange.cycle
    comment: str = ""


@dataclass
class Walk:
    """An alliance's way through the lifecycle graph, from a new alliance's phase and cycle."""

    phase: str = field(default_factory=lambda: Alliance._meta.get_field("phase").default)
    cycle: int = field(default_factory=lambda: Alliance._meta.get_field("cycle").default)
    steps: list[Step] = field(default_factory=list)
    evaluations: list[tuple[int, str]] = field(default_factory=list)  # (cycle, decision)

    def take(self, name: str, comment: str = "") -> None:
        source = self.phase
        self.phase = transition_from(source, name).target
        if name in NEW_CYCLE_TRANSITIONS:
            self.cycle += 1
        self.steps.append(Step(name, source, self.phase, self.cycle, comment))

    def forward_to(self, phase: str) -> None:
        while ORDER.index(self.phase) < ORDER.index(phase):
            self.take(FORWARD[self.phase])

    def decide(self, decision: str) -> None:
        """The evaluation of this cycle, and the transition its decision calls for."""
        self.evaluations.append((self.cycle, decision))
        self.take(DECIDED[decision])


def plan(rng: random.Random, early_closing_reasons: list[str]) -> Walk:
    """A plausible history: mostly one cycle, sometimes two or three; a fifth closed."""
    cycles = rng.choices([1, 2, 3], weights=[75, 20, 5])[0]
    final = rng.choices([*ORDER, Phase.CLOSED], weights=[20, 25, 20, 15, 20])[0]
    walk = Walk()
    for number in range(1, cycles):
        walk.forward_to(Phase.EVALUATION)
        if number < cycles - 1:
            decision = rng.choice([CONTINUE, CONTINUE, REFORMULATE])
        elif final == Phase.IDENTIFICATION:
            decision = REFORMULATE
        else:
            decision = CONTINUE
        walk.decide(decision)
    if final == Phase.CLOSED:
        if rng.random() < 0.75:
            walk.forward_to(Phase.EVALUATION)
            walk.decide(Evaluation.Decision.CLOSE)
        else:
            walk.forward_to(rng.choice(ORDER[ORDER.index(walk.phase) :]))
            walk.take(EARLY_CLOSING, rng.choice(early_closing_reasons))
    else:
        walk.forward_to(max(final, walk.phase, key=ORDER.index))
    return walk


def phase_changes(
    walk: Walk, *, alliance_id: int, user_id: int, start: datetime.date, today, tz
) -> list[PhaseChange]:
    """The ``PhaseChange`` rows of the walk, dated in order between ``start`` and today."""
    span = (today - start).days
    changes = []
    for index, step in enumerate(walk.steps):
        day = start + datetime.timedelta(days=span * (index + 1) // (len(walk.steps) + 1))
        changes.append(
            PhaseChange(
                alliance_id=alliance_id,
                transition=step.transition,
                source_phase=step.source,
                target_phase=step.target,
                cycle=step.cycle,
                user_id=user_id,
                comment=step.comment,
                created_at=datetime.datetime(
                    day.year, day.month, day.day, 9 + index % 8, tzinfo=tz
                ),
            )
        )
    return changes


def evaluations(
    walk: Walk, *, alliance_id: int, user_id: int, findings: dict[str, str]
) -> list[Evaluation]:
    """The walk's evaluations, each with its decision's findings (not saved)."""
    return [
        Evaluation(
            alliance_id=alliance_id,
            cycle=cycle,
            decision=decision,
            findings=findings[decision],
            author_id=user_id,
        )
        for cycle, decision in walk.evaluations
    ]


def ratings(saved: list[Evaluation], rng: random.Random) -> list[EvaluationRating]:
    """A rating for every criterion of each saved evaluation: low when it reformulates."""
    return [
        EvaluationRating(
            evaluation_id=evaluation.pk,
            criterion=criterion,
            score=rng.randint(1, 3) if evaluation.decision == REFORMULATE else rng.randint(3, 5),
        )
        for evaluation in saved
        for criterion in EVALUATION_CRITERIA
    ]


def agreement_cycles(walk: Walk) -> list[int]:
    """The cycles whose agreement had to be signed: each one the walk entered Implementación
    in (by start_implementation, or by continue_cycle into the new cycle)."""
    return sorted({step.cycle for step in walk.steps if step.target == Phase.IMPLEMENTATION})


def agreements(walk: Walk, *, alliance_id: int, user_id: int) -> list[Agreement]:
    """The walk's agreements, one per cycle of ``agreement_cycles`` (not saved)."""
    return [
        Agreement(alliance_id=alliance_id, cycle=cycle, created_by_id=user_id)
        for cycle in agreement_cycles(walk)
    ]


def agreement_versions(
    saved: list[Agreement], *, dates: dict, text: dict
) -> list[AgreementVersion]:
    """The first version of each saved agreement; ``dates``: the alliance's (start, end) by
    its id; ``text``: the agreement's wording."""
    return [
        AgreementVersion(
            agreement_id=agreement.pk,
            number=1,
            starts_on=dates[agreement.alliance_id][0],
            ends_on=dates[agreement.alliance_id][1],
            created_by_id=agreement.created_by_id,
            **text,
        )
        for agreement in saved
    ]


def agreement_signatures(
    versions: list[AgreementVersion], *, alliance_of: dict, members: dict, dates: dict
) -> list[AgreementSignature]:
    """A signature of each saved version by every member of its alliance (``members``: actor
    ids by alliance id; ``alliance_of``: each agreement's alliance id), on paper."""
    return [
        AgreementSignature(
            version_id=version.pk,
            actor_id=actor_id,
            method=SignatureMethod.PAPER,
            signatory="Representante legal",
            signed_on=dates[alliance_of[version.agreement_id]][0],
            recorded_by_id=version.created_by_id,
        )
        for version in versions
        for actor_id in members[alliance_of[version.agreement_id]]
    ]
