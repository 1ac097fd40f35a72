"""The partnership health check: what each member actor says about the conditions for success.

During Monitoreo the representatives of every member actor rate the six
conditions for success (``alianzas.criteria.CONDITIONS_FOR_SUCCESS``) once per
cycle, and may correct their answer in the same cycle. ``health_summary``
turns the answers into averages per cycle, so a fall in trust or leadership
shows before the evaluation.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.compiled import compiled
from alianzas.criteria import CONDITIONS_FOR_SUCCESS, parse_score
from alianzas.cycles import NEW_CYCLE_CHANGES
from alianzas.lifecycle import NEW_CYCLE_TRANSITIONS, Phase
from alianzas.models import Actor, Alliance
from alianzas.refusals import NotPermitted, Refused
from seguimiento.models import HealthCheck, HealthCheckAnswer

# The transitions that start a new cycle: their dates are where cycles begin.


class HealthCheckError(Refused):
    """An answer refused as a whole, with the reason in the user's language."""


class HealthCheckNotPermitted(HealthCheckError, NotPermitted):
    pass


# --- Answering ------------------------------------------------------------------


def answer_health_check(
    *, alliance: Alliance, actor: Actor, user, scores: Mapping[str, int], comment: str = ""
) -> HealthCheck:
    """Record (or correct) ``actor``'s answer to the health check of the current cycle.

    Only a representative of ``actor``, a current member, may answer, and only while the
    alliance is in Monitoreo. Every condition needs a score from 1 to 5; the answer and
    its six scores are saved together or not at all.
    """
    if not access.can_answer_health_check(user, alliance, actor.pk):
        raise HealthCheckNotPermitted(
            _(
                "Only the representatives of a current member actor may answer the health "
                "check, each for their own organisation."
            )
        )
    cleaned, errors = clean_scores(scores)
    with transaction.atomic():
        # The same lock as a change of phase: no answer slips in as Monitoreo ends.
        locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
        if locked.phase != Phase.MONITORING:
            raise HealthCheckError(
                _("The health check can only be answered while the alliance is in “%(phase)s”.")
                % {"phase": Phase.MONITORING.label}
            )
        if errors:
            raise ValidationError(errors)
        health_check, _created = HealthCheck.objects.update_or_create(
            alliance=locked,
            cycle=locked.cycle,
            actor=actor,
            defaults={
                "respondent": user if user.is_authenticated else None,
                "comment": (comment or "").strip(),
            },
        )
        HealthCheckAnswer.objects.bulk_create(
            [
                HealthCheckAnswer(health_check=health_check, condition=condition, score=score)
                for condition, score in cleaned.items()
            ],
            update_conflicts=True,
            unique_fields=["health_check", "condition"],
            update_fields=["score"],
        )
    return health_check


def clean_scores(scores) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Every condition's score, in order, and the errors by condition."""
    scores = dict(scores or {})
    cleaned, errors = {}, {}
    for condition in CONDITIONS_FOR_SUCCESS:
        value = scores.pop(condition, None)
        if value is None or value == "":
            errors[condition.value] = [
                _("Answer “%(condition)s” from 1 to 5.") % {"condition": condition.label}
            ]
            continue
        score = parse_score(value)
        if score is None:
            errors[condition.value] = [
                _("The score of “%(condition)s” must be a whole number from 1 to 5.")
                % {"condition": condition.label}
            ]
            continue
        cleaned[condition.value] = score
    if scores:
        errors[NON_FIELD_ERRORS] = [
            _("These are not conditions for success: %(names)s.")
            % {"names": ", ".join(sorted(str(name) for name in scores))}
        ]
    return cleaned, errors


# --- Reading --------------------------------------------------------------------


def answerable_actors(user, alliance: Alliance) -> QuerySet[Actor]:
    """The current member actors ``user`` represents: those they may answer for."""
    if not (user.is_authenticated and user.is_active):
        return Actor.objects.none()
    return _answerable(user.pk, alliance.pk)


def _answerable(user_id: int, alliance_id: int) -> QuerySet[Actor]:
    return Actor.objects.filter(
        representatives=user_id,
        memberships__alliance=alliance_id,
        memberships__left_on__isnull=True,
    ).order_by("name", "pk")


def actors_to_answer(user, alliance: Alliance) -> list[Actor]:
    """``answerable_actors`` in one query, each with ``answered``: whether it answered in the
    alliance's current cycle."""
    if not (user.is_authenticated and user.is_active):
        return []
    return _actors_to_answer(user.pk, alliance.pk, alliance.cycle)


@compiled
def _actors_to_answer(user_id: int, alliance_id: int, cycle: int):
    answered = HealthCheck.objects.filter(
        alliance=alliance_id, cycle=cycle, actor_id=OuterRef("pk")
    )
    return _answerable(user_id, alliance_id).annotate(answered=Exists(answered))


