"""Changes to alliances, their members, objectives and indicators, and to actors.

Each service checks who may make the change (``alianzas.access``), validates
the whole object (``full_clean``) and saves it in a transaction. Forms only
collect input; the rules are here and on the models.
"""

from typing import NamedTuple

from django.db import models, transaction
from django.utils.translation import gettext as _

from alianzas import access, adjustments, places
from alianzas.adjustments import AdjustmentReason
from alianzas.models import Actor, Alliance
from alianzas.refusals import NotPermitted


class SavedAlliance(NamedTuple):
    alliance: Alliance
    # What the territory's rules added or removed beyond what was ticked (``places``).
    territory: places.TerritoryChange


def create_alliance(
    *, user, alliance: Alliance, regions=(), goals=(), chosen_places=None
) -> SavedAlliance:
    """Create ``alliance``; the person who creates it becomes its first coordinator.

    ``chosen_places`` are its provinces and districts (``places.set_territory``)."""
    if not access.can_create_alliance(user):
        raise NotPermitted(_("Sign in with an active account to start an alliance."))
    if chosen_places is not None:
        places.check_places(chosen_places)
    with transaction.atomic():
        alliance.full_clean()
        alliance.save()
        territory = places.set_territory(alliance, regions=regions, places=chosen_places)
        alliance.goals.set(goals)
        alliance.coordinators.add(user)
    return SavedAlliance(alliance, territory)


def update_alliance(
    *, user, alliance: Alliance, regions=(), goals=(), chosen_places=None
) -> SavedAlliance:
    if not access.can_manage_alliance(user, alliance):
        raise NotPermitted(_("Only the alliance's coordinators may change it."))
    if chosen_places is not None:
        places.check_places(chosen_places)
    with transaction.atomic():
        alliance.full_clean()
        alliance.save()
        territory = places.set_territory(alliance, regions=regions, places=chosen_places)
        alliance.goals.set(goals)
    return SavedAlliance(alliance, territory)


def save_alliance_part(
    *, user, alliance: Alliance, part: models.Model, adjustment: AdjustmentReason | None = None
) -> models.Model:
    """Save a membership, objective or indicator of ``alliance`` for one of its managers.

    After Identificación the change is an adjustment and needs its reason
    (``alianzas.adjustments``).
    """
    if not access.can_manage_alliance(user, alliance):
        raise NotPermitted(_("Only the alliance's coordinators may change it."))
    with transaction.atomic():
        return adjustments.save(alliance=alliance, part=part, user=user, reason=adjustment)


def save_actor(*, user, actor: Actor) -> Actor:
    allowed = access.can_edit_actor(user, actor) if actor.pk else access.can_register_actor(user)
    if not allowed:
        raise NotPermitted(
            _("Only the actor's representatives and its alliances' coordinators may change it.")
        )
    with transaction.atomic():
        if not actor.pk and user.is_authenticated:
            actor.registered_by = user  # may edit it until it has representatives
        # ``registered_by`` is set here from the signed-in person, never from input: its
        # existence is not looked up again (one query less each, a registry's import included).
        actor.full_clean(exclude=["registered_by"])
        actor.save()
    return actor
