"""The one place that decides who may see and do what.

Roles follow from the data: administrators are active staff users,
coordinators are the users named coordinators of an alliance, and
representatives are the users linked to an actor. One person may hold several
roles. Views, templates, the admin and the state machine's ``permission=`` all
ask these functions; an alliance a user may not see is answered with 404 so
its existence is not revealed.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404

from alianzas.compiled import compiled
from alianzas.models import Actor, Alliance, Indicator, Membership, User


def is_administrator(user) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def is_coordinator(user, alliance: Alliance) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    prefetched = getattr(alliance, "_prefetched_objects_cache", {}).get("coordinators")
    if prefetched is not None:  # the page already read them
        return any(coordinator.pk == user.pk for coordinator in prefetched)
    return bool(_coordinator_link(alliance.pk, user.pk))


def represents(user, actor_id: int) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if type(actor_id) is not int:  # a form's value: asked as it is
        return user.actors.filter(pk=actor_id).exists()
    return bool(_representative_link(actor_id, user.pk))


# Whether a link exists, compiled once (each asked on most pages and every write): the
# first link's id, or nothing.
@compiled
def _coordinator_link(alliance_id: int, user_id: int):
    links = Alliance.coordinators.through.objects.filter(alliance_id=alliance_id, user_id=user_id)
    return links.values_list("pk", flat=True)[:1]


@compiled
def _representative_link(actor_id: int, user_id: int):
    links = Actor.representatives.through.objects.filter(actor_id=actor_id, user_id=user_id)
    return links.values_list("pk", flat=True)[:1]


@compiled
def _represented_membership(alliance_id: int, user_id: int):
    memberships = Membership.objects.filter(
        alliance_id=alliance_id, actor__representatives=user_id
    ).order_by()
    return memberships.values_list("pk", flat=True)[:1]


def visible_alliances(user) -> QuerySet[Alliance]:
    """Alliances the user may read: everything for administrators; for others, the
    alliances they coordinate and those their actors belong (or belonged) to."""
    alliances = Alliance.objects.all()
    if is_administrator(user):
        return alliances
    if not (user.is_authenticated and user.is_active):
        return alliances.none()
    # The ids of both kinds in one UNION subquery: no duplicate rows (no DISTINCT over the
    # list), and PostgreSQL reads a person's few alliances by primary key. The OR of two
    # EXISTS it replaces made every count and board scan all the country's alliances.
    # Without ordering: SQLite refuses ORDER BY inside a UNION (Membership has a default).
    coordinated = Alliance.coordinators.through.objects.filter(user_id=user.pk).order_by()
    represented = Membership.objects.filter(actor__representatives=user.pk).order_by()
    return alliances.filter(
        pk__in=coordinated.values("alliance_id").union(represented.values("alliance_id"))
    )


def visibility_key(user) -> str:
    """Names the set of alliances ``user`` may read, for caching what is computed from it:
    every administrator reads the same set."""
    return "all" if is_administrator(user) else f"user-{user.pk}"


def can_view_alliance(user, alliance: Alliance) -> bool:
    """The same rule as ``visible_alliances``, for one alliance: two small queries at most,
    cheaper to build and run than the list's UNION filtered to one row."""
    if is_administrator(user):
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    return is_coordinator(user, alliance) or bool(_represented_membership(alliance.pk, user.pk))


def can_manage_alliance(user, alliance: Alliance) -> bool:
    """Edit the alliance, its members, objectives and indicators; change its phase."""
    return is_administrator(user) or is_coordinator(user, alliance)


def can_change_phase(user, alliance: Alliance) -> bool:
    return can_manage_alliance(user, alliance)


def can_update_commitment(user, commitment) -> bool:
    """Representatives change only their own actor's commitments; coordinators all of theirs."""
    return represents(user, commitment.actor_id) or can_manage_alliance(user, commitment.alliance)


# The alliance a page is about, and its coordinators in name order (the pages list them and
# every check of who may manage it reads them): compiled, as the alliance pages' own reads,
# since nearly every page and write of an alliance starts here. Built and compiled on each
# request, the two cost about 1.8 ms; compiled, about 0.4.
@compiled
def _alliance(pk: int):
    return Alliance.objects.filter(pk=pk)


@compiled
def _coordinators_of(alliance_id: int):
    coordinators = User.objects.filter(coordinated_alliances=alliance_id)
    return coordinators.order_by("first_name", "last_name", "username", "pk")


def _prefetched_coordinators(alliance: Alliance) -> None:
    """As ``prefetch_related("coordinators")`` keeps them (Django's ``prefetch_one_level``):
    ``alliance.coordinators.all()`` answers with them, without a query."""
    coordinators = alliance.coordinators.get_queryset()
    coordinators._result_cache = _coordinators_of(alliance.pk)
    coordinators._prefetch_done = True
    alliance._prefetched_objects_cache = {
        **getattr(alliance, "_prefetched_objects_cache", {}),
        "coordinators": coordinators,
    }


def get_alliance_or_404(
    user, pk, *, manage: bool = False, prefetch: tuple[str | Prefetch, ...] = ()
) -> Alliance:
    """The alliance ``pk`` if ``user`` may see it (404 otherwise, hiding that it exists);
    with ``manage=True`` also require the right to manage it (403 when only readable).
    ``prefetch``: related sets to read in the same go (``"coordinators"``: in name order, as
    the pages list them)."""
    try:
        found = _alliance(int(pk))
    except (TypeError, ValueError):
        found = []
    if not found:
        raise Http404
    alliance = found[0]
    if "coordinators" in prefetch:
        _prefetched_coordinators(alliance)
    others = [lookup for lookup in prefetch if lookup != "coordinators"]
    if others:
        prefetch_related_objects([alliance], *others)
    # Whoever may manage an alliance may see it: asked first, that one answer does.
    if manage and can_manage_alliance(user, alliance):
        return alliance
    if not can_view_alliance(user, alliance):
        raise Http404
    if manage:
        raise PermissionDenied
    return alliance


