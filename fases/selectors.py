"""Reads for the pages that show an alliance's next step."""

from django.utils.translation import get_language

from alianzas import generations
from alianzas.lifecycle import Phase
from alianzas.models import Alliance
from fases import requirements
from fases.services import next_step
from seguimiento.selectors import ATTENTION_SIZE


def blocked_alliances(user) -> list[tuple[Alliance, object]]:
    """The user's own alliances whose next step still lacks something: a few, most recently
    changed first. Checking costs a few queries per alliance, so at most ATTENTION_SIZE are
    checked, each kept until its alliance changes."""
    coordinated = list(
        user.coordinated_alliances.exclude(phase=Phase.CLOSED).order_by("-updated_at")[
            :ATTENTION_SIZE
        ]
    )
    # What each check reads (members, committed actors), read for all of them at once.
    shared = requirements.shared_reads(coordinated)
    steps = [(a, cached_next_step(a, shared[a.pk])) for a in coordinated]
    return [(alliance, step) for alliance, step in steps if step and step.unmet]


def cached_next_step(alliance: Alliance, sources: dict | None = None):
    """``fases.services.next_step``, cached until the alliance changes (in each language:
    the step holds translated messages). ``sources``: reads shared with other alliances'
    checks (``requirements.shared_reads``)."""

    def read():
        with alliance.reading(**(sources or {})):
            return next_step(alliance)

    return generations.alliance_value(alliance.pk, f"next-step:{get_language()}", read)
