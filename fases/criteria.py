"""What an evaluation rates and what the partnership health check asks.

The evaluation rates the five classic criteria and the method's conditions for
success; the health check asks the representatives about those conditions
during Monitoreo, so a fall in trust or leadership shows before the evaluation.
"""

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
