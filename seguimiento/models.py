"""What each actor committed and what was measured: the alliance's monitoring record."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from alianzas.history import History
from fases.criteria import Criterion
from fases.lifecycle import ProtectedStateMixin
from fases.models import SCORE_VALIDATORS, Score
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
    from alianzas.access import can_update_commitment

    return can_update_commitment(user, commitment)


class Commitment(ProtectedStateMixin, models.Model):
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

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        indexes = [
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

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("commitment update")
        verbose_name_plural = _("commitment updates")
        indexes = [models.Index(fields=["commitment", "-created_at"])]

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


class ReminderRule(models.TextChoices):
    """What a reminder is about; also the kinds a person may switch off by e-mail."""

    COMMITMENT_DUE_SOON = "commitment_due_soon", _("Commitment falling due soon")
    COMMITMENT_OVERDUE = "commitment_overdue", _("Overdue commitment")
    COMMITMENT_ESCALATION = "commitment_escalation", _("Commitment still overdue")
    MEASUREMENT_MISSING = "measurement_missing", _("Missing indicator value")
    MEASUREMENT_ESCALATION = "measurement_escalation", _("Indicator value still missing")
    HEALTH_CHECK = "health_check", _("Health check not answered")
    WEEKLY_DIGEST = "weekly_digest", _("Weekly summary of your alliances")


class ReminderPolicy(models.Model):
    """Lead times, grace period and digest day: one global row (no alliance) and,
    optionally, one row per alliance whose filled-in values override the global ones."""

    DEFAULTS = {
        "first_notice_days": 7,
        "last_notice_days": 1,
        "grace_days": 7,
        "lookback_days": 30,
        "digest_weekday": 0,
    }

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_policies",
        help_text=_("Leave empty for the policy of every alliance without one of its own."),
    )
    first_notice_days = models.PositiveSmallIntegerField(
        _("first notice (days before)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
        help_text=_("Days before a commitment's due date when its actor is first reminded."),
    )
    last_notice_days = models.PositiveSmallIntegerField(
        _("last notice (days before)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(180)],
        help_text=_("Days before the due date of the last notice; 0 for none."),
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_(
            "Days an item may stay overdue or missing before the coordinators are told too."
        ),
    )
    lookback_days = models.PositiveSmallIntegerField(
        _("look back (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Commitments overdue for longer than this are no longer reminded; "
            "they stay on the dashboard."
        ),
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekly summary on"),
        null=True,
        blank=True,
        choices=list(WEEKDAYS.items()),
        help_text=_("Day of the week the coordinators' summary is sent."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = [models.F("alliance").asc(nulls_first=True), "pk"]
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        constraints = [
            # One global row (alliance NULL counts as 0) and at most one per alliance.
            models.UniqueConstraint(
                models.functions.Coalesce(
                    "alliance", models.Value(0), output_field=models.BigIntegerField()
                ),
                name="reminder_policy_one_per_alliance",
                violation_error_message=_("There is already a reminder policy for this."),
            ),
        ]

    def __str__(self) -> str:
        if self.alliance_id is None:
            return str(_("Reminder policy for every alliance"))
        return str(_("Reminder policy for %(alliance)s") % {"alliance": self.alliance})

    @classmethod
    def global_values(cls) -> dict[str, int]:
        """The global policy's values, the built-in defaults where it has none."""
        row = cls.objects.filter(alliance__isnull=True).first()
        return {
            name: default if row is None or getattr(row, name) is None else getattr(row, name)
            for name, default in cls.DEFAULTS.items()
        }

    def effective_values(self) -> dict[str, int]:
        inherited = {} if self.alliance_id is None else type(self).global_values()
        values = {}
        for name, default in self.DEFAULTS.items():
            value = getattr(self, name)
            values[name] = value if value is not None else inherited.get(name, default)
        return values

    def clean(self) -> None:
        super().clean()
        if self.alliance_id is None:
            missing = {
                name: _("The policy for every alliance needs a value here.")
                for name in self.DEFAULTS
                if getattr(self, name) is None
            }
            if missing:
                raise ValidationError(missing)
        values = self.effective_values()
        errors = {}
        if values["last_notice_days"] >= values["first_notice_days"]:
            errors["last_notice_days"] = _("The last notice must come after the first one.")
        if values["lookback_days"] <= values["grace_days"]:
            errors["lookback_days"] = _("Looking back must cover more days than the grace period.")
        if errors:
            raise ValidationError(errors)


class OutgoingMessage(models.Model):
    """One e-mail, stored with its rendered content before it is sent, and its outcome."""

    class Status(models.TextChoices):
        COMPOSING = "composing", _("Being written")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="outgoing_messages",
    )
    address = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    subject = models.CharField(_("subject"), max_length=250)
    text = models.TextField(_("plain text"))
    html = models.TextField(_("HTML"))
    unsubscribe_url = models.URLField(_("one-click opt-out link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        default=timezone.now,
        help_text=_("When the queued message is due to be sent (later after a failure)."),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The sweep that claimed the reminders into this message: it finds its own messages.
    run = models.CharField(_("sweep"), max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            # Recovering lost and stuck messages.
            models.Index(fields=["status", "next_attempt_at"], name="outgoing_message_due"),
            # The messages a sweep is writing.
            models.Index(
                fields=["run", "recipient"],
                condition=models.Q(status="composing"),
                name="outgoing_message_composing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.subject}"


class Reminder(models.Model):
    """One thing one person is reminded of, once: shown in the application and e-mailed
    (unless they switched that kind off) in the next message to them."""

    class Email(models.TextChoices):
        PENDING = "pending", _("Not e-mailed yet")
        INCLUDED = "included", _("In an e-mail")
        SKIPPED = "skipped", _("Not e-mailed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    rule = models.CharField(_("kind"), max_length=30, choices=ReminderRule.choices)
    # A commitment, an indicator or an alliance, as the rule says.
    object_id = models.PositiveBigIntegerField(_("object"))
    period = models.CharField(
        _("period"),
        max_length=24,
        help_text=_("What makes this reminder once: a due date, a period, a cycle, a week."),
    )
    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(
        _("e-mail"), max_length=10, choices=Email.choices, default=Email.PENDING
    )
    message = models.ForeignKey(
        OutgoingMessage,
        verbose_name=_("e-mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            # Sweeping twice, two beats or a redelivered task insert nothing new.
            models.UniqueConstraint(
                fields=["recipient", "rule", "object_id", "period"],
                name="reminder_once_per_recipient_rule_object_period",
            ),
        ]
        indexes = [
            # The notifications page, newest first.
            models.Index(fields=["recipient", "-created_at"], name="reminder_recipient_newest"),
            # The unread count in every page's header.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="reminder_unread",
            ),
            # The sweep looks for the recipients with reminders still to e-mail.
            models.Index(
                fields=["recipient"],
                condition=models.Q(email_status="pending"),
                name="reminder_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} — {self.recipient} ({self.period})"


class EmailOptOut(models.Model):
    """A kind of reminder someone no longer wants by e-mail (it still shows in the app)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="email_opt_outs",
    )
    rule = models.CharField(_("kind"), max_length=30, choices=ReminderRule.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "rule"]
        verbose_name = _("e-mail opt-out")
        verbose_name_plural = _("e-mail opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["user", "rule"], name="email_opt_out_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_rule_display()}"
