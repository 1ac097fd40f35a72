"""Invitations: a coordinator brings a representative or a co-coordinator in by e-mail.

The link is signed (``django.core.signing``) over the invitation's id and a nonce kept on
the row; whether it may still be used is read from the row (pending, not expired), so a
link works once, stops working when withdrawn and is renewed when sent again. Every step
is a ``PeopleEvent`` in the alliance's history.

The e-mail goes through the outbox of the floor above (``seguimiento.reminders``): this
floor only offers ``register_mailer`` and calls what was registered, inside the
transaction that records the invitation, so the stored message and the invitation commit
together and the worker sends it after the commit.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alianzas import access
from alianzas.models import Actor, Alliance, Invitation, PeopleEvent, User
from alianzas.refusals import NotPermitted, Refused

logger = logging.getLogger(__name__)

SALT = "alianzas.invitation"
Kind = Invitation.Kind
Event = PeopleEvent.Kind


class InvitationError(Refused):
    pass


class InvitationNotPermitted(NotPermitted):
    pass


# --- The mailer hook -------------------------------------------------------------

_mailers: list[Callable[[Invitation, str], None]] = []


def register_mailer(function: Callable[[Invitation, str], None]) -> None:
    """``function(invitation, path)`` stores the e-mail of ``invitation`` (whose link is
    ``path``) for sending; called from the ``ready()`` of the floor that sends mail."""
    if function not in _mailers:
        _mailers.append(function)


def _send(invitation: Invitation) -> None:
    if not _mailers:
        # Never silently: an invitation nobody receives is a coordinator left waiting.
        raise ImproperlyConfiguredMailer
    for mailer in _mailers:
        mailer(invitation, link(invitation))


class ImproperlyConfiguredMailer(RuntimeError):
    pass


# --- Links ------------------------------------------------------------------------


def token_for(invitation: Invitation) -> str:
    return signing.dumps([invitation.pk, invitation.nonce], salt=SALT, compress=True)


def link(invitation: Invitation) -> str:
    return reverse("alianzas:invitation_accept", args=[token_for(invitation)])


@dataclass(frozen=True)
class Opened:
    """What a link leads to: ``state`` is "valid", "accepted", "withdrawn", "expired" or
    "tampered"; ``invitation`` is None only when tampered."""

    state: str
    invitation: Invitation | None = None


def open_link(token: str) -> Opened:
    try:
        pk, nonce = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return Opened("tampered")
    invitation = (
        Invitation.objects.select_related("alliance", "actor", "invited_by").filter(pk=pk).first()
    )
    if invitation is None:
        return Opened("tampered")
    if invitation.status == Invitation.Status.WITHDRAWN:
        return Opened("withdrawn", invitation)
    if invitation.status == Invitation.Status.ACCEPTED:
        return Opened("accepted", invitation)
    if invitation.nonce != nonce:
        # Signed by us, but for a nonce since replaced: an earlier link of this invitation.
        return Opened("tampered")
    if invitation.is_expired:
        return Opened("expired", invitation)
    return Opened("valid", invitation)


def _expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS)


def _event(alliance, kind, *, by, person=None, person_label="", actor=None, detail=""):
    PeopleEvent.objects.create(
        alliance=alliance,
        kind=kind,
        person=person,
        person_label=(person_label or str(person or ""))[:300],
        actor=actor,
        detail=detail[:300],
        by=by if by is not None and by.is_authenticated else None,
    )


# --- Inviting ---------------------------------------------------------------------


def invite(
    *,
    user,
    alliance: Alliance,
    kind: str,
    email: str,
    actor: Actor | None = None,
    language: str | None = None,
) -> tuple[Invitation, bool]:
    """Invite ``email`` as ``kind`` (with ``actor`` for a representative) and send the
    e-mail. The same address invited again for the same role and actor gets the pending
    invitation again, renewed: returns (invitation, whether it was reused)."""
    if not access.can_manage_alliance(user, alliance):
        raise InvitationNotPermitted(_("Only the alliance's coordinators may invite people."))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose whom the person is invited as.")})
    if kind == Kind.COORDINATOR:
        actor = None
    with transaction.atomic():
        locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
        if locked.is_closed:
            raise InvitationError(_("The alliance is closed: nobody new can join it."))
        existing = User.objects.filter(email__iexact=email, is_active=True).first()
        if kind == Kind.REPRESENTATIVE:
            if (
                actor is None
                or not locked.memberships.filter(actor=actor, left_on__isnull=True).exists()
            ):
                raise ValidationError(
                    {"actor": _("Choose one of the alliance's current member actors.")}
                )
            if existing and actor.representatives.filter(pk=existing.pk).exists():
                raise InvitationError(
                    _("%(email)s already represents %(actor)s.") % {"email": email, "actor": actor}
                )
        elif existing and locked.coordinators.filter(pk=existing.pk).exists():
            raise InvitationError(
                _("%(email)s already coordinates this alliance.") % {"email": email}
            )
        language = existing.language if existing else (language or settings.LANGUAGE_CODE)
        pending = Invitation.objects.filter(
            alliance=locked, kind=kind, actor=actor, email=email, status=Invitation.Status.PENDING
        ).first()
        if pending is not None:
            _renew(pending, user=user, language=language)
            return pending, True
        invitation = Invitation(
            alliance=locked,
            kind=kind,
            actor=actor,
            email=email,
            language=language,
            invited_by=user,
            expires_at=_expiry(),
        )
        invitation.full_clean()
        invitation.save()
        _event(
            locked,
            Event.INVITED,
            by=user,
            person_label=email,
            actor=actor,
            detail=invitation.role_label,
        )
        _send(invitation)
    return invitation, False


def _renew(invitation: Invitation, *, user, language: str | None = None) -> None:
    now = timezone.now()
    invitation.sent_at = now
    invitation.expires_at = _expiry()
    invitation.times_sent += 1
    if language:
        invitation.language = language
    invitation.save(update_fields=["sent_at", "expires_at", "times_sent", "language"])
    _event(
        invitation.alliance,
        Event.INVITATION_SENT_AGAIN,
        by=user,
        person_label=invitation.email,
        actor=invitation.actor,
        detail=invitation.role_label,
    )
    _send(invitation)


def _pending_for_manager(user, invitation_pk: int, alliance: Alliance) -> Invitation:
    if not access.can_manage_alliance(user, alliance):
        raise InvitationNotPermitted(_("Only the alliance's coordinators may invite people."))
    invitation = (
        Invitation.objects.select_for_update().filter(pk=invitation_pk, alliance=alliance).first()
    )
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        raise InvitationError(_("This invitation is no longer pending."))
    invitation.alliance = alliance
    return invitation


def send_again(*, user, alliance: Alliance, invitation_pk: int) -> Invitation:
    """Send a pending invitation again, valid for another ``INVITATION_DAYS`` days."""
    with transaction.atomic():
        invitation = _pending_for_manager(user, invitation_pk, alliance)
        _renew(invitation, user=user)
    return invitation


def withdraw(*, user, alliance: Alliance, invitation_pk: int) -> Invitation:
    """Withdraw a pending invitation: its link then says so and does nothing."""
    with transaction.atomic():
        invitation = _pending_for_manager(user, invitation_pk, alliance)
        invitation.status = Invitation.Status.WITHDRAWN
        invitation.closed_at = timezone.now()
        invitation.save(update_fields=["status", "closed_at"])
        _event(
            alliance,
            Event.INVITATION_WITHDRAWN,
            by=user,
            person_label=invitation.email,
            actor=invitation.actor,
            detail=invitation.role_label,
        )
    return invitation


# --- Accepting --------------------------------------------------------------------


def _usable(invitation_pk: int) -> Invitation:
    """The invitation, locked, if it may still be accepted; refused otherwise."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("alliance", "actor")
        .filter(pk=invitation_pk)
        .first()
    )
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        raise InvitationError(_("This invitation can no longer be accepted."))
    if invitation.is_expired:
        raise InvitationError(_("This invitation has expired."))
    return invitation


