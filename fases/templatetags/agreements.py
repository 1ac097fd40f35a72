"""The agreement's panel on the alliance page: the version in force, who signed it and
who has not, and the way in for an alliance already under way."""

from django import template

from alianzas import access
from fases.mid_course import may_enter_mid_course
from fases.requirements import cycle_agreement

register = template.Library()


@register.inclusion_tag("fases/agreements/panel.html", takes_context=True)
def agreement_panel(context, alliance, user):
    """Reuses what the next step's checklist already read (``cycle_agreement``: remembered
    on the alliance, or the page's read) and the page's memberships; asks two small
    questions more: may the person draft, and which members may they sign for."""
    agreement = cycle_agreement(alliance)
    members = [m.actor for m in context.get("memberships", []) if m.is_active]
    signed = agreement.signed_actor_ids if agreement else set()
    unsigned = [actor for actor in members if actor.pk not in signed]
    can_manage = context.get("can_manage")
    if can_manage is None:
        can_manage = access.can_draft_agreement(user, alliance)
    can_sign = False
    if agreement and unsigned and not alliance.is_closed:
        can_sign = bool(
            access.signable_actor_ids(user, alliance) & {actor.pk for actor in unsigned}
        )
    return {
        "alliance": alliance,
        "agreement": agreement,
        "signed": len([actor for actor in members if actor.pk in signed]),
        "total": len(members),
        "unsigned": unsigned,
        "can_draft": can_manage and not alliance.is_closed,
        "can_sign": can_sign,
        "can_enter_mid_course": can_manage and may_enter_mid_course(alliance),
    }
