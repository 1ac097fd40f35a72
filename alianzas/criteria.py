"""What an evaluation rates and what the partnership health check asks.

The evaluation rates the five classic criteria and the method's conditions for
success; the health check asks the representatives about those conditions
during Monitoreo, so a fall in trust or leadership shows before the evaluation.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Criterion(models.TextChoices):
    RELEVANCE = "relevance", _("Relevance")
    EFFECTIVENESS = "effectiveness", _("Effectiveness")
    EFFICIENCY = "efficiency", _("Efficiency")
    IMPACT = "impact", _("Impact")
    SUSTAINABILITY = "sustainability", _("Sustainability")
    PRECISE_OBJECTIVES = "precise_objectives", _("Precise objectives")
    LEADERSHIP = "leadership", _("Adequate leadership")
    TRUST = "trust", _("Trust among actors")
    CLEAR_RESPONSIBILITIES = "clear_responsibilities", _("Clear responsibilities")
    CONFLICT_MANAGEMENT = "conflict_management", _("Conflict management")
    FAIR_RETURNS = "fair_returns", _("Fair distribution of returns")


CONDITIONS_FOR_SUCCESS = [
    Criterion.PRECISE_OBJECTIVES,
    Criterion.LEADERSHIP,
    Criterion.TRUST,
    Criterion.CLEAR_RESPONSIBILITIES,
    Criterion.CONFLICT_MANAGEMENT,
    Criterion.FAIR_RETURNS,
]
EVALUATION_CRITERIA = [
    Criterion.RELEVANCE,
    Criterion.EFFECTIVENESS,
    Criterion.EFFICIENCY,
    Criterion.IMPACT,
    Criterion.SUSTAINABILITY,
    *CONDITIONS_FOR_SUCCESS,
]

# What the health check asks a representative about each condition.
HEALTH_QUESTIONS = {
    Criterion.PRECISE_OBJECTIVES: _("The alliance's objectives are clear and measurable."),
    Criterion.LEADERSHIP: _("The leadership builds collaboration and gives a strategic direction."),
    Criterion.TRUST: _("There is trust among the actors."),
    Criterion.CLEAR_RESPONSIBILITIES: _("Each actor knows and accepts its responsibilities."),
    Criterion.CONFLICT_MANAGEMENT: _("Disagreements are raised and resolved well."),
    Criterion.FAIR_RETURNS: _("The benefits of the alliance are shared fairly."),
}

SCORES = [(n, str(n)) for n in range(1, 6)]


class Score(models.IntegerChoices):
    VERY_LOW = 1, _("1 — very low")
    LOW = 2, _("2 — low")
    FAIR = 3, _("3 — fair")
    GOOD = 4, _("4 — good")
    VERY_GOOD = 5, _("5 — very good")


SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


def parse_score(value) -> int | None:
    """A score from 1 to 5 as an integer, or None when ``value`` is not one."""
    if isinstance(value, bool):
        return None
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return score if Score.VERY_LOW <= score <= Score.VERY_GOOD else None