def _join(invitation: Invitation, person: User) -> None:
    alliance = invitation.alliance
    if invitation.kind == Kind.COORDINATOR:
        alliance.coordinators.add(person)
        kind = Event.JOINED_AS_COORDINATOR
    else:
        actor = invitation.actor
        if not alliance.memberships.filter(actor=actor, left_on__isnull=True).exists():
            raise InvitationError(
                _("%(actor)s is no longer a member of the alliance: ask its coordinators.")
                % {"actor": actor}
            )
        actor.representatives.add(person)
        kind = Event.JOINED_AS_REPRESENTATIVE
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_by = person
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "closed_at"])
    _event(
        alliance, kind, by=person, person=person, actor=invitation.actor, detail=invitation.email
    )


def accept(*, user, invitation_pk: int) -> Invitation:
    """A signed-in person accepts the invitation whose link they opened."""
    if not (user.is_authenticated and user.is_active):
        raise InvitationNotPermitted(_("Sign in to accept the invitation."))
    with transaction.atomic():
        invitation = _usable(invitation_pk)
        _join(invitation, user)
    return invitation


def accept_as_new_person(
    *, invitation_pk: int, first_name: str, last_name: str, password: str
) -> User:
    """A person without an account accepts: the account is made with the invited address
    (which is also the name they sign in with), their name and the password they chose."""
    with transaction.atomic():
        invitation = _usable(invitation_pk)
        if User.objects.filter(username__iexact=invitation.email).exists() or (
            User.objects.filter(email__iexact=invitation.email).exists()
        ):
            raise InvitationError(
                _("There is already an account with this e-mail address: sign in to accept.")
            )
        person = User(
            username=invitation.email,
            email=invitation.email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            language=invitation.language,
        )
        try:
            validate_password(password, person)
        except ValidationError as error:
            raise ValidationError({"password1": error.messages}) from None
        person.set_password(password)
        person.full_clean()
        person.save()
        _join(invitation, person)
    return person


