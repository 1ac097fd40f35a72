import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from alianzas import date_bounds
from alianzas.criteria import SCORE_VALIDATORS, Criterion, Score
from alianzas.generation_queries import FollowedManager
from alianzas.history import History
from seguimiento.evidence import detected_extension, validate_evidence


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


def current_evaluation(alliance) -> Evaluation | None:
    """The evaluation of the alliance's current cycle, or None: asked of the database once
    per instance and cycle (the requirements, the next step and the page all need it)."""
    return alliance.remembered(
        "evaluation",
        lambda: Evaluation.objects.filter(alliance=alliance, cycle=alliance.cycle).first(),
    )


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


# --- The partnering agreement (acuerdo de alianza) ------------------------------------
# Owned by fases/agreements.py (the services); one agreement per alliance and cycle, each
# change after a signature a new version (an amendment, adenda) signed again.


def _agreement_file_path(instance, filename: str) -> str:
    """A random name with the extension of the content (as ``seguimiento.evidence``)."""
    field = instance.document if isinstance(instance, AgreementVersion) else instance.evidence
    extension = detected_extension(field.file) or "bin"
    return f"evidence/{instance._meta.model_name}/{uuid.uuid4().hex}.{extension}"


class Agreement(models.Model):
    """The partnering agreement of one cycle of an alliance; its text is in its versions."""

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="agreements",
    )
    cycle = models.PositiveIntegerField(_("cycle"))
    renewed_from = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewals",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    objects = FollowedManager()

    class Meta:
        ordering = ["alliance", "-cycle"]
        verbose_name = _("partnering agreement")
        verbose_name_plural = _("partnering agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "cycle"],
                name="agreement_one_per_cycle",
                violation_error_message=_("This cycle of the alliance already has an agreement."),
            )
        ]

    def __str__(self) -> str:
        return _("Partnering agreement of cycle %(cycle)s of %(alliance)s") % {
            "cycle": self.cycle,
            "alliance": self.alliance,
        }


class AgreementVersion(models.Model):
    """One version of an agreement: the first text, or an amendment (adenda) with its reason.
    Earlier versions stay as they were; only the latest one is in force."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    objective = models.TextField(_("shared objective"))
    decision_making = models.TextField(_("how decisions are taken"))
    committee_frequency = models.CharField(_("how often the committee meets"), max_length=200)
    conflict_resolution = models.TextField(_("how conflicts are resolved"))
    returns_sharing = models.TextField(
        _("how returns are shared"),
        help_text=_("Results, data, credit and resources: who gets what, and how."),
    )
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(_("in force until"))
    amendment_reason = models.TextField(_("reason for the amendment"), blank=True)
    document = models.FileField(
        _("signed document"),
        upload_to=_agreement_file_path,
        blank=True,
        validators=[validate_evidence],
        max_length=200,
    )
    document_name = models.CharField(_("document file name"), max_length=150, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["agreement", "-number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreement_version_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="agreement_version_ends_after_start",
                violation_error_message=_("The agreement cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return _("Version %(number)s") % {"number": self.number}

    @property
    def is_amendment(self) -> bool:
        return self.number > 1

    def clean_fields(self, exclude=None) -> None:
        # Plausible dates (alianzas.date_bounds): a start within ten years, an end within
        # thirty, neither before 1990.
        date_bounds.clean_fields_and_dates(
            self,
            super().clean_fields,
            {"starts_on": date_bounds.NEAR, "ends_on": date_bounds.FAR},
            exclude,
        )

    def clean(self) -> None:
        super().clean()
        if self.number and self.number > 1 and not (self.amendment_reason or "").strip():
            raise ValidationError({"amendment_reason": _("An amendment needs its reason.")})


class AgreementContribution(models.Model):
    """What one member brings to the agreement and what it answers for, with the
    commitments of the cycle that carry it out."""

    version = models.ForeignKey(
        AgreementVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="contributions",
    )
    actor = models.ForeignKey(
        "alianzas.Actor", verbose_name=_("actor"), on_delete=models.PROTECT, related_name="+"
    )
    contribution = models.TextField(_("contribution"), blank=True)
    responsibilities = models.TextField(_("responsibilities"), blank=True)
    commitments = models.ManyToManyField(
        "seguimiento.Commitment", verbose_name=_("commitments"), blank=True, related_name="+"
    )
    objects = FollowedManager()

    class Meta:
        ordering = ["version", "pk"]
        verbose_name = _("member's contribution")
        verbose_name_plural = _("members' contributions")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "actor"], name="agreement_contribution_one_per_actor"
            )
        ]

    def __str__(self) -> str:
        return str(self.actor)


class SignatureMethod(models.TextChoices):
    REPRESENTATIVE = "representative", _("Signed in the application by its representative")
    PAPER = "paper", _("Signed on paper, recorded by a coordinator")
    RENEWAL = "renewal", _("Carried over when the agreement was renewed")


class AgreementSignature(models.Model):
    """A member actor's signature of one version: by its representative, or on paper and
    recorded by a coordinator with its evidence. A member that joined after the version
    was written adheres to it (``adhesion``)."""

    version = models.ForeignKey(
        AgreementVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="signatures",
    )
    actor = models.ForeignKey(
        "alianzas.Actor", verbose_name=_("actor"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(
        _("how it was signed"), max_length=20, choices=SignatureMethod.choices
    )
    signatory = models.CharField(_("signed by"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    adhesion = models.BooleanField(_("adhesion of a later member"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence = models.FileField(
        _("evidence"),
        upload_to=_agreement_file_path,
        blank=True,
        validators=[validate_evidence],
        max_length=200,
    )
    evidence_name = models.CharField(_("evidence file name"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["version", "signed_on", "pk"]
        verbose_name = _("agreement signature")
        verbose_name_plural = _("agreement signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "actor"],
                name="agreement_signature_one_per_actor",
                violation_error_message=_("This member has already signed this version."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.actor} — {self.signed_on}"

    def clean_fields(self, exclude=None) -> None:
        # A signature is dated from 1990 to today (alianzas.date_bounds).
        date_bounds.clean_fields_and_dates(
            self, super().clean_fields, {"signed_on": date_bounds.PAST}, exclude
        )


def current_agreement(alliance) -> Agreement | None:
    """The agreement of the alliance's current cycle with its version in force
    (``in_force``) and the actor ids that signed it (``signed_actor_ids``), or None: asked
    once per instance and cycle (the requirements, the next step and the page all need it)."""
    return alliance.remembered("agreement", lambda: agreement_of(alliance, alliance.cycle))


def agreement_of(alliance, cycle: int) -> Agreement | None:
    """The agreement of ``cycle`` as ``current_agreement`` describes it, in two queries: its
    version in force with the agreement, and who signed that version."""
    in_force = (
        AgreementVersion.objects.filter(agreement__alliance=alliance, agreement__cycle=cycle)
        .select_related("agreement")
        .order_by("-number")
        .first()
    )
    if in_force is None:
        # The services write an agreement and its first version together.
        return None
    agreement = in_force.agreement
    agreement.in_force = in_force
    agreement.signed_actor_ids = set(in_force.signatures.values_list("actor_id", flat=True))
    return agreement
