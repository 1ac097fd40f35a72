"""Reads for the pages that show an alliance's next step."""

import functools

from django.utils.translation import get_language

from alianzas import generations
from alianzas.compiled import compiled
from alianzas.lifecycle import Phase
from alianzas.models import Alliance, PhaseChange
from fases import requirements, risks
from fases.services import UNREVIEWED_RISKS, next_step
from seguimiento.selectors import ATTENTION_SIZE


def blocked_alliances(user) -> list[tuple[Alliance, object]]:
    """The user's own alliances whose next step still lacks something: a few, most recently
    changed first. At most ATTENTION_SIZE are checked, each kept until its alliance
    changes; what their checks read is read for all of them at once (``shared_reads``):
    a fixed number of queries however many are checked."""
    coordinated = list(
        user.coordinated_alliances.exclude(phase=Phase.CLOSED).order_by("-updated_at")[
            :ATTENTION_SIZE
        ]
    )
    shared = shared_reads(coordinated)
    steps = [(a, cached_next_step(a, shared[a.pk])) for a in coordinated]
    return [(alliance, step) for alliance, step in steps if step and step.unmet]


def shared_reads(alliances: list[Alliance]) -> dict[int, dict]:
    """``requirements.shared_reads`` and the next step's own read (the high risks not
    reviewed, in Evaluación before the evaluation is recorded), each for all ``alliances``
    in one query when a check first asks."""
    shared = requirements.shared_reads(alliances)
    unreviewed = functools.cache(lambda: risks.unreviewed_high_risks_of(alliances))
    for alliance in alliances:
        shared[alliance.pk][UNREVIEWED_RISKS] = lambda pk=alliance.pk: unreviewed()[pk]
    return shared


def cached_next_step(alliance: Alliance, sources: dict | None = None):
    """``fases.services.next_step``, cached until the alliance changes (in each language:
    the step holds translated messages). ``sources``: reads shared with other alliances'
    checks (``shared_reads``)."""

    def read():
        with alliance.reading(**(sources or {})):
            return next_step(alliance)

    return generations.alliance_value(alliance.pk, f"next-step:{get_language()}", read)


@compiled
def phase_changes_of(alliance_id: int):
    """The alliance's changes of phase with who made each, the latest first."""
    return (
        PhaseChange.objects.filter(alliance_id=alliance_id)
        .select_related("user")
        .order_by("-created_at", "-pk")
    )
