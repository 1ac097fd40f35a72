from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
