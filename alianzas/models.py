"""Who takes part in an alliance and what it sets out to achieve."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from alianzas.generation_queries import FollowedManager
from alianzas.history import History
from alianzas.lifecycle import AllianceLifecycle, Phase
from alianzas.validators import validate_ruc


class User(AbstractUser):
    """A person who signs in: a coordinator, an actor's representative or an administrator.

    Roles are not stored here: they follow from the data (coordinators of an
    alliance, representatives of an actor, staff), see ``alianzas.access``.
    """

    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Language of the e-mails this person receives."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Region(models.Model):
    """One of Peru's 25 departments (regions), by its INEI ubigeo code."""

    code = models.CharField(_("ubigeo code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class SustainableDevelopmentGoal(models.Model):
    """One of the 17 Sustainable Development Goals (Objetivos de Desarrollo Sostenible)."""

    number = models.PositiveSmallIntegerField(_("number"), primary_key=True)
    name = models.CharField(_("name in Spanish"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)

    class Meta:
        ordering = ["number"]
        verbose_name = _("sustainable development goal")
        verbose_name_plural = _("sustainable development goals")

    def __str__(self) -> str:
        return _("SDG %(number)s: %(name)s") % {"number": self.number, "name": self.local_name}

    @property
    def local_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


class Sector(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")
    INTERNATIONAL_COOPERATION = "international_cooperation", _("International cooperation")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    ACADEMIA = "academia", _("Academia")
    COMMUNITY = "community", _("Community")


class Actor(models.Model):
    """An organisation that can take part in alliances."""

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)
    ruc = models.CharField(
        _("RUC"),
        max_length=11,
        blank=True,
        validators=[validate_ruc],
        help_text=_("Taxpayer number (11 digits), if the organisation has one."),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actors",
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    representatives = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("representatives"),
        blank=True,
        related_name="actors",
        help_text=_("People who log this organisation's commitments and indicator values."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Who changed what and when, readable in the admin (django-simple-history).
    history = History(m2m_fields=[representatives])

    class Meta:
        ordering = ["name"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        constraints = [
            models.UniqueConstraint(
                fields=["ruc"],
                condition=~Q(ruc=""),
                name="actor_unique_ruc",
                violation_error_message=_("Another actor is already registered with this RUC."),
            ),
        ]
        indexes = [models.Index(fields=["sector", "region"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class Origin(models.TextChoices):
    """The three starting points of an alliance described by the method."""

    FROM_THE_BASE = "from_the_base", _("Built from the base")
    ARTICULATION = "articulation", _("Articulating existing initiatives")
    EXTENSION = "extension", _("Extending one actor's activity")


class Alliance(AllianceLifecycle):
    """An Alianza Multiactor: several actors pursuing one sustainable-development goal.

    The phase, the cycle number and the transitions between phases live in
    ``alianzas.lifecycle``; every change of phase goes through
    ``fases.services.change_phase``.
    """

    name = models.CharField(_("name"), max_length=200)
    problem = models.TextField(
        _("problem or opportunity"),
        help_text=_("The sustainable-development problem or opportunity the alliance addresses."),
    )
    origin = models.CharField(
        _("origin"),
        max_length=20,
        choices=Origin.choices,
        help_text=_("How the alliance started."),
    )
    regions = models.ManyToManyField(
        Region, verbose_name=_("territory"), blank=True, related_name="alliances"
    )
    goals = models.ManyToManyField(
        SustainableDevelopmentGoal,
        verbose_name=_("SDGs"),
        blank=True,
        related_name="alliances",
        help_text=_("The Sustainable Development Goals the alliance contributes to."),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("planned end date"), null=True, blank=True)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        blank=True,
        related_name="coordinated_alliances",
    )
    actors = models.ManyToManyField(
        Actor, through="Membership", related_name="alliances", verbose_name=_("actors")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Who changed what and when, coordinators included since they decide who may manage it.
    history = History(m2m_fields=[coordinators])
    objects = FollowedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        indexes = [models.Index(fields=["phase", "name"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": _("The planned end date cannot be earlier than the start date.")}
            )

    def active_memberships(self) -> models.QuerySet["Membership"]:
        return self.memberships.filter(left_on__isnull=True).select_related("actor")

    @property
    def lead_actor(self) -> Actor | None:
        """The lead actor is the active member with the role of leader, never a copy of it."""
        membership = self.active_memberships().filter(role=Role.LEADER).first()
        return membership.actor if membership else None


class Role(models.TextChoices):
    LEADER = "leader", _("Leader")
    IMPLEMENTING_PARTNER = "implementing_partner", _("Implementing partner")
    FUNDER = "funder", _("Funder")
    TECHNICAL_ALLY = "technical_ally", _("Technical ally")
    OBSERVER = "observer", _("Observer")


class Membership(models.Model):
    """An actor's participation in an alliance, with its role and its dates.

    Leaving sets ``left_on`` instead of deleting the row, so who took part in
    each cycle stays readable.
    """

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("alliance"), on_delete=models.CASCADE, related_name="memberships"
    )
    actor = models.ForeignKey(
        Actor, verbose_name=_("actor"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["alliance", "joined_on", "pk"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "actor"],
                condition=Q(left_on__isnull=True),
                name="membership_one_active_per_actor",
                violation_error_message=_("This actor is already a member of the alliance."),
            ),
            models.UniqueConstraint(
                fields=["alliance"],
                condition=Q(left_on__isnull=True, role="leader"),
                name="membership_one_active_leader",
                violation_error_message=_("The alliance already has a lead actor."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
                violation_error_message=_(
                    "The leaving date cannot be earlier than the joining date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor} — {self.get_role_display()}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class Objective(models.Model):
    alliance = models.ForeignKey(
        Alliance, verbose_name=_("alliance"), on_delete=models.CASCADE, related_name="objectives"
    )
    position = models.PositiveSmallIntegerField(_("number"), default=1)
    title = models.CharField(_("objective"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["alliance", "position", "pk"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase")
    DECREASE = "decrease", _("Decrease")
    MAINTAIN = "maintain", _("Maintain")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Every six months")
    ANNUAL = "annual", _("Annual")


class Indicator(models.Model):
    """How progress towards an objective is measured.

    Baseline, target and responsible actor may be left empty while the
    alliance is being designed; the phase requirements say which are needed
    before each transition.
    """

    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(
        _("unit"), max_length=60, help_text=_("For example: hectares, %, people.")
    )
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    direction = models.CharField(
        pgettext_lazy("indicator", "direction of change"),
        max_length=10,
        choices=Direction.choices,
        default=Direction.INCREASE,
    )
    frequency = models.CharField(
        _("measurement frequency"), max_length=12, choices=Frequency.choices, blank=True
    )
    responsible_actor = models.ForeignKey(
        Actor,
        verbose_name=_("responsible actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
    )
    history = History()
    objects = FollowedManager()

    class Meta:
        ordering = ["objective", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    @property
    def has_baseline_and_target(self) -> bool:
        return None not in (self.baseline_value, self.target_value, self.target_date)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.baseline_date and self.target_date and self.target_date <= self.baseline_date:
            errors["target_date"] = _("The target date must be later than the baseline date.")
        if self.baseline_value is not None and self.target_value is not None:
            if self.direction == Direction.INCREASE and self.target_value <= self.baseline_value:
                errors["target_value"] = _(
                    "The indicator should increase: the target must be greater than the baseline."
                )
            elif self.direction == Direction.DECREASE and self.target_value >= self.baseline_value:
                errors["target_value"] = _(
                    "The indicator should decrease: the target must be lower than the baseline."
                )
        if self.responsible_actor_id and self.objective_id:
            alliance = self.objective.alliance
            if (
                not alliance.active_memberships()
                .filter(actor_id=self.responsible_actor_id)
                .exists()
            ):
                errors["responsible_actor"] = _(
                    "The responsible actor must be a current member of the alliance."
                )
        if errors:
            raise ValidationError(errors)


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
