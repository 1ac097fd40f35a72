"""Governance: the committee, meetings, decisions, action points, risks and calendars."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from alianzas import date_bounds
from alianzas.criteria import SCORE_VALIDATORS
from alianzas.generation_queries import FollowedManager
from alianzas.history import History

# --- Governance: committee, meetings, decisions, action points, risks, calendars -----
# (fases/governance.py, fases/risks.py and fases/calendar_feeds.py hold their rules.)


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SECRETARIAT = "secretariat", _("Technical secretariat")
    MEMBER = "member", _("Member")


class CommitteeMember(models.Model):
    """A person on the alliance's management committee, for the member actor they
    represent there."""

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="committee_members",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="committee_seats",
    )
    actor = models.ForeignKey(
        "alianzas.Actor",
        verbose_name=_("actor represented"),
        on_delete=models.PROTECT,
        related_name="committee_seats",
    )
    role = models.CharField(_("role"), max_length=20, choices=CommitteeRole.choices)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["alliance", "left_on", "role", "pk"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "person"],
                condition=models.Q(left_on__isnull=True),
                name="committee_member_once",
                violation_error_message=_("This person is already on the committee."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.actor}, {self.get_role_display()})"

    def clean_fields(self, exclude=None) -> None:
        date_bounds.clean_fields_and_dates(
            self,
            super().clean_fields,
            {"joined_on": date_bounds.NEAR, "left_on": date_bounds.PAST},
            exclude,
        )


class Meeting(models.Model):
    """A meeting of the committee: when, where, its agenda, who attended and its minutes."""

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    cycle = models.PositiveIntegerField(_("cycle"))
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    link = models.URLField(_("link"), blank=True, help_text=_("For a meeting held online."))
    agenda = models.TextField(_("agenda"), help_text=_("One item per line."))
    attendees = models.ManyToManyField(
        "alianzas.Actor",
        verbose_name=_("actors present"),
        blank=True,
        related_name="meetings_attended",
    )
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = History(m2m_fields=[attendees])
    objects = FollowedManager()

    class Meta:
        ordering = ["alliance", "-starts_at", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return self.title

    @property
    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.agenda.splitlines() if line.strip()]

    def clean_fields(self, exclude=None) -> None:
        super().clean_fields(exclude=exclude)
        # A meeting in year 0001 or 9999 is a typing mistake (alianzas.date_bounds).
        if self.starts_at and "starts_at" not in (exclude or ()):
            earliest, latest = date_bounds.bounds(date_bounds.NEAR)
            if not earliest <= self.starts_at.date() <= latest:
                raise ValidationError(
                    {
                        "starts_at": _("Give a date between %(earliest)s and %(latest)s.")
                        % {"earliest": earliest.isoformat(), "latest": latest.isoformat()}
                    }
                )

    def clean(self) -> None:
        super().clean()
        if not (self.place.strip() or self.link):
            raise ValidationError({"place": _("Give the place or the link of the meeting.")})


class Decision(models.Model):
    """What a meeting decided."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return Truncator(self.text).chars(80)


class ActionPoint(models.Model):
    """Something a decision asks one member actor to do, through one person, by a date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    decision = models.ForeignKey(
        Decision,
        verbose_name=_("decision"),
        on_delete=models.CASCADE,
        related_name="action_points",
    )
    # The decision's alliance, kept here for the reminders' and the pages' queries.
    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="action_points",
    )
    description = models.TextField(_("what is to be done"))
    owner_actor = models.ForeignKey(
        "alianzas.Actor",
        verbose_name=_("owner actor"),
        on_delete=models.PROTECT,
        related_name="action_points",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_points",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    closing_note = models.TextField(
        _("note"), blank=True, help_text=_("What was done, or why it was cancelled.")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action point")
        verbose_name_plural = _("action points")
        indexes = [
            # The reminders' ranges of due dates, like commitments'.
            models.Index(fields=["status", "due_date"], name="action_point_status_due"),
            models.Index(fields=["owner", "status"], name="action_point_owner_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | ~models.Q(closing_note=""),
                name="action_point_closed_with_note",
                violation_error_message=_(
                    "A completed action point needs a note, a cancelled one a reason."
                ),
            ),
        ]

    def __str__(self) -> str:
        return Truncator(self.description).chars(80)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()

    def clean_fields(self, exclude=None) -> None:
        # Plausible dates (alianzas.date_bounds), as for commitments.
        date_bounds.clean_fields_and_dates(
            self, super().clean_fields, {"due_date": date_bounds.NEAR}, exclude
        )


class Risk(models.Model):
    """A risk or a conflict of the alliance, rated and reviewed."""

    class Kind(models.TextChoices):
        RISK = "risk", _("Risk")
        CONFLICT = "conflict", _("Conflict")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    SCALE = [(n, str(n)) for n in range(1, 6)]
    HIGH = 15  # likelihood × impact from which a risk is high

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="risks",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RISK)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    actors = models.ManyToManyField(
        "alianzas.Actor", verbose_name=_("actors involved"), blank=True, related_name="risks"
    )
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"), choices=SCALE, validators=SCORE_VALIDATORS
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"), choices=SCALE, validators=SCORE_VALIDATORS
    )
    response = models.TextField(_("response"), blank=True)
    owner_actor = models.ForeignKey(
        "alianzas.Actor",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_risks",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_in_cycle = models.PositiveIntegerField(_("reviewed in cycle"))
    settled_by = models.ForeignKey(
        Decision,
        verbose_name=_("settled by the decision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="settled_conflicts",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = History(m2m_fields=[actors])
    objects = FollowedManager()

    class Meta:
        ordering = ["alliance", "status", "-likelihood", "-impact", "pk"]
        verbose_name = _("risk or conflict")
        verbose_name_plural = _("risks and conflicts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(likelihood__gte=1, likelihood__lte=5)
                & models.Q(impact__gte=1, impact__lte=5),
                name="risk_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return (self.likelihood or 0) * (self.impact or 0)

    @property
    def is_high(self) -> bool:
        return self.score >= self.HIGH

    def clean(self) -> None:
        super().clean()
        if self.settled_by_id and self.kind != self.Kind.CONFLICT:
            raise ValidationError({"settled_by": _("Only a conflict is settled by a decision.")})


class CalendarFeed(models.Model):
    """A person's private calendar address: whoever knows it reads their calendar, so it
    can be renewed, which ends the old one."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("secret"), max_length=64, unique=True)
    renewed_at = models.DateTimeField(_("renewed at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.person)
