"""The alliance page's team (coordinators, representatives, pending invitations) and the
people events of its history; a few queries each, rendered inside the page's cache."""

from collections import defaultdict

from django import template

from alianzas import access
from alianzas.compiled import compiled
from alianzas.models import Actor, Invitation
from alianzas.people_models import PeopleEvent

register = template.Library()

HISTORY_SHOWN = 20


@register.inclusion_tag("alianzas/people/panel.html")
def people_panel(alliance, user, memberships=None):
    """``memberships``: the alliance's, if the page has read them (current ones among them)."""
    can_manage = access.can_manage_alliance(user, alliance)
    if memberships is None:
        memberships = alliance.memberships.all()
    current = sorted({m.actor_id for m in memberships if m.is_active})
    by_actor = defaultdict(list)
    for row in _representatives_of(current) if current else []:
        by_actor[row.actor].append(row.user)
    coordinators = list(alliance.coordinators.all())
    pending = []
    if can_manage:
        pending = _pending_invitations(alliance.pk, known={"alliance": alliance})
    return {
        "alliance": alliance,
        "user": user,
        "can_manage": can_manage and not alliance.is_closed,
        "coordinators": coordinators,
        "several_coordinators": len(coordinators) > 1,
        "representatives": sorted(by_actor.items(), key=lambda item: item[0].name),
        "pending": pending,
    }


@compiled
def _representatives_of(actor_ids: list):
    """Who represents each of the actors, with the person and the actor."""
    return (
        Actor.representatives.through.objects.filter(actor_id__in=actor_ids)
        .select_related("user", "actor")
        .order_by("actor__name", "user__first_name", "user__username")
    )


@compiled
def _pending_invitations(alliance_id: int):
    return (
        Invitation.objects.filter(alliance_id=alliance_id, status=Invitation.Status.PENDING)
        .select_related("actor", "invited_by")
        .order_by("-sent_at", "-pk")
    )


@compiled
def _latest_people_events(alliance_id: int):
    return PeopleEvent.objects.filter(alliance_id=alliance_id).select_related("by")[
        : HISTORY_SHOWN + 1
    ]


@register.inclusion_tag("alianzas/people/history.html")
def people_history(alliance):
    events = _latest_people_events(alliance.pk, known={"alliance": alliance})
    return {"events": events[:HISTORY_SHOWN], "more": len(events) > HISTORY_SHOWN}
