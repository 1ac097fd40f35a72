"""Pages of the alliance list and an actor, which show commitments beside the alliances."""

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Value, When
from django.shortcuts import get_object_or_404, render

from alianzas import access, generations
from alianzas import selectors as alliance_selectors
from alianzas.forms import AllianceFilterForm
from alianzas.models import Actor
from alianzas.reversing import page_url
from alianzas.views import filtered, later, paginate
from seguimiento import selectors
from seguimiento.models import OPEN_STATUSES


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
    # Only the alliances this user may see: the registry must not reveal the others. (An
    # administrator sees them all: no condition, rather than a join with every alliance.)
    memberships, commitments = actor.memberships.all(), actor.commitments.all()
    if not access.is_administrator(request.user):
        visible = access.visible_alliances(request.user).values("pk")
        memberships = memberships.filter(alliance__in=visible)
        commitments = commitments.filter(alliance__in=visible)
    memberships = memberships.select_related("alliance").order_by("left_on", "alliance__name")
    # A page at a time, as Mis compromisos: an actor can have hundreds of commitments, and
    # the open ones, the most urgent first, are what a visitor looks for.
    commitments = (
        commitments.annotate(
            closed=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1))
        )
        .select_related("alliance")
        .only(*ACTOR_COMMITMENT_COLUMNS)
        .order_by("closed", "due_date", "pk")
    )
    page = paginate(request, commitments)
    memberships = list(memberships.only(*ACTOR_MEMBERSHIP_COLUMNS))
    # The alliance's URL pattern is reversed once, not once a row (alianzas.reversing).
    for row in (*memberships, *page.object_list):
        row.alliance_url = page_url("fases:alliance_detail", row.alliance_id)
    context = {
        "nav": "actors",
        "actor": actor,
        "memberships": memberships,
        "page": page,
        "can_edit": access.can_edit_actor(request.user, actor),
    }
    return render(request, "seguimiento/actor_detail.html", context)


# What the actor page shows of each membership and commitment (and the actor's id, which
# the related manager sets on each row).
ACTOR_MEMBERSHIP_COLUMNS = ("actor_id", "alliance_id", "role", "left_on", "alliance__name")
ACTOR_COMMITMENT_COLUMNS = (
    "actor_id",
    "alliance_id",
    "description",
    "due_date",
    "status",
    "progress",
    "alliance__name",
)