@dataclass(frozen=True)
class ConditionHealth:
    condition: str
    label: str
    average: float | None
    previous: float | None = None

    @property
    def change(self) -> float | None:
        """The change of the average since the previous cycle answered, to one decimal."""
        if self.average is None or self.previous is None:
            return None
        return round(self.average - self.previous, 1)

    @property
    def trend(self) -> str:
        """ "up", "down", "same", or "" when there is nothing to compare with."""
        change = self.change
        if change is None:
            return ""
        return "up" if change > 0 else "down" if change < 0 else "same"


@dataclass(frozen=True)
class CycleHealth:
    cycle: int
    answered: int
    members: int
    conditions: list[ConditionHealth]

    @property
    def response_rate(self) -> int | None:
        """The share of member actors who answered, in percent (None without members)."""
        if not self.members:
            return None
        return min(100, round(100 * self.answered / self.members))

    @property
    def falling(self) -> list[ConditionHealth]:
        return [c for c in self.conditions if c.trend == "down"]


def health_summary(alliance: Alliance) -> list[CycleHealth]:
    """Per cycle, oldest first: how many member actors answered out of how many there were,
    and the average score of each condition with its change since the previous cycle.

    The cycles are those with answers, and the current one while in Monitoreo. At most
    three queries, whatever the number of actors, answers or cycles; none before the
    alliance first reaches Monitoreo.
    """
    if alliance.cycle == 1 and alliance.phase in (Phase.IDENTIFICATION, Phase.IMPLEMENTATION):
        return []  # Nobody can have answered yet.
    answered: dict[int, int] = {}
    averages: dict[int, dict[str, float]] = defaultdict(dict)
    for cycle, condition, average, count in _answers_by_cycle(alliance.pk):
        averages[cycle][condition] = round(float(average), 1)
        answered[cycle] = max(answered.get(cycle, 0), count)

    cycles = set(answered)
    if alliance.phase == Phase.MONITORING:
        cycles.add(alliance.cycle)
    if not cycles:
        return []
    members = _members_by_cycle(alliance, sorted(cycles))

    summary, previous = [], {}
    for cycle in sorted(cycles):
        current = averages.get(cycle, {})
        conditions = [
            ConditionHealth(
                condition=condition.value,
                label=str(condition.label),
                average=current.get(condition.value),
                previous=previous.get(condition.value),
            )
            for condition in CONDITIONS_FOR_SUCCESS
        ]
        summary.append(
            CycleHealth(
                cycle=cycle,
                answered=answered.get(cycle, 0),
                members=members.get(cycle, 0),
                conditions=conditions,
            )
        )
        if current:
            previous = current
    return summary


@compiled
def _answers_by_cycle(alliance_id: int):
    """Per cycle and condition: the average score and how many actors answered."""
    return (
        HealthCheckAnswer.objects.filter(health_check__alliance=alliance_id)
        .values_list("health_check__cycle", "condition")
        .annotate(average=Avg("score"), answered=Count("health_check", distinct=True))
        .order_by()
    )


def _members_by_cycle(alliance: Alliance, cycles: list[int]) -> dict[int, int]:
    """How many actors were members at some time during each of ``cycles`` (so one that
    left during the cycle still counts in it).

    A cycle runs from the change of phase that started it to the one that started the
    next; membership dates are compared with those days. One or two queries.
    """
    starts = {}
    if alliance.cycle > 1:  # Only a new cycle has a start to compare with.
        # Newest first: a cycle started twice keeps its first start. The alliance page
        # answers this from the history it lists (``NEW_CYCLE_CHANGES``).
        changes = alliance.read_once(
            NEW_CYCLE_CHANGES,
            lambda: list(
                alliance.phase_changes.filter(transition__in=NEW_CYCLE_TRANSITIONS)
                .order_by("-created_at", "-pk")
                .only("alliance", "cycle", "created_at")
            ),
        )
        starts = {change.cycle: timezone.localdate(change.created_at) for change in changes}

    def during(cycle: int) -> Q:
        start: datetime.date | None = starts.get(cycle) if cycle > 1 else None
        end: datetime.date | None = starts.get(cycle + 1)
        overlap = Q()
        if end is not None:
            overlap &= Q(joined_on__lte=end)
        if start is not None:
            overlap &= Q(left_on__isnull=True) | Q(left_on__gte=start)
        return overlap

    counts = alliance.memberships.aggregate(
        **{
            f"cycle_{cycle}": Count("actor", distinct=True, filter=during(cycle))
            for cycle in cycles
        }
    )
    return {cycle: counts[f"cycle_{cycle}"] for cycle in cycles}