# --- Leaving and removing ------------------------------------------------------------


def remove_coordinator(*, user, alliance: Alliance, person_pk: int) -> User:
    """A coordinator removes another (or themselves), never the last one."""
    if not access.can_manage_alliance(user, alliance):
        raise InvitationNotPermitted(_("Only the alliance's coordinators may change it."))
    with transaction.atomic():
        locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
        person = locked.coordinators.filter(pk=person_pk).first()
        if person is None:
            raise InvitationError(_("This person does not coordinate the alliance."))
        if locked.coordinators.count() <= 1:
            raise InvitationError(
                _("The alliance's last coordinator cannot be removed: invite another first.")
            )
        locked.coordinators.remove(person)
        _event(locked, Event.COORDINATOR_REMOVED, by=user, person=person)
    return person


def remove_representative(*, user, alliance: Alliance, actor_pk: int, person_pk: int) -> User:
    """A coordinator unlinks a representative from a member actor, or a representative
    stops representing it. The link is the actor's, so it ends in every alliance."""
    leaving = user.is_authenticated and user.pk == person_pk
    if not (leaving or access.can_manage_alliance(user, alliance)):
        raise InvitationNotPermitted(
            _("Only the alliance's coordinators may remove a representative.")
        )
    with transaction.atomic():
        Alliance.objects.select_for_update().get(pk=alliance.pk)
        actor = Actor.objects.filter(pk=actor_pk, memberships__alliance=alliance).first()
        person = actor.representatives.filter(pk=person_pk).first() if actor else None
        if person is None:
            raise InvitationError(_("This person does not represent that actor."))
        actor.representatives.remove(person)
        kind = Event.REPRESENTATIVE_LEFT if leaving else Event.REPRESENTATIVE_REMOVED
        _event(alliance, kind, by=user, person=person, actor=actor, detail=str(actor))
    return person
