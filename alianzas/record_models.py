"""What happened to an alliance, as rows: its changes of phase, the adjustments to its
design, and its publication.

Imported at the end of ``alianzas.models`` so Django finds these models with the rest of
the app; kept apart so that no models module grows past one subject.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alianzas.choice_labels import ChoiceLabels
from alianzas.generation_queries import FollowedManager
from alianzas.lifecycle import Phase


class PhaseChange(ChoiceLabels, models.Model):
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
    mid_course = models.BooleanField(
        _("entered mid-course"),
        default=False,
        help_text=_("The alliance was already under way and was brought in at this phase."),
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    objects = FollowedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")
        # Moved from fases with its rows: the table keeps its name.
        db_table = "fases_phasechange"
        indexes = [models.Index(fields=["alliance", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_phase_display()} → {self.get_target_phase_display()}"


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
    objects = FollowedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        # Moved from fases with its rows: the table keeps its name.
        db_table = "fases_adjustment"
        indexes = [models.Index(fields=["alliance", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_subject_display()}: {self.object_label}"

    @property
    def reason_text(self) -> str:
        if self.reason == self.Reason.OTHER and self.reason_other:
            return self.reason_other
        return self.get_reason_display()


class Publication(models.Model):
    """One decision to publish an alliance or to withdraw it: the history of what was public
    and who decided, read from these rows (``alianzas.publishing``)."""

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="publications",
    )
    published = models.BooleanField(_("published"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="publications",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    objects = FollowedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        indexes = [models.Index(fields=["alliance", "-created_at"])]

    def __str__(self) -> str:
        return str(_("Published") if self.published else _("Withdrawn"))
