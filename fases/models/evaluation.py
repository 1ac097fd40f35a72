"""The evaluation of each cycle and its ratings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alianzas.compiled import compiled
from alianzas.criteria import SCORE_VALIDATORS, Criterion, Score
from alianzas.generation_queries import FollowedManager


class Evaluation(models.Model):
    """The evaluation of one cycle of an alliance and its decision about continuity."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Continue")
        REFORMULATE = "reformulate", _("Reformulate")
        CLOSE = "close", _("Close")

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    cycle = models.PositiveIntegerField(_("cycle"))
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    findings = models.TextField(_("findings"))
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="evaluations",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    objects = FollowedManager()

    class Meta:
        ordering = ["alliance", "-cycle"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "cycle"],
                name="evaluation_one_per_cycle",
                violation_error_message=_("This cycle of the alliance has already been evaluated."),
            )
        ]

    def __str__(self) -> str:
        return _("Evaluation of cycle %(cycle)s of %(alliance)s") % {
            "cycle": self.cycle,
            "alliance": self.alliance,
        }


class EvaluationRating(models.Model):
    """One criterion of an evaluation rated from 1 to 5, with a note."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="ratings"
    )
    criterion = models.CharField(_("criterion"), max_length=30, choices=Criterion.choices)
    score = models.PositiveSmallIntegerField(
        _("score"), choices=Score.choices, validators=SCORE_VALIDATORS
    )
    note = models.TextField(_("note"), blank=True)
    objects = FollowedManager()

    class Meta:
        ordering = ["evaluation", "pk"]
        verbose_name = _("evaluation rating")
        verbose_name_plural = _("evaluation ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="evaluation_rating_one_per_criterion"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5),
                name="evaluation_rating_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_criterion_display()}: {self.score}"


def evaluations_so_far(alliance) -> list[Evaluation]:
    """The alliance's evaluations up to its current cycle, latest first: one read per
    instance and cycle, for the current one (the requirements, the next step) and the
    earlier ones (the page's evaluation panel). An alliance has one a cycle at most."""
    return alliance.remembered(
        "evaluations", lambda: _evaluations_up_to(alliance.pk, alliance.cycle)
    )


@compiled
def _evaluations_up_to(alliance_id: int, cycle: int):
    return Evaluation.objects.filter(alliance_id=alliance_id, cycle__lte=cycle).order_by("-cycle")


def current_evaluation(alliance) -> Evaluation | None:
    """The evaluation of the alliance's current cycle, or None (``evaluations_so_far``)."""
    return next((e for e in evaluations_so_far(alliance) if e.cycle == alliance.cycle), None)
