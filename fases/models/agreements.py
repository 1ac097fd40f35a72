"""The partnering agreement (acuerdo de alianza): versions, contributions and signatures."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alianzas import date_bounds
from alianzas.generation_queries import FollowedManager
from alianzas.history import History
from seguimiento.evidence import detected_extension, validate_evidence

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
