"""What each actor committed and what was measured: the alliance's monitoring record, with
the partnership health checks and the files exported from it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from alianzas import access, date_bounds
from alianzas.choice_labels import ChoiceLabels
from alianzas.criteria import SCORE_VALIDATORS, Criterion, Score
from alianzas.generation_queries import FollowedManager
from alianzas.history import History
from alianzas.lifecycle import ProtectedStateMixin
from seguimiento.evidence import evidence_path, validate_evidence


class CommitmentKind(models.TextChoices):
    FINANCIAL = "financial", _("Financial")
    IN_KIND = "in_kind", _("In kind")
    TECHNICAL = "technical", _("Technical")
    HUMAN_RESOURCES = "human_resources", _("Human resources")
    INFORMATION = "information", _("Information")


class CommitmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_PROGRESS = "in_progress", _("In progress")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = [CommitmentStatus.PENDING, CommitmentStatus.IN_PROGRESS]


def _may_update_commitment(commitment, user) -> bool:
    return access.can_update_commitment(user, commitment)


class Commitment(ChoiceLabels, ProtectedStateMixin, models.Model):
    """What one member actor pledged to one alliance in one cycle.

    Its status follows from its progress updates
    (``seguimiento.services.log_progress``); each update is the audit record
    of the change.
    """

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    actor = models.ForeignKey(
        "alianzas.Actor",
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    cycle = models.PositiveIntegerField(
        _("cycle"), blank=True, help_text=_("The alliance's current cycle if left empty.")
    )
    description = models.TextField(_("description"))
    kind = models.CharField(_("kind"), max_length=20, choices=CommitmentKind.choices)
    value_pen = models.DecimalField(
        _("value (S/)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Estimated value in soles, if it has one."),
    )
    due_date = models.DateField(_("due date"))
    status = FSMField(
        _("status"),
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.PENDING,
        protected=True,
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)], editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Who changed what and when, readable in the admin (django-simple-history).
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        indexes = [
            # The default order: the admin's list reads a page of it, not every row.
            models.Index(fields=["due_date", "id"], name="commitment_due_order"),
            models.Index(fields=["alliance", "cycle"]),
            models.Index(fields=["actor", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="commitment_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor}: {self.description[:60]}"

    @property
    def is_open(self) -> bool:
        """Pending or in progress: it still takes progress updates and edits."""
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()

    def clean_fields(self, exclude=None) -> None:
        # A due date in 1900 or 2999 is a typing mistake (alianzas.date_bounds).
        date_bounds.clean_fields_and_dates(
            self, super().clean_fields, {"due_date": date_bounds.NEAR}, exclude
        )

    def clean(self) -> None:
        super().clean()
        if not (self.alliance_id and self.actor_id):
            return
        if self.cycle is None:
            self.cycle = self.alliance.cycle
        if not self.alliance.active_memberships().filter(actor_id=self.actor_id).exists():
            raise ValidationError(
                {"actor": _("Only current member actors of the alliance can make commitments.")}
            )

    @transition(
        field=status,
        source=CommitmentStatus.PENDING,
        target=CommitmentStatus.IN_PROGRESS,
        permission=_may_update_commitment,
    )
    def start(self) -> None:
        pass

    @transition(
        field=status,
        source=OPEN_STATUSES,
        target=CommitmentStatus.FULFILLED,
        permission=_may_update_commitment,
    )
    def fulfil(self) -> None:
        self.progress = 100

    @transition(
        field=status,
        source=OPEN_STATUSES,
        target=CommitmentStatus.CANCELLED,
        permission=_may_update_commitment,
    )
    def cancel(self) -> None:
        pass


class CommitmentUpdate(models.Model):
    """A progress report on a commitment, by one of its actor's people or a coordinator."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("commitment"), on_delete=models.CASCADE, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="commitment_updates",
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MaxValueValidator(100)]
    )
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(
        _("evidence"),
        upload_to=evidence_path,
        blank=True,
        validators=[validate_evidence],
        max_length=200,
    )
    evidence_name = models.CharField(_("evidence file name"), max_length=150, blank=True)
    status = models.CharField(
        _("resulting status"), max_length=20, choices=CommitmentStatus.choices
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    objects = FollowedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("commitment update")
        verbose_name_plural = _("commitment updates")
        indexes = [
            models.Index(fields=["commitment", "-created_at"]),
            # The default order, read backwards: the admin's list reads a page of it.
            models.Index(fields=["created_at", "id"], name="commitmentupdate_order"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment} — {self.progress}%"


class Measurement(models.Model):
    """The value of an indicator for one period. One per indicator and period."""

    indicator = models.ForeignKey(
        "alianzas.Indicator",
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="measurements",
    )
    cycle = models.PositiveIntegerField(
        _("cycle"), blank=True, help_text=_("The alliance's current cycle if left empty.")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measurements",
    )
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(
        _("evidence"),
        upload_to=evidence_path,
        blank=True,
        validators=[validate_evidence],
        max_length=200,
    )
    evidence_name = models.CharField(_("evidence file name"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["indicator", "-period_start"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_start"],
                name="measurement_one_per_period",
                violation_error_message=_(
                    "This indicator already has a value for that period; correct it instead."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="measurement_period_in_order",
                violation_error_message=_("The period cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["indicator", "cycle"])]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value} ({self.period_start:%Y-%m-%d})"

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_start > timezone.localdate():
            raise ValidationError(
                {"period_start": _("A value cannot be reported for a period that has not started.")}
            )
        if self.cycle is None and self.indicator_id:
            self.cycle = self.indicator.objective.alliance.cycle


class MeasurementCorrection(models.Model):
    """The value a measurement had before a correction: corrections never erase history."""

    measurement = models.ForeignKey(
        Measurement,
        verbose_name=_("measurement"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    previous_value = models.DecimalField(_("previous value"), max_digits=16, decimal_places=4)
    previous_note = models.TextField(_("previous note"), blank=True)
    previously_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previously reported by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="measurement_corrections",
    )
    corrected_at = models.DateTimeField(_("corrected at"), default=timezone.now)
    objects = FollowedManager()

    class Meta:
        ordering = ["-corrected_at", "-pk"]
        verbose_name = _("measurement correction")
        verbose_name_plural = _("measurement corrections")

    def __str__(self) -> str:
        return f"{self.measurement}: {self.previous_value}"


class HealthCheck(models.Model):
    """One member actor's answers to the partnership health check in one cycle."""

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="health_checks",
    )
    cycle = models.PositiveIntegerField(_("cycle"))
    actor = models.ForeignKey(
        "alianzas.Actor",
        verbose_name=_("actor"),
        on_delete=models.CASCADE,
        related_name="health_checks",
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="health_checks",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    objects = FollowedManager()

    class Meta:
        ordering = ["alliance", "-cycle", "actor"]
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "cycle", "actor"],
                name="health_check_one_per_actor_and_cycle",
                violation_error_message=_("This actor already answered the health check."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.alliance} — {self.actor} ({self.cycle})"


class HealthCheckAnswer(models.Model):
    health_check = models.ForeignKey(
        HealthCheck,
        verbose_name=_("health check"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    condition = models.CharField(_("condition"), max_length=30, choices=Criterion.choices)
    score = models.PositiveSmallIntegerField(
        _("score"), choices=Score.choices, validators=SCORE_VALIDATORS
    )
    objects = FollowedManager()

    class Meta:
        ordering = ["health_check", "pk"]
        verbose_name = _("health check answer")
        verbose_name_plural = _("health check answers")
        constraints = [
            models.UniqueConstraint(
                fields=["health_check", "condition"], name="health_answer_one_per_condition"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="health_answer_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_condition_display()}: {self.score}"


class Export(models.Model):
    """A file someone asked for (report or data download), built by a task."""

    class Kind(models.TextChoices):
        REPORT_PDF = "report_pdf", _("Alliance report (PDF)")
        COMMITMENTS_CSV = "commitments_csv", _("Commitments (CSV)")
        COMMITMENTS_XLSX = "commitments_xlsx", _("Commitments (Excel)")
        MEASUREMENTS_CSV = "measurements_csv", _("Measurements (CSV)")
        MEASUREMENTS_XLSX = "measurements_xlsx", _("Measurements (Excel)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("In preparation")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="exports",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="exports",
    )
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True, max_length=200)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    objects = FollowedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.alliance}"


# --- Reminders ----------------------------------------------------------------
#
# Reminders are rows first and mail second: the sweep (``seguimiento.reminders``)
# records every reminder that falls due as a ``Reminder`` row, unique per recipient,
# rule, object and period, then groups the ones not e-mailed yet into one stored
# ``OutgoingMessage`` per recipient, which a task sends at most once.
