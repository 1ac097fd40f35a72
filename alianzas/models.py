"""Who takes part in an alliance and what it sets out to achieve."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from alianzas import date_bounds
from alianzas.choice_labels import ChoiceLabels
from alianzas.compiled import compiled
from alianzas.generation_queries import FollowedManager
from alianzas.history import History
from alianzas.lifecycle import AllianceLifecycle
from alianzas.search_key import SearchKey
from alianzas.validators import is_digits, normalise_ruc, validate_ruc


class UserManager(DjangoUserManager):
    """Django's, with the read of every signed-in request compiled once.

    ``ModelBackend.get_user`` reads the person of the session with ``get(pk=…)`` on every
    request; built and compiled by the ORM each time that read cost about 0.45 ms, compiled
    once 0.17 ms (``alianzas.compiled``; docs/performance.md, fourteenth session). The
    answer is the same: the row, or ``DoesNotExist``."""

    def get(self, *args, **kwargs):
        pk = kwargs.get("pk")
        if args or len(kwargs) != 1 or type(pk) is not int or self._db is not None:
            return super().get(*args, **kwargs)
        rows = _user_by_id(pk)
        if not rows:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        return rows[0]


@compiled
def _user_by_id(pk: int):
    return User._default_manager.get_queryset().filter(pk=pk)


class User(AbstractUser):
    """A person who signs in: a coordinator, an actor's representative or an administrator.

    Roles are not stored here: they follow from the data (coordinators of an
    alliance, representatives of an actor, staff), see ``alianzas.access``.
    """

    objects = UserManager()

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
        # As Spanish readers expect: Áncash after Amazonas, not after Ucayali.
        ordering = [SearchKey("name").asc(), "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Place(ChoiceLabels, models.Model):
    """A UBIGEO place: a department, a province or a district of Peru.

    Loaded from the vendored GeoJSON (``alianzas/data/peru-geojson``, 2016) by migration
    0010; districts created since then are added by an administrator, so the list is data,
    not code. The code is hierarchical: a province's first two digits are its department's,
    a district's first four its province's.
    """

    class Level(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")

    CODE_LENGTH = {Level.DEPARTMENT: 2, Level.PROVINCE: 4, Level.DISTRICT: 6}
    PARENT_LEVEL = {Level.PROVINCE: Level.DEPARTMENT, Level.DISTRICT: Level.PROVINCE}

    code = models.CharField(_("ubigeo code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def department_code(self) -> str:
        return self.code[:2]

    def clean(self) -> None:
        super().clean()
        errors = {}
        length = self.CODE_LENGTH.get(self.level)
        if length and (len(self.code) != length or not is_digits(self.code)):
            errors["code"] = _("The ubigeo code of a %(level)s has %(length)s digits.") % {
                "level": self.get_level_display().lower(),
                "length": length,
            }
        parent_level = self.PARENT_LEVEL.get(self.level)
        if parent_level is None and self.parent_id:
            errors["parent"] = _("A department is not part of another place.")
        elif parent_level is not None and not errors:
            parent = self.parent
            if parent is None or parent.level != parent_level:
                errors["parent"] = _("Choose the %(level)s this place is part of.") % {
                    "level": self.Level(parent_level).label.lower()
                }
            elif not self.code.startswith(parent.code):
                errors["code"] = _("The ubigeo code must begin with its parent's code.")
        if errors:
            raise ValidationError(errors)


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


# One organisation, one RUC (a blank RUC is no organisation's).
RUC_CONSTRAINT = "actor_unique_ruc"


class Actor(ChoiceLabels, models.Model):
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
    # Whoever registered it may edit it until it has representatives (alianzas.access).
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="registered_actors",
    )
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
                name=RUC_CONSTRAINT,
                violation_error_message=_("Another actor is already registered with this RUC."),
            ),
        ]
        indexes = [models.Index(fields=["sector", "region"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def clean_fields(self, exclude=None) -> None:
        # A RUC pasted with spaces, dots or dashes is read, not refused.
        self.ruc = normalise_ruc(self.ruc)
        super().clean_fields(exclude=exclude)

    def validate_constraints(self, exclude=None) -> None:
        """The RUC's uniqueness in one query, with the constraint's own message.

        Django checks a constraint with a condition by sending the condition to the
        database together with every field of the row, in a savepoint of its own: three
        statements and about 2 ms of Python a save. This condition reads one field, which
        is blank or not; a blank RUC is never compared, and a filled one is looked up like
        any unique value. ``tests/test_ruc.py`` checks both ways give the same
        answer.
        """
        exclude = set(exclude or ())
        errors = {}
        if "ruc" not in exclude:
            exclude.add("ruc")  # the constraint that reads it is checked here
            others = Actor.objects.filter(ruc=self.ruc) if self.ruc else None
            if others is not None and not self._state.adding and self.pk is not None:
                others = others.exclude(pk=self.pk)
            if others is not None and others.exists():
                constraint = next(c for c in self._meta.constraints if c.name == RUC_CONSTRAINT)
                errors = ValidationError(
                    constraint.get_violation_error_message(), code=constraint.violation_error_code
                ).update_error_dict(errors)
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class Origin(models.TextChoices):
    """The three starting points of an alliance described by the method."""

    FROM_THE_BASE = "from_the_base", _("Built from the base")
    ARTICULATION = "articulation", _("Articulating existing initiatives")
    EXTENSION = "extension", _("Extending one actor's activity")


class Alliance(ChoiceLabels, AllianceLifecycle):
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
    # The problem's search key (alianzas.search_key), kept by the database beside it: the
    # search's trigram index finds candidates by it, and checking each candidate reads it
    # instead of computing the key of a long text again (docs/performance.md).
    problem_key = models.GeneratedField(
        expression=SearchKey("problem"),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("problem's search key"),
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
    places = models.ManyToManyField(
        Place,
        verbose_name=_("places"),
        blank=True,
        related_name="alliances",
        help_text=_("Departments, provinces or districts (UBIGEO) where the alliance works."),
    )
    # Published alliances have a public page and are in the open data; set only by
    # ``alianzas.publishing``, which records each change as a ``Publication`` row.
    published = models.BooleanField(_("published"), default=False, editable=False)
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
    history = History(m2m_fields=[coordinators], excluded_fields=["problem_key"])
    objects = FollowedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        indexes = [
            models.Index(fields=["phase", "name"]),
            # The lists' order (name, then id): a page of them is read from the index, not
            # sorted out of every alliance in the country.
            models.Index(fields=["name", "id"], name="alliance_name_order"),
            # The public portfolio's: the published few, counted and paged alone.
            models.Index(
                fields=["name", "id"],
                condition=models.Q(published=True),
                name="alliance_published_name_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        # Plausible dates (alianzas.date_bounds): a start in year 9999 or 0001 breaks the
        # reporting periods computed from it.
        date_bounds.clean_fields_and_dates(
            self,
            super().clean_fields,
            {"start_date": date_bounds.NEAR, "end_date": date_bounds.FAR},
            exclude,
        )

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


class Membership(ChoiceLabels, models.Model):
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
    # Interests and expectations: differing visions are the first obstacle the method names.
    seeks = models.TextField(
        _("what it seeks"), blank=True, help_text=_("What the actor expects from the alliance.")
    )
    brings = models.TextField(
        _("what it brings"), blank=True, help_text=_("What the actor contributes to the alliance.")
    )
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

    def clean_fields(self, exclude=None) -> None:
        # A leaving date in the future would end the membership at once (alianzas.date_bounds).
        date_bounds.clean_fields_and_dates(
            self,
            super().clean_fields,
            {"joined_on": date_bounds.NEAR, "left_on": date_bounds.PAST},
            exclude,
        )


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

    def clean_fields(self, exclude=None) -> None:
        date_bounds.clean_fields_and_dates(
            self,
            super().clean_fields,
            {"baseline_date": date_bounds.NEAR, "target_date": date_bounds.FAR},
            exclude,
        )

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


# The other subjects of this app, each in a module of its own (see their docstrings).
from alianzas.people_models import Invitation, PeopleEvent  # noqa: E402, F401
from alianzas.record_models import Adjustment, PhaseChange, Publication  # noqa: E402, F401
from alianzas.token_models import ApiToken  # noqa: E402, F401