def can_create_alliance(user) -> bool:
    """Any active person may start an alliance; they become its first coordinator."""
    return bool(user.is_authenticated and user.is_active)


def can_register_actor(user) -> bool:
    """Anyone active may register an organisation, as they may start an alliance with it;
    changing it afterwards is for those linked to it (``can_edit_actor``)."""
    return bool(user.is_authenticated and user.is_active)


def can_edit_actor(user, actor) -> bool:
    """Administrators, the actor's own representatives, and the coordinators of an
    alliance the actor belongs to; and whoever registered it, until it has representatives."""
    if is_administrator(user) or represents(user, actor.pk):
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    if actor.registered_by_id == user.pk and not actor.representatives.exists():
        return True
    return actor.memberships.filter(alliance__coordinators=user).exists()


def can_add_commitment(user, alliance: Alliance, actor_id: int | None = None) -> bool:
    """Coordinators record any member's commitment; representatives their own actor's."""
    if can_manage_alliance(user, alliance):
        return True
    return actor_id is not None and represents(user, actor_id)


def can_report_measurement(user, indicator: Indicator) -> bool:
    """Representatives of the indicator's responsible actor, and the alliance's coordinators
    and the administrators, report its values."""
    if indicator.responsible_actor_id and represents(user, indicator.responsible_actor_id):
        return True
    return can_manage_alliance(user, indicator.objective.alliance)


def reportable_indicator_ids(user, alliance: Alliance) -> set[int]:
    """The indicators of ``alliance`` whose values ``user`` may report
    (``can_report_measurement`` for all of them), in one query."""
    if not (user.is_authenticated and user.is_active):
        return set()
    indicators = Indicator.objects.filter(objective__alliance=alliance)
    if not is_administrator(user):
        coordinated = Alliance.coordinators.through.objects.filter(
            alliance_id=alliance.pk, user_id=user.pk
        )
        represented = Actor.representatives.through.objects.filter(
            actor_id=OuterRef("responsible_actor_id"), user_id=user.pk
        )
        indicators = indicators.filter(Exists(coordinated) | Exists(represented))
    return set(indicators.values_list("pk", flat=True))


def reportable_among(user, alliance: Alliance, indicators, represented_actor_ids) -> set[int]:
    """``reportable_indicator_ids`` of ``indicators`` (the alliance's, which a page has read
    already), given the actors ``user`` represents: the same rule, with no query."""
    if not (user.is_authenticated and user.is_active):
        return set()
    if can_manage_alliance(user, alliance):
        return {indicator.pk for indicator in indicators}
    return {
        indicator.pk
        for indicator in indicators
        if indicator.responsible_actor_id in represented_actor_ids
    }


def may_update_among(user, alliance: Alliance, actor_id: int, represented_actor_ids) -> bool:
    """``can_update_commitment`` for a commitment of ``actor_id`` in ``alliance``, given the
    actors ``user`` represents (which a page has read already): the same rule, no query."""
    if not (user.is_authenticated and user.is_active):
        return False
    return actor_id in represented_actor_ids or can_manage_alliance(user, alliance)


def managed_alliances(user) -> QuerySet[Alliance]:
    """Alliances the user may manage: everything for administrators, the coordinated ones
    for others (an EXISTS, so no duplicate rows)."""
    alliances = Alliance.objects.all()
    if is_administrator(user):
        return alliances
    if not (user.is_authenticated and user.is_active):
        return alliances.none()
    coordinated = Alliance.coordinators.through.objects.filter(
        alliance_id=OuterRef("pk"), user_id=user.pk
    )
    return alliances.filter(Exists(coordinated))


def can_see_portfolio(user) -> bool:
    """The portfolio is for administrators and for whoever coordinates an alliance."""
    if is_administrator(user):
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    return user.coordinated_alliances.exists()


def can_record_evaluation(user, alliance: Alliance) -> bool:
    """The evaluation of a cycle is written by those who manage the alliance."""
    return can_manage_alliance(user, alliance)


def can_answer_health_check(user, alliance: Alliance, actor_id: int | None = None) -> bool:
    """The health check is answered by the representatives of a current member actor, each
    for their own actor (for ``actor_id`` when given, for any of theirs otherwise)."""
    if not (user.is_authenticated and user.is_active):
        return False
    memberships = alliance.memberships.filter(left_on__isnull=True, actor__representatives=user)
    if actor_id is not None:
        memberships = memberships.filter(actor_id=actor_id)
    return memberships.exists()


# --- The partnering agreement (fases.agreements) ---------------------------------------


def can_draft_agreement(user, alliance: Alliance) -> bool:
    """Coordinators (and administrators) draft, amend and renew the agreement and record
    signatures made on paper."""
    return can_manage_alliance(user, alliance)


def signable_actor_ids(user, alliance: Alliance) -> set[int]:
    """The current member actors of ``alliance`` that ``user`` represents: those the person
    may sign the agreement for (each representative signs only for their own actor)."""
    if not (user.is_authenticated and user.is_active):
        return set()
    return set(_signable_actor_ids(user.pk, alliance.pk))


@compiled
def _signable_actor_ids(user_id: int, alliance_id: int):
    memberships = Membership.objects.filter(
        alliance=alliance_id, left_on__isnull=True, actor__representatives=user_id
    )
    return memberships.values_list("actor_id", flat=True)
