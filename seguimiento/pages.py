"""Pages of the alliance list and an actor, which show commitments beside the alliances."""

from django.contrib.auth.decorators import login_required
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.shortcuts import get_object_or_404, render
from django.utils import dateformat, timezone
from django.utils.formats import get_format

from alianzas import access
from alianzas import selectors as alliance_selectors
from alianzas.forms import AllianceFilterForm
from alianzas.models import Actor, Alliance, Role
from alianzas.reversing import PageUrls
from alianzas.views import filtered, later, paginate
from seguimiento import selectors
from seguimiento.models import OPEN_STATUSES, CommitmentStatus


@login_required
def alliance_list(request):
    form, filters = filtered(request, AllianceFilterForm)
    alliances = alliance_selectors.filter_alliances(access.visible_alliances(request.user), filters)
    # Paginated on the bare ids (the count and the page's slice without the summary's
    # subqueries), then the page's few summarised by one compiled read.
    ids = alliances.order_by("name", "pk").values_list("pk", flat=True)
    context = {
        "nav": "alliances",
        "filter_form": form,
        # Built on every visit: built, it meets the goal the page cache was for
        # (docs/performance.md, "Where the page cache stays").
        "page": later(lambda: selectors.summarised(paginate(request, ids))),
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
    alliance_name = Alliance.objects.filter(pk=OuterRef("alliance_id")).order_by().values("name")
    commitments = (
        commitments.annotate(
            closed=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1))
        )
        # The alliance's name read for the page's rows only (after the sort and the limit),
        # not by a join with every alliance before them.
        .annotate(alliance_name=Subquery(alliance_name))
        .only(*ACTOR_COMMITMENT_COLUMNS)
        .order_by("closed", "due_date", "pk")
    )
    page = paginate(request, commitments)
    memberships = list(memberships.only(*ACTOR_MEMBERSHIP_COLUMNS))
    with_actor_row_facts(memberships, page.object_list)
    context = {
        "nav": "actors",
        "actor": actor,
        "memberships": memberships,
        "page": page,
        "can_edit": access.can_edit_actor(request.user, actor),
    }
    return render(request, "seguimiento/actor_detail.html", context)


def with_actor_row_facts(memberships, commitments) -> None:
    """Set on each row of the actor page what it shows, worked out once for the page
    rather than in the template row by row: the alliance's URL (its pattern reversed once,
    ``alianzas.reversing``) and name, the labels of the role and status, the dates as the
    ``date:"SHORT_DATE_FORMAT"`` filter writes them and whether a commitment is overdue."""
    date_format = get_format("SHORT_DATE_FORMAT")
    role_labels = {value: str(label) for value, label in Role.choices}
    status_labels = {value: str(label) for value, label in CommitmentStatus.choices}
    today = timezone.localdate()
    urls = PageUrls()
    for membership in memberships:
        membership.alliance_url = urls("fases:alliance_detail", membership.alliance_id)
        membership.alliance_name = membership.alliance.name
        membership.role_label = role_labels.get(membership.role, membership.role)
        left_on = membership.left_on
        membership.left_label = dateformat.format(left_on, date_format) if left_on else ""
    for commitment in commitments:
        commitment.alliance_url = urls("fases:alliance_commitments", commitment.alliance_id)
        commitment.overdue = commitment.status in OPEN_STATUSES and commitment.due_date < today
        commitment.due_label = dateformat.format(commitment.due_date, date_format)
        commitment.status_label = status_labels.get(commitment.status, commitment.status)


# What the actor page shows of each membership and commitment (and the actor's id, which
# the related manager sets on each row); a commitment's alliance name is annotated.
ACTOR_MEMBERSHIP_COLUMNS = ("actor_id", "alliance_id", "role", "left_on", "alliance__name")
ACTOR_COMMITMENT_COLUMNS = (
    "actor_id",
    "alliance_id",
    "description",
    "due_date",
    "status",
    "progress",
)
