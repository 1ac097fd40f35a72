"""People coming into an alliance: invitations and the record of who came and went.

Imported at the end of ``alianzas.models`` so Django finds these models with the rest of
the app; kept apart because they are one feature (``alianzas.invitations``).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alianzas.generation_queries import FollowedManager


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class Invitation(models.Model):
    """An e-mail asking one person to become a representative of a member actor or a
    co-coordinator of the alliance. The link carries a signature of (id, nonce): the
    nonce is replaced when the invitation is withdrawn, so no copy of an old link works."""

    class Kind(models.TextChoices):
        REPRESENTATIVE = "representative", _("Representative of a member actor")
        COORDINATOR = "coordinator", _("Co-coordinator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    kind = models.CharField(_("as"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        "alianzas.Actor",
        verbose_name=_("actor"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    email = models.EmailField(_("e-mail"))
    language = models.CharField(
        _("language of the e-mail"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    times_sent = models.PositiveSmallIntegerField(_("times sent"), default=1)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    closed_at = models.DateTimeField(_("accepted or withdrawn at"), null=True, blank=True)
    objects = FollowedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # Inviting the same address again for the same role reuses the pending one.
            models.UniqueConstraint(
                fields=["alliance", "email"],
                condition=Q(status="pending", kind="coordinator"),
                name="invitation_one_pending_coordinator",
            ),
            models.UniqueConstraint(
                fields=["alliance", "actor", "email"],
                condition=Q(status="pending", kind="representative"),
                name="invitation_one_pending_representative",
            ),
            models.CheckConstraint(
                condition=Q(kind="coordinator", actor__isnull=True)
                | Q(kind="representative", actor__isnull=False),
                name="invitation_actor_for_representatives",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_kind_display()})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def role_label(self) -> str:
        if self.kind == self.Kind.REPRESENTATIVE and self.actor_id:
            return _("representative of %(actor)s") % {"actor": self.actor}
        return str(_("co-coordinator"))


class PeopleEvent(models.Model):
    """Who came into or left an alliance's team, when, and by whose hand: shown in the
    alliance's history next to its changes of phase."""

    class Kind(models.TextChoices):
        INVITED = "invited", _("invited")
        INVITATION_SENT_AGAIN = "invitation_sent_again", _("invitation sent again")
        INVITATION_WITHDRAWN = "invitation_withdrawn", _("invitation withdrawn")
        JOINED_AS_COORDINATOR = "joined_as_coordinator", _("joined as co-coordinator")
        JOINED_AS_REPRESENTATIVE = "joined_as_representative", _("joined as representative")
        COORDINATOR_REMOVED = "coordinator_removed", _("removed as coordinator")
        REPRESENTATIVE_REMOVED = "representative_removed", _("removed as representative")
        REPRESENTATIVE_LEFT = "representative_left", _("stopped representing the actor")
        ROLE_CHANGED = "role_changed", _("role changed")

    alliance = models.ForeignKey(
        "alianzas.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="people_events",
    )
    kind = models.CharField(_("what happened"), max_length=30, choices=Kind.choices)
    # The person concerned, by name too: the text stays if the account goes.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    person_label = models.CharField(_("person or actor"), max_length=300)
    actor = models.ForeignKey(
        "alianzas.Actor",
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    objects = FollowedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("people event")
        verbose_name_plural = _("people events")
        indexes = [models.Index(fields=["alliance", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.person_label}: {self.get_kind_display()}"
