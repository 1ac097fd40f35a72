"""Reminders: the rules' kinds and policies, each reminder recorded, the outbox of e-mails and
the people who switched e-mails off (the work is in ``seguimiento.reminders``)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from alianzas.generation_queries import FollowedManager


class ReminderRule(models.TextChoices):
    """What a reminder is about; also the kinds a person may switch off by e-mail."""

    COMMITMENT_DUE_SOON = "commitment_due_soon", _("Commitment falling due soon")
    COMMITMENT_OVERDUE = "commitment_overdue", _("Overdue commitment")
    COMMITMENT_ESCALATION = "commitment_escalation", _("Commitment still overdue")
    MEASUREMENT_MISSING = "measurement_missing", _("Missing indicator value")
    MEASUREMENT_ESCALATION = "measurement_escalation", _("Indicator value still missing")
    HEALTH_CHECK = "health_check", _("Health check not answered")
    WEEKLY_DIGEST = "weekly_digest", _("Weekly summary of your alliances")
    # Action points of the committee's decisions (fases registers their rules).
    ACTION_POINT_DUE_SOON = "action_point_due_soon", _("Action point falling due soon")
    ACTION_POINT_OVERDUE = "action_point_overdue", _("Overdue action point")
    ACTION_POINT_ESCALATION = "action_point_escalation", _("Action point still overdue")


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
    objects = FollowedManager()

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

    # Empty for an invitation to someone without an account yet (alianzas.invitations).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="outgoing_messages",
        null=True,
        blank=True,
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
        # Its own index would be redundant: every index below begins with it.
        db_index=False,
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
    # Neither of these two is in any index, so that the claim, which writes both into every
    # new row, updates the rows in place (PostgreSQL's HOT updates: no index entry is
    # written, in pages left part empty by the fillfactor set in the migration
    # reminder_claim_in_place). The claim finds the rows still to e-mail by their ids
    # (``ReminderClaim``), and a message's reminders are found through recipient and id.
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
        db_index=False,
        # Without an index the database's own check would read the whole table for every
        # message deleted; Django sets the link to NULL itself (SET_NULL), and the claim
        # only writes the id of a message it has just inserted.
        db_constraint=False,
    )
    objects = FollowedManager()

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
            # A message's reminders (the claim and the tasks that write the messages):
            # the recipient's, past the claim's mark, without an index on the message.
            models.Index(fields=["recipient", "id"], name="reminder_recipient_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} — {self.recipient} ({self.period})"


class ReminderClaim(models.Model):
    """One claim of the sweep (``seguimiento.reminders.outbox.claim_messages``): every
    reminder whose id is at most ``upto`` was e-mailed or skipped by then, those past
    ``after`` by this claim. The newest row is where the next claim starts reading."""

    run = models.CharField(_("sweep"), max_length=32, unique=True)
    after = models.BigIntegerField(_("after reminder"))
    upto = models.BigIntegerField(_("up to reminder"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-upto"]
        verbose_name = _("reminder claim")
        verbose_name_plural = _("reminder claims")
        indexes = [models.Index(fields=["upto"], name="reminder_claim_upto")]

    def __str__(self) -> str:
        return f"{self.run}: {self.after}–{self.upto}"


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
