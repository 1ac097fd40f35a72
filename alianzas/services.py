"""Changes to alliances, their members, objectives and indicators, and to actors.

Each service checks who may make the change (``alianzas.access``), validates
the whole object (``full_clean``) and saves it in a transaction. Forms only
collect input; the rules are here and on the models.
"""

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from alianzas import access
from alianzas.models import Actor, Alliance, Membership


def create_alliance(*, user, alliance: Alliance, regions=(), goals=()) -> Alliance:
    """Create ``alliance``; the person who creates it becomes its first coordinator."""
    if not access.can_create_alliance(user):
        raise PermissionDenied
    with transaction.atomic():
        alliance.full_clean()
        alliance.save()
        alliance.regions.set(regions)
        alliance.goals.set(goals)
        alliance.coordinators.add(user)
    return alliance


def update_alliance(*, user, alliance: Alliance, regions=(), goals=()) -> Alliance:
    if not access.can_manage_alliance(user, alliance):
        raise PermissionDenied
    with transaction.atomic():
        alliance.full_clean()
        alliance.save()
        alliance.regions.set(regions)
        alliance.goals.set(goals)
    return alliance


def save_alliance_part(*, user, alliance: Alliance, part: models.Model) -> models.Model:
    """Save a membership, objective or indicator of ``alliance`` for one of its managers.

    The alliance row is locked so that checks spanning several rows (one lead
    actor, one current membership per actor) see a settled alliance.
    """
    if not access.can_manage_alliance(user, alliance):
        raise PermissionDenied
    with transaction.atomic():
        Alliance.objects.select_for_update().filter(pk=alliance.pk).first()
        part.full_clean()
        part.save()
    return part


def end_membership(*, user, membership: Membership, left_on) -> Membership:
    """The actor leaves the alliance; its membership stays, with the leaving date."""
    membership.left_on = left_on
    return save_alliance_part(user=user, alliance=membership.alliance, part=membership)


def save_actor(*, user, actor: Actor) -> Actor:
    allowed = access.can_edit_actor(user, actor) if actor.pk else access.can_register_actor(user)
    if not allowed:
        raise PermissionDenied
    with transaction.atomic():
        actor.full_clean()
        actor.save()
    return actor
