"""The one way to change an alliance's phase, and the evaluation that decides continuity."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.criteria import EVALUATION_CRITERIA, parse_score
from alianzas.lifecycle import DECIDED, FORWARD, TRANSITION_NAMES, Phase
from alianzas.models import Alliance, PhaseChange
from alianzas.refusals import NotPermitted, Refused
from fases import risks
from fases.models import Evaluation, EvaluationRating
from fases.requirements import (
    Requirement,
    cycle_evaluation,
    requirement_titles,
    unmet_requirements,
)


class PhaseChangeError(Refused):
    """A change of phase that is refused, with every reason in the user's language."""

    def __init__(self, message: str, requirements: list[Requirement] | None = None):
        super().__init__(message)
        self.requirements = requirements or []

    @property
    def messages(self) -> list[str]:
        return [self.message, *(r.message for r in self.requirements)]


class PhaseChangeNotPermitted(PhaseChangeError, NotPermitted):
    pass


class UnreviewedRiskError(PhaseChangeError):
    """The evaluation is refused while a high risk or conflict has not been reviewed in
    the cycle (``fases.risks.unreviewed_high_risks``), each named."""

    @property
    def messages(self) -> list[str]:
        return [self.message]


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


@dataclass(frozen=True)
class NextStep:
    """The alliance's next change of phase and what it still lacks: the page's checklist."""

    name: str
    label: str
    target: str
    unmet: list[Requirement]
    met: list[str]


RECORD_EVALUATION = "record_evaluation"
"""The next step in Evaluación until the evaluation is recorded: not a change of phase."""

UNREVIEWED_RISKS = "unreviewed_high_risks"
"""``Alliance.read_once`` key of ``risks.unreviewed_high_risks`` (the dashboard reads it for
several alliances at once: ``risks.unreviewed_high_risks_of``)."""


def next_step(alliance: Alliance) -> NextStep | None:
    if alliance.phase == Phase.EVALUATION:
        evaluation = cycle_evaluation(alliance)
        if evaluation is None:
            # Until the evaluation decides, no way out of Evaluación is the next step (the
            # page said "Next step: Continue" and "the evaluation decided this" before it
            # had): recording the evaluation is.
            return NextStep(
                name=RECORD_EVALUATION,
                label=_("Record the evaluation"),
                target=Phase.EVALUATION,
                unmet=[
                    requirement
                    for requirement in unmet_requirements(alliance, "continue_cycle")
                    if requirement.code == "evaluation"
                ]
                # The high risks and conflicts not reviewed in this cycle hold it back
                # (record_evaluation refuses): named here too, before anyone tries.
                + alliance.read_once(
                    UNREVIEWED_RISKS, lambda: risks.unreviewed_high_risks(alliance)
                ),
                met=[],
            )
        name = DECIDED[evaluation.decision]
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


def next_step_notes(alliance) -> list[str]:
    """What the coordinators' weekly summary says of ``alliance``'s next step (registered with
    ``seguimiento.reminders`` by ``FasesConfig.ready``): ready, or the first of what it lacks."""
    step = next_step(alliance)
    if step is None:
        return []
    if not step.unmet:
        return [_("Ready for “%(step)s”.") % {"step": step.label}]
    notes = [_("Still missing for “%(step)s”:") % {"step": step.label}]
    notes.extend(f"– {requirement}" for requirement in step.unmet[:5])
    if len(step.unmet) > 5:
        notes.append(_("– and %(count)s more.") % {"count": len(step.unmet) - 5})
    return notes


def transition_options(
    alliance: Alliance, user, *, step: NextStep | None = None
) -> list[TransitionOption]:
    """The transitions out of the alliance's current phase that ``user`` may take,
    each with what it still lacks (an empty list when it can be taken now). ``step``: the
    alliance's ``next_step`` when the caller has it, whose requirements are then not
    checked a second time (the alliance page shows both)."""
    if not access.can_change_phase(user, alliance):
        return []
    known = {step.name: step.unmet} if step else {}
    options = []
    for name in TRANSITION_NAMES:
        meta = alliance.phase_transition(name)
        if meta is None:
            continue
        if name == "close_early" and alliance.phase == Phase.EVALUATION:
            # In Evaluación the evaluation decides whether the alliance closes: one way to
            # close is offered there, the decided one ("close").
            continue
        options.append(
            TransitionOption(
                name=name,
                label=str(meta.custom["label"]),
                target=meta.target,
                reason_required=meta.custom.get("reason_required", False),
                new_cycle=meta.custom.get("new_cycle", False),
                unmet=known[name] if name in known else unmet_requirements(alliance, name),
            )
        )
    return options


