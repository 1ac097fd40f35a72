"""Members of an alliance: their role (and which one leads), their interests and
expectations, and an actor registered on the spot to join at once."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from alianzas import access, adjustments, services
from alianzas.adjustments import AdjustmentReason
from alianzas.models import Actor, Alliance, Membership, PeopleEvent, Role
from alianzas.refusals import NotPermitted, Refused
from alianzas.validators import normalise_ruc


class MemberNotPermitted(NotPermitted):
    pass


class DuplicateActor(Refused):
    """The actor being registered is already in the registry: offer that one instead."""

    def __init__(self, message: str, existing: Actor):
        super().__init__(message)
        self.existing = existing


def change_role(
    *,
    user,
    alliance: Alliance,
    membership: Membership,
    role: str,
    former_leader_role: str = Role.IMPLEMENTING_PARTNER,
    adjustment: AdjustmentReason | None = None,
) -> Membership:
    """Give a current member another role. Designating a new lead gives the current lead
    ``former_leader_role`` in the same transaction, the old lead first, so the database's
    one-lead constraint holds at every statement and nobody is recorded as having left.
    After Identificación each changed row is an adjustment, with the same reason."""
    if not access.can_manage_alliance(user, alliance):
        raise MemberNotPermitted(_("Only the alliance's coordinators may change it."))
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if former_leader_role == Role.LEADER or former_leader_role not in Role.values:
        raise ValidationError({"former_leader_role": _("Choose a role other than leader.")})
    with transaction.atomic():
        Alliance.objects.select_for_update().get(pk=alliance.pk)
        current = Membership.objects.select_related("actor").get(pk=membership.pk)
        if current.left_on is not None or current.alliance_id != alliance.pk:
            raise ValidationError(_("Only a current member's role can change."))
        if current.role == role:
            return current
        previous_role = current.get_role_display()
        if role == Role.LEADER:
            lead = (
                Membership.objects.select_related("actor")
                .filter(alliance=alliance, left_on__isnull=True, role=Role.LEADER)
                .exclude(pk=current.pk)
                .first()
            )
            if lead is not None:
                lead.role = former_leader_role
                adjustments.save(alliance=alliance, part=lead, user=user, reason=adjustment)
                _role_event(alliance, lead, user, Role(Role.LEADER).label)
        current.role = role
        adjustments.save(alliance=alliance, part=current, user=user, reason=adjustment)
        _role_event(alliance, current, user, previous_role)
    return current


def _role_event(alliance, membership, user, previous: str) -> None:
    PeopleEvent.objects.create(
        alliance=alliance,
        kind=PeopleEvent.Kind.ROLE_CHANGED,
        person_label=str(membership.actor)[:300],
        actor=membership.actor,
        detail=f"{previous} → {membership.get_role_display()}"[:300],
        by=user,
    )


def can_edit_interests(user, membership: Membership) -> bool:
    """The alliance's coordinators, and the member's own representatives."""
    return access.represents(user, membership.actor_id) or access.can_manage_alliance(
        user, membership.alliance
    )


def update_interests(*, user, membership: Membership, seeks: str, brings: str) -> Membership:
    """What a member seeks from the alliance and what it brings: not part of the design,
    so never an adjustment; kept field by field in the membership's history."""
    if not can_edit_interests(user, membership):
        raise MemberNotPermitted(
            _("Only the alliance's coordinators and the actor's representatives may change it.")
        )
    with transaction.atomic():
        membership.seeks = seeks.strip()
        membership.brings = brings.strip()
        membership.full_clean()
        membership.save(update_fields=["seeks", "brings"])
    return membership


def duplicate_of(actor: Actor) -> Actor | None:
    """An actor already registered with the same RUC, or the same name (ignoring case)."""
    ruc = normalise_ruc(actor.ruc)
    match = Q(name__iexact=actor.name.strip())
    if ruc:
        match |= Q(ruc=ruc)
    return Actor.objects.filter(match).exclude(pk=actor.pk).order_by("pk").first()


def duplicate_message(actor: Actor, existing: Actor) -> str:
    if normalise_ruc(actor.ruc) and existing.ruc == normalise_ruc(actor.ruc):
        return _("“%(name)s” is already registered with the RUC %(ruc)s.") % {
            "name": existing.name,
            "ruc": existing.ruc,
        }
    return _("An actor named “%(name)s” is already registered.") % {"name": existing.name}


def register_and_join(
    *,
    user,
    alliance: Alliance,
    actor: Actor,
    membership: Membership,
    adjustment: AdjustmentReason | None = None,
) -> Membership:
    """Register ``actor`` and make it a member of ``alliance`` in one go (all or nothing),
    with the registry's validations; an actor already registered under that RUC or name is
    offered instead (``DuplicateActor``)."""
    if not access.can_manage_alliance(user, alliance):
        raise MemberNotPermitted(_("Only the alliance's coordinators may change it."))
    with transaction.atomic():
        actor.ruc = normalise_ruc(actor.ruc)
        existing = duplicate_of(actor)
        if existing is not None:
            raise DuplicateActor(duplicate_message(actor, existing), existing)
        # Validate the membership before writing anything (the actor is set after saving).
        membership.alliance = alliance
        membership.full_clean(exclude=["actor"])
        services.save_actor(user=user, actor=actor)
        membership.actor = actor
        services.save_alliance_part(
            user=user, alliance=alliance, part=membership, adjustment=adjustment
        )
    return membership
