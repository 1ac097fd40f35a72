"""The alliance page's team (coordinators, representatives, pending invitations) and the
people events of its history; a few queries each, rendered inside the page's cache."""

from collections import defaultdict

from django import template

from alianzas import access
from alianzas.models import Actor, Invitation

register = template.Library()

HISTORY_SHOWN = 20


@register.inclusion_tag("alianzas/people/panel.html")
def people_panel(alliance, user, memberships=None):
    """``memberships``: the alliance's, if the page has read them (current ones among them)."""
    can_manage = access.can_manage_alliance(user, alliance)
    through = Actor.representatives.through
    if memberships is None:
        members = through.objects.filter(
            actor__memberships__alliance=alliance, actor__memberships__left_on__isnull=True
        ).distinct()
    else:
        members = through.objects.filter(
            actor_id__in={m.actor_id for m in memberships if m.is_active}
        )
    links = members.select_related("user", "actor").order_by(
        "actor__name", "user__first_name", "user__username"
    )
    by_actor = defaultdict(list)
    for row in links:
        by_actor[row.actor].append(row.user)
    coordinators = list(alliance.coordinators.all())
    pending = []
    if can_manage:
        pending = list(
            alliance.invitations.filter(status=Invitation.Status.PENDING)
            .select_related("actor", "invited_by")
            .order_by("-sent_at", "-pk")
        )
    return {
        "alliance": alliance,
        "user": user,
        "can_manage": can_manage and not alliance.is_closed,
        "coordinators": coordinators,
        "several_coordinators": len(coordinators) > 1,
        "representatives": sorted(by_actor.items(), key=lambda item: item[0].name),
        "pending": pending,
    }


@register.inclusion_tag("alianzas/people/history.html")
def people_history(alliance):
    events = list(alliance.people_events.select_related("by")[: HISTORY_SHOWN + 1])
    return {"events": events[:HISTORY_SHOWN], "more": len(events) > HISTORY_SHOWN}
