"""Pages of the alliance list and an actor, which show commitments beside the alliances."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from alianzas import access, generations
from alianzas import selectors as alliance_selectors
from alianzas.forms import AllianceFilterForm
from alianzas.models import Actor
from alianzas.views import filtered, later, paginate
from seguimiento import selectors


@login_required
def alliance_list(request):
    form, filters = filtered(request, AllianceFilterForm)
    alliances = alliance_selectors.filter_alliances(access.visible_alliances(request.user), filters)
    rows = selectors.with_summary(alliances).order_by("name", "pk")
    context = {
        "nav": "alliances",
        "filter_form": form,
        # Cached until any alliance changes.
        "content_cache": generations.content_cache("alliances", request, any_alliance=True),
        "page": later(paginate, request, rows),
        "can_create": access.can_create_alliance(request.user),
    }
    return render(request, "seguimiento/alliance_list.html", context)


@login_required
def actor_detail(request, pk):
    actor = get_object_or_404(Actor.objects.select_related("region"), pk=pk)
    # Only the alliances this user may see: the registry must not reveal the others.
    visible = access.visible_alliances(request.user)
    memberships = (
        actor.memberships.filter(alliance__in=visible.values("pk"))
        .select_related("alliance")
        .order_by("left_on", "alliance__name")
    )
    commitments = (
        actor.commitments.filter(alliance__in=visible.values("pk"))
        .select_related("alliance")
        .order_by("due_date", "pk")
    )
    context = {
        "nav": "actors",
        "actor": actor,
        "memberships": memberships,
        "commitments": commitments,
        "can_edit": access.can_edit_actor(request.user, actor),
    }
    return render(request, "seguimiento/actor_detail.html", context)
