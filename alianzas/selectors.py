"""Reads for the pages of alliances and actors: each returns what a page shows in a fixed
number of queries. What reads commitments and measurements is in ``seguimiento.selectors``;
what reads the next step, in ``fases.selectors``."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from alianzas import places
from alianzas.compiled import compiled
from alianzas.models import (
    Actor,
    Alliance,
    Membership,
    Place,
    Publication,
    SustainableDevelopmentGoal,
)

# Beyond this many alliances a person's scope is a national portfolio (see
# ``small_scope_ids``).
LARGE_SCOPE = 500


def count_of(rows: QuerySet, outer: str):
    """The number of ``rows`` whose ``outer`` field points at the outer row, as a subquery
    (an aggregate would group the outer query and lose the model's default ordering)."""
    counts = rows.filter(**{outer: OuterRef("pk")}).order_by().values(outer)
    counts = counts.annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def filter_alliances(alliances: QuerySet[Alliance], filters: dict) -> QuerySet[Alliance]:
    """Apply the dashboard's filters (all optional) to ``alliances``."""
    if text := (filters.get("q") or "").strip():
        alliances = alliances.filter(Q(name__icontains=text) | Q(problem__icontains=text))
    if region := filters.get("region"):
        # Any place of the department: a district counts in its department (the map's rule).
        alliances = places.in_department(alliances, region)
    if goal := filters.get("goal"):
        alliances = alliances.filter(
            Exists(
                Alliance.goals.through.objects.filter(
                    alliance=OuterRef("pk"), sustainabledevelopmentgoal=goal
                )
            )
        )
    if sector := filters.get("sector"):
        alliances = alliances.filter(
            Exists(
                Membership.objects.filter(
                    alliance=OuterRef("pk"), left_on__isnull=True, actor__sector=sector
                )
            )
        )
    if phase := filters.get("phase"):
        alliances = alliances.filter(phase=phase)
    return alliances


def small_scope_ids(alliances: QuerySet[Alliance]) -> list[int] | None:
    """The ids of ``alliances`` if they are a person's own few (at most LARGE_SCOPE), else
    ``None``: a national portfolio."""
    ids = list(alliances.order_by().values_list("pk", flat=True)[: LARGE_SCOPE + 1])
    return ids if len(ids) <= LARGE_SCOPE else None


def actor_list(filters: dict) -> QuerySet[Actor]:
    actors = Actor.objects.select_related("region")
    if text := (filters.get("q") or "").strip():
        actors = actors.filter(
            Q(name__icontains=text) | Q(acronym__icontains=text) | Q(ruc__startswith=text)
        )
    if sector := filters.get("sector"):
        actors = actors.filter(sector=sector)
    if region := filters.get("region"):
        actors = actors.filter(region=region)
    current = Membership.objects.filter(left_on__isnull=True)
    return actors.annotate(alliance_count=count_of(current, "actor")).order_by("name", "pk")


@compiled
def places_of(alliance_id: int):
    """The alliance's departments, provinces and districts, by code."""
    return Place.objects.filter(alliances=alliance_id).order_by("code")


@compiled
def goals_of(alliance_id: int):
    """The alliance's SDGs, by number."""
    return SustainableDevelopmentGoal.objects.filter(alliances=alliance_id).order_by("number")


@compiled
def latest_publications_of(alliance_id: int):
    """The last five decisions to publish the alliance or withdraw it, with who made each."""
    return (
        Publication.objects.filter(alliance_id=alliance_id)
        .select_related("user")
        .order_by("-created_at", "-pk")[:5]
    )


@compiled
def memberships_of(alliance_id: int):
    """Every membership of the alliance with its actor, current ones last (the members'
    table, the agreement panel, the lead actor and the checklist all read this list)."""
    return (
        Membership.objects.filter(alliance_id=alliance_id)
        .select_related("actor")
        .order_by("left_on", "joined_on", "pk")
    )
