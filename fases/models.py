from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fases.criteria import Criterion
from fases.lifecycle import Phase


class PhaseChange(models.Model):
    """One change of an alliance's phase: the history is read from these rows, never rebuilt.

    ``cycle`` is the alliance's cycle after the change, so a change that starts
    a new cycle belongs to the new one.
    """

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="phase_changes",
    )
    transition = models.CharField(_("transition"), max_length=30)
    source_phase = models.CharField(_("from phase"), max_length=20, choices=Phase.choices)
    target_phase = models.CharField(_("to phase"), max_length=20, choices=Phase.choices)
    cycle = models.PositiveIntegerField(_("cycle"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="phase_changes",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")
        indexes = [models.Index(fields=["alliance", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_phase_display()} → {self.get_target_phase_display()}"


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


class Score(models.IntegerChoices):
    VERY_LOW = 1, _("1 — very low")
    LOW = 2, _("2 — low")
    FAIR = 3, _("3 — fair")
    GOOD = 4, _("4 — good")
    VERY_GOOD = 5, _("5 — very good")


SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


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


class Adjustment(models.Model):
    """A change to the design made after Identificación, with its reason.

    The method asks for adjustments during implementation; recording them keeps
    the history true: what changed (``changes`` holds each field's value before
    and after), why, who and when.
    """

    class Subject(models.TextChoices):
        OBJECTIVE = "objective", _("Objective")
        INDICATOR = "indicator", _("Indicator target or date")
        COMMITMENT = "commitment", _("Commitment")
        MEMBERSHIP = "membership", _("Membership")

    class Reason(models.TextChoices):
        ADAPTIVE_MANAGEMENT = "adaptive_management", _("Adaptive management")
        BUDGET_REALIGNMENT = "budget_realignment", _("Budget realignment")
        CHANGE_OF_CONTEXT = "change_of_context", _("Change of context")
        DELAYS = "delays", _("Delays")
        PARTNER_CHANGE = "partner_change", _("Partner joining or leaving")
        OTHER = "other", _("Other")

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="adjustments",
    )
    cycle = models.PositiveIntegerField(_("cycle"))
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    subject = models.CharField(_("what changed"), max_length=20, choices=Subject.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    object_label = models.CharField(_("object"), max_length=300)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    reason_other = models.CharField(_("other reason"), max_length=300, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="adjustments",
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        indexes = [models.Index(fields=["alliance", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_subject_display()}: {self.object_label}"

    @property
    def reason_text(self) -> str:
        if self.reason == self.Reason.OTHER and self.reason_other:
            return self.reason_other
        return self.get_reason_display()