def change_phase(
    *, alliance: Alliance, transition: str, user, comment: str = "", mid_course: bool = False
) -> PhaseChange:
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
        source = locked.phase
        # The check and django-fsm's own check of the same conditions, which the transition
        # runs, share what they read (the current members, the cycle's commitments): both
        # happen under the row lock with nothing written in between, so a second read
        # could only repeat the first. The scope ends before anything is saved.
        with locked.reading():
            unmet = unmet_requirements(locked, transition)
            if unmet:
                raise PhaseChangeError(
                    _("“%(transition)s” is not possible yet:") % {"transition": label}, unmet
                )
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
            mid_course=mid_course,
        )
    alliance.refresh_from_db(fields=["phase", "cycle", "updated_at"])
    return change


def record_evaluation(
    *,
    alliance: Alliance,
    user,
    decision: str,
    findings: str,
    ratings: Mapping[str, tuple[int, str] | int],
    lessons_learned: str = "",
) -> Evaluation:
    """Record (or correct) the evaluation of the alliance's current cycle.

    ``ratings`` maps every criterion of ``EVALUATION_CRITERIA`` to ``(score, note)``
    with a score from 1 to 5. The evaluation and its ratings are saved together or not
    at all; a correction replaces the earlier ratings. It can be corrected while the
    alliance stays in Evaluación; the transition its decision names (continue_cycle,
    reformulate or close, through ``change_phase``) leaves Evaluación and makes it final.

    Raises ``PhaseChangeNotPermitted`` for anyone but the coordinators and the
    administrators, ``PhaseChangeError`` outside Evaluación, and ``ValidationError``
    (by field: ``decision``, ``findings``, each criterion) for incomplete input.
    """
    if not access.can_record_evaluation(user, alliance):
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
        evaluation.findings = (findings or "").strip()
        evaluation.lessons_learned = (lessons_learned or "").strip()
        evaluation.author = user if user.is_authenticated else None

        errors: dict[str, list] = {}
        try:
            evaluation.full_clean(exclude=["author"])
        except ValidationError as error:
            errors.update(error.message_dict)
        cleaned, rating_errors = _clean_ratings(ratings)
        for key, message in rating_errors.items():
            errors.setdefault(key, []).append(message)
        if errors:
            raise ValidationError(errors)
        unreviewed = risks.unreviewed_high_risks(locked)
        if unreviewed:
            # One message naming each item: the form shows a refusal as one error.
            raise UnreviewedRiskError(
                " ".join(
                    [
                        _(
                            "The evaluation cannot be recorded while a high-rated risk or "
                            "conflict has not been reviewed in this cycle."
                        ),
                        *(requirement.message for requirement in unreviewed),
                    ]
                ),
                unreviewed,
            )

        evaluation.save()
        # A correction replaces the ratings: the evaluation is one judgement, not a log.
        evaluation.ratings.all().delete()
        EvaluationRating.objects.bulk_create(
            EvaluationRating(evaluation=evaluation, criterion=criterion, score=score, note=note)
            for criterion, (score, note) in cleaned.items()
        )
    alliance.forget()
    return evaluation


def _clean_ratings(ratings) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
    """Every evaluation criterion's ``(score, note)``, in order, and the errors by criterion."""
    ratings = dict(ratings or {})
    cleaned, errors = {}, {}
    for criterion in EVALUATION_CRITERIA:
        value = ratings.pop(criterion, None)
        score, note = value if isinstance(value, tuple | list) else (value, "")
        if score is None or score == "":
            errors[criterion.value] = _("Rate “%(criterion)s” from 1 to 5.") % {
                "criterion": criterion.label
            }
            continue
        score = parse_score(score)
        if score is None:
            errors[criterion.value] = _(
                "The score of “%(criterion)s” must be a whole number from 1 to 5."
            ) % {"criterion": criterion.label}
            continue
        cleaned[criterion.value] = (score, (note or "").strip())
    if ratings:
        errors[NON_FIELD_ERRORS] = _("These are not evaluation criteria: %(names)s.") % {
            "names": ", ".join(sorted(str(name) for name in ratings))
        }
    return cleaned, errors


# --- Reading evaluations ----------------------------------------------------------


def evaluation_of(alliance: Alliance, cycle: int) -> Evaluation | None:
    """The evaluation of ``cycle`` with its ratings in the criteria's order, or None."""
    evaluation = (
        alliance.evaluations.filter(cycle=cycle)
        .select_related("author")
        .prefetch_related("ratings")
        .first()
    )
    if evaluation is not None:
        evaluation.ordered_ratings = ordered_ratings(evaluation.ratings.all())
    return evaluation


def ordered_ratings(ratings) -> list[EvaluationRating]:
    """Ratings in the order of ``EVALUATION_CRITERIA`` (not the order they were saved in)."""
    position = {criterion.value: index for index, criterion in enumerate(EVALUATION_CRITERIA)}
    return sorted(ratings, key=lambda rating: position.get(rating.criterion, len(position)))
